"""``python -m zhuanlan``: the same as the ``zhuanlan`` command."""

from zhuanlan.cli import main

main(prog_name="zhuanlan")
