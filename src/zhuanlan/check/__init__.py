"""``zhuanlan check``: everything wrong with a project before it is published.

The site is built into a temporary folder (never ``site/``, never the build cache) and
checked there; every problem is attributed to the source file and line an editor must
change. `run.run_check` does the work, `output` presents it, `fix` applies the safe
punctuation fixes.
"""
