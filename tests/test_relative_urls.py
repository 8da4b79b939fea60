"""The fast relative-URL function agrees with posixpath.relpath on every site path."""

from __future__ import annotations

import posixpath

from hypothesis import given
from hypothesis import strategies as st

from zhuanlan.render import relative_url

segment = st.sampled_from(["a", "b", "dajuan-2023", "tags", "page", "2"])
folders = st.lists(segment, max_size=4).map("/".join)
# A site URL always names a file (model.py's rule): a folder path, then a file name.
targets = st.tuples(folders, st.sampled_from(["index.html", "zhuanlan.css", "a.png"])).map(
    lambda parts: f"{parts[0]}/{parts[1]}" if parts[0] else parts[1]
)


@given(folders, targets)
def test_relative_url_matches_relpath(folder: str, target: str) -> None:
    assert relative_url(folder, target) == posixpath.relpath(target, folder or ".")
