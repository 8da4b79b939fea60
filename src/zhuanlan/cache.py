"""The build cache on disk, ``.zhuanlan-cache/`` at the project root.

Five things are kept between runs of ``zhuanlan build``:
- every file's parse (front matter checked, Markdown rendered), keyed by a hash of the
  file's text, so an unchanged file is never parsed again; one file per column, so an
  edit rewrites one column's;
- the search index's chunks, one file each, named by a hash of the articles they index,
  so an edit re-indexes one chunk of 128 articles, not the archive; with each chunk's
  texts (``search-texts/``), so that re-indexing it parses only the articles edited;
  and the files each group of chunks' shards was written as, so that an edit makes
  only its group's again;
- the fingerprint of the last successful build: a hash of every input (texts, asset
  and template files, options, zhuanlan's and its libraries' versions) and of the output
  folder it wrote. When nothing changed and the output is untouched, the build is done.
  With it, the status and digest of every article file, so that a file whose status is
  the same is not read and hashed again (see `load.ReadBefore`);
- the site that the last build replaced, as a spare to build the next one in (see
  `write.carry_over`): most of its files are the current site's, hard-linked;
- the skeleton of the last full build's site: what a rebuild after edits to article
  bodies alone needs to make their pages without the site model (see `zhuanlan.patch`).
The cache is an optimisation only: anything wrong with it (a newer or older format, a
truncated file, a different engine version) makes the build ignore it and start over,
never trust it. It lives outside ``site/``, so deleting ``site/`` keeps it.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import platform
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, fields
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from zhuanlan import __version__
from zhuanlan.load import SourceRecord
from zhuanlan.model import RenderedMarkdown, SiteSummary, rendered_from_utf8
from zhuanlan.parallel import collector_paused

if TYPE_CHECKING:
    from zhuanlan.parse import ParseCache
    from zhuanlan.patch import Skeleton
    from zhuanlan.search.index import IndexedChunk, SearchCache, SearchPlan

Loaded = TypeVar("Loaded")

CACHE_DIR = ".zhuanlan-cache"
FORMAT = 18
"""Bumped whenever what is pickled changes shape (objects are checked as well)."""
_PARSED = "parsed"
_LEGACY_PARSED = "parsed.pickle"
"""The single parse cache file of format 5 and before."""
_LAST_BUILD = "last-build.pickle"
_SEARCH = "search"
_SEARCH_PLAN = "search-plan.pickle"
_SEARCH_GROUPS = "search-groups.pickle"
_SEARCH_TEXTS = "search-texts"
_SKELETON = "skeleton.pickle"
SPARE_SITE = "spare-site"
"""The spare site's folder in the cache."""


def engine_version() -> str:
    """Everything besides the input that decides the output: zhuanlan and its parsers."""
    versions = [f"zhuanlan {__version__}", f"format {FORMAT}", platform.python_version()]
    for package in ("markdown", "nh3", "pypinyin", "jinja2", "pyyaml"):
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package} ?")
    return "; ".join(versions)


@dataclass(frozen=True)
class LastBuild:
    """What the previous successful build read and wrote."""

    inputs: str
    """Hash of every input of the build."""
    output: str
    """The output folder, absolute."""
    output_state: str
    """Hash of the output folder's files as that build left them."""
    summary: SiteSummary
    """The site's summary, to report again without building."""
    files: int
    """How many files the output holds."""
    pages: dict[str, str]
    """Each page's URL and the hash of what it showed (see `pipeline.page_dependencies`)."""
    written: dict[str, str]
    """A hash of each other file it rendered (feeds, sitemap, search index), written or
    linked; not the static files and assets, which are copied from their sources."""
    frame: str
    """What every page depended on besides its content (see `build.inputs_frame`)."""
    sources: SourceRecord
    """The status and digest of each article file it read."""
    others: tuple[str, ...]
    """The paths of its files that are not pages (with static files and assets)."""
    fresh: tuple[str, ...]
    """The paths of the files it wrote anew; the others are the files of the site it
    replaced, linked or carried over (or copied with their modification time)."""
    gone: tuple[str, ...]
    """The paths of the files of the site it replaced that it did not have."""
    spare_state: str
    """The `folder_state` that the site it replaced, kept as the spare (see
    `write.staging_folder`), should have: as the build before left it. Checked before
    the spare is used; empty when there was no build before."""
    skeleton: str
    """`Skeleton.made_by` of the skeleton of its site (see `zhuanlan.patch`): a build
    after edits to bodies alone takes its site to be that one's."""
    search: str
    """`index_identity` of its search index (empty: none): a guess starts from that
    index's plan only (a failed build may have kept another)."""

    def rendered_files(self) -> list[str]:
        """The pages and the other files whose content it rendered, by path."""
        return [*self.pages, *self.written]

    def paths(self) -> list[str]:
        """The path of every file of its site."""
        return [*self.pages, *self.others]


class BuildCacheStore:
    """Loads and saves the cache of one project; tolerant of any damage."""

    def __init__(self, root: Path) -> None:
        self.folder = root / CACHE_DIR
        self.engine = engine_version()
        self.problem: str | None = None
        """Why a cache file was ignored, if one was (for a note to the user)."""
        self._trusted: dict[str, set[str]] = {_PARSED: set(), _SEARCH: set()}
        """Files of the cache's folders that this build read and trusted, by folder."""

    @property
    def spare(self) -> Path:
        """Where the site the last build replaced is kept (see `write.staging_folder`)."""
        return self.folder / SPARE_SITE

    def load_parsed(self) -> ParseCache:
        """The parse cache: every column's file that can be trusted (the others' files
        are parsed again)."""
        # Imported here: a build with nothing to do loads only the last build's record,
        # and should not wait for Python-Markdown and NumPy to import.
        from zhuanlan.parse import ParseCache

        entries: dict[tuple[str, ...], Any] = {}
        for name, group in self._load_folder(_PARSED, _UndecodedBodies).items():
            if isinstance(group, dict):
                entries.update(group)
                self._trusted[_PARSED].add(name)
            else:
                self.problem = f"缓存 {CACHE_DIR}/{_PARSED}/{name} 的格式不符，已忽略并重新生成"
        return ParseCache.from_entries(entries)

    def save_parsed(self, cache: ParseCache) -> None:
        """Keep the parse cache, one file per column: only changed columns are written."""
        groups: dict[str, dict[tuple[str, ...], Any]] = {}
        for key, entry in cache.entries().items():
            groups.setdefault(_parse_group(key), {})[key] = entry
        # Named by what they hold (their keys hash the texts), like the search chunks.
        self._save_folder(_PARSED, {_digest(repr(sorted(g))): g for g in groups.values()})
        (self.folder / _LEGACY_PARSED).unlink(missing_ok=True)

    def add_parsed(self, cache: ParseCache) -> None:
        """Keep more parses, in a file of their own, without reading or rewriting the
        others (a build that made no site model, see `zhuanlan.patch`): the next build
        that saves the parse cache puts them in their columns' files."""
        entries = cache.entries()
        # Named by the files, so that editing the same ones again replaces it.
        if entries:
            files = sorted({key[1] for key in entries})
            self._save(f"{_PARSED}/{_digest(repr(files))}.pickle", entries)

    def load_last_build(self) -> LastBuild | None:
        """The previous build's fingerprint, if there is a trustworthy one."""
        last = self._load(_LAST_BUILD)
        # A pickle of an older shape unpickles happily but lacks fields: check them all.
        if isinstance(last, LastBuild) and all(hasattr(last, f.name) for f in fields(LastBuild)):
            return last
        if last is not None:
            self.problem = f"缓存 {CACHE_DIR}/{_LAST_BUILD} 的格式不符，已忽略并重新生成"
        return None

    def save_last_build(self, last: LastBuild) -> None:
        """Record a successful build."""
        self._save(_LAST_BUILD, last)

    def load_search(self) -> SearchCache:
        """The search chunks earlier builds indexed; any file that cannot be trusted is
        left out (its chunk is indexed again)."""
        from zhuanlan.search.index import IndexedChunk, SearchCache

        chunks = {}
        for name, chunk in self._load_folder(_SEARCH).items():
            if isinstance(chunk, IndexedChunk):
                chunks[bytes.fromhex(name)] = chunk
                self._trusted[_SEARCH].add(name)
            else:
                self.problem = f"缓存 {CACHE_DIR}/{_SEARCH}/{name} 的格式不符，已忽略并重新生成"
        groups = self._load(_SEARCH_GROUPS)
        if groups is not None and not _sound_groups(groups):
            self.problem = f"缓存 {CACHE_DIR}/{_SEARCH_GROUPS} 的格式不符，已忽略并重新生成"
            groups = None
        return SearchCache(chunks, groups or {}, keeper=self)

    def keep_chunk(self, key: bytes, chunk: IndexedChunk) -> bool:
        """Keep the search chunk `key` as soon as it is indexed (see `ChunkKeeper`)."""
        return self._save(f"{_SEARCH}/{key.hex()}.pickle", chunk)

    def kept_chunk(self, key: bytes) -> IndexedChunk | None:
        """The search chunk `key`, if it is kept and can be trusted."""
        from zhuanlan.search.index import IndexedChunk

        chunk = self._load(f"{_SEARCH}/{key.hex()}.pickle")
        return chunk if isinstance(chunk, IndexedChunk) else None

    def keep_texts(self, key: bytes, texts: dict[str, str]) -> None:
        """Keep the texts of the search chunk `key` (see `ChunkKeeper`)."""
        self._save(f"{_SEARCH_TEXTS}/{key.hex()}.pickle", texts)

    def load_search_texts(self, key: bytes) -> dict[str, str]:
        """The texts kept for the search chunk `key`; none if they cannot be trusted."""
        texts = self._load(f"{_SEARCH_TEXTS}/{key.hex()}.pickle")
        if isinstance(texts, dict) and all(isinstance(text, str) for text in texts.values()):
            return texts
        return {}

    def search_keys(self) -> set[bytes]:
        """The keys of the search chunks kept, without loading them (some may turn out
        not to load)."""
        return {bytes.fromhex(name) for name in self._folder_files(_SEARCH)}

    def save_search(self, cache: SearchCache | None, plan: SearchPlan | None = None) -> None:
        """Keep the chunks of this build: write the new ones, delete those not used (all
        of them when the site has no search: tens of megabytes for a large archive).
        With them, what the index was made of (`load_search_plan`), without the texts."""
        chunks = cache.chunks if cache is not None else {}
        # Those kept as they were indexed are there already (and here without files).
        self._trusted[_SEARCH].update(key.hex() for key, chunk in chunks.items() if chunk.kept)
        self._save_folder(_SEARCH, {key.hex(): chunk for key, chunk in chunks.items()})
        # Their texts, written as they were indexed: only those of other chunks go.
        self._keep_only(_SEARCH_TEXTS, (key.hex() for key in chunks))
        if cache is not None and cache.groups:
            self._save(_SEARCH_GROUPS, cache.groups)
        else:
            (self.folder / _SEARCH_GROUPS).unlink(missing_ok=True)
        if plan is not None:
            self._save(_SEARCH_PLAN, plan.without_texts())
        else:
            (self.folder / _SEARCH_PLAN).unlink(missing_ok=True)

    def has_search_plan(self) -> bool:
        """Whether a plan of the last search index is kept (maybe not one that loads)."""
        return (self.folder / _SEARCH_PLAN).is_file()

    def load_search_plan(self) -> SearchPlan | None:
        """The plan of the last search index made, without the documents' texts."""
        from zhuanlan.search.index import SearchPlan

        return self._load_as(_SEARCH_PLAN, SearchPlan)

    def load_skeleton(self) -> Skeleton | None:
        """The skeleton of the last full build's site (see `zhuanlan.patch`)."""
        from zhuanlan.patch import Skeleton

        return self._load_as(_SKELETON, Skeleton)

    def save_skeleton(self, skeleton: Skeleton) -> None:
        """Keep the skeleton of a full build's site, for the next build to patch."""
        self._save(_SKELETON, skeleton)

    def _load_as(self, name: str, kind: type[Loaded]) -> Loaded | None:
        """The cache file `name` if it holds a `kind` (of this engine)."""
        value = self._load(name)
        if isinstance(value, kind):
            return value
        if value is not None:
            self.problem = f"缓存 {CACHE_DIR}/{name} 的格式不符，已忽略并重新生成"
        return None

    def _load_folder(
        self, folder: str, unpickler: type[pickle.Unpickler] = pickle.Unpickler
    ) -> dict[str, Any]:
        """Every file of a cache folder that unpickles, from this engine, by name."""
        loaded = {}
        for name in self._folder_files(folder):
            value = self._load(f"{folder}/{name}.pickle", unpickler)
            if value is not None:
                loaded[name] = value
        return loaded

    def _save_folder(self, folder: str, wanted: dict[str, Any]) -> None:
        """Write the files of a cache folder whose content is not already there (each
        file's name says what it holds), and delete the files no longer wanted."""
        for name, value in wanted.items():
            if name not in self._trusted[folder]:
                self._save(f"{folder}/{name}.pickle", value)
        self._keep_only(folder, wanted.keys())

    def _keep_only(self, folder: str, names: Iterable[str]) -> None:
        """Delete the files of a cache folder but those with these names."""
        for name in set(self._folder_files(folder)).difference(names):
            (self.folder / folder / f"{name}.pickle").unlink(missing_ok=True)
        # What a build killed while saving left: half-written temporary files.
        for stray in (self.folder / folder).glob(".*.pickle.*"):
            stray.unlink(missing_ok=True)

    def _folder_files(self, folder: str) -> list[str]:
        path = self.folder / folder
        if not path.is_dir():
            return []
        return [
            entry.name.removesuffix(".pickle")
            for entry in path.iterdir()
            if _is_hash_name(entry.name.removesuffix(".pickle")) and entry.name.endswith(".pickle")
        ]

    def _load(self, name: str, unpickler: type[pickle.Unpickler] = pickle.Unpickler) -> Any:
        path = self.folder / name
        if not path.is_file():
            return None
        try:
            with path.open("rb") as stream, collector_paused():
                saved = unpickler(stream).load()
        except Exception:  # any damage at all means: do not trust it
            self.problem = f"缓存文件 {CACHE_DIR}/{name} 已损坏，已忽略并重新生成"
            return None
        if not (isinstance(saved, tuple) and len(saved) == 2 and saved[0] == self.engine):
            self.problem = f"缓存 {CACHE_DIR}/{name} 来自其他版本，已忽略并重新生成"
            return None
        return saved[1]

    def _save(self, name: str, value: Any) -> bool:
        """Write a cache file; whether it was written."""
        try:
            self._write(name, value)
        except OSError as error:  # an optimisation only: the build itself succeeded
            self.problem = f"无法写入缓存 {CACHE_DIR}/{name}：{error.strerror or error}"
            return False
        return True

    def _write(self, name: str, value: Any) -> None:
        self.folder.mkdir(exist_ok=True)
        ignore = self.folder / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# zhuanlan's build cache: safe to delete, never commit\n*\n")
        target = self.folder / name
        target.parent.mkdir(exist_ok=True)
        # Write then rename, so a killed build never leaves half a cache file behind.
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        try:
            with os.fdopen(handle, "wb") as stream:
                pickle.dump((self.engine, value), stream, protocol=pickle.HIGHEST_PROTOCOL)
            Path(temporary).replace(target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def folder_state(folder: Path) -> str:
    """A hash of every file's path, size and modification time in a folder, and of
    every folder's path.

    A site edited, deleted or replaced by hand since the last build hashes differently;
    so does one with a folder added, empty or not.
    """
    if not folder.is_dir():
        return ""
    digest = hashlib.blake2b(digest_size=16)
    _hash_folder(str(folder), "", digest)
    return digest.hexdigest()


class _UndecodedBodies(pickle.Unpickler):
    """Loads rendered bodies with their HTML left as UTF-8 bytes (see `RenderedMarkdown`):
    a rebuild after an edit shows a few of the parse cache's 10,000."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == (rendered_from_utf8.__module__, rendered_from_utf8.__name__):
            return RenderedMarkdown
        return super().find_class(module, name)


def files_state(folder: Path, paths: Iterable[str]) -> str:
    """`folder_state` of a folder known to hold exactly the files at these paths and
    the folders they are in: one system call a file, where `folder_state` also reads
    every folder."""
    digest = hashlib.blake2b(digest_size=16)
    top = f"{folder}/"
    seen = {""}
    # The order in which `_hash_folder` meets them: by name, folder by folder, each
    # folder just before what it holds.
    for path in sorted(paths, key=lambda path: path.split("/")):
        parent, _, _ = path.rpartition("/")
        if parent not in seen:
            _hash_parents(parent, seen, digest)
        status = os.lstat(top + path)  # strings, not Path objects: 14,000 at 10,000 articles
        digest.update(_name(f"{path}\0{status.st_size}\0{status.st_mtime_ns}\n"))
    return digest.hexdigest()


def _hash_parents(folder: str, seen: set[str], digest: Any) -> None:
    """Hash `folder` and the folders it is in, outermost first, unless hashed before."""
    parent, _, _ = folder.rpartition("/")
    if parent not in seen:
        _hash_parents(parent, seen, digest)
    digest.update(_name(f"{folder}/\n"))
    seen.add(folder)


def _hash_folder(path: str, prefix: str, digest: Any) -> None:
    # os.scandir, not Path objects: this runs over every file of a large site on every
    # build, so it is kept to one system call per file.
    with os.scandir(path) as entries:
        ordered = sorted(entries, key=lambda entry: entry.name)
    for entry in ordered:
        name = prefix + entry.name
        if entry.is_dir(follow_symlinks=False):
            digest.update(_name(f"{name}/\n"))
            _hash_folder(entry.path, name + "/", digest)
        else:
            status = entry.stat(follow_symlinks=False)
            digest.update(_name(f"{name}\0{status.st_size}\0{status.st_mtime_ns}\n"))


def _name(text: str) -> bytes:
    """A text holding file names as bytes: a name that is not UTF-8 (left in the site by
    hand) has its undecodable bytes as surrogates, which plain UTF-8 refuses."""
    return text.encode("utf-8", "surrogateescape")


def _is_hash_name(stem: str) -> bool:
    return len(stem) == 32 and all(c in "0123456789abcdef" for c in stem)


def _parse_group(key: tuple[str, ...]) -> str:
    """Which file a parse cache entry is kept in: its column's (its source file's folder
    under content/), or the one for the names spelled in pinyin."""
    return key[1].split("/")[1] if key[0] in ("article", "column") else "\0names"


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _sound_groups(groups: object) -> bool:
    """Whether a search groups file read back holds what one is written with."""
    from zhuanlan.search.index import ShardGroup

    try:
        return isinstance(groups, dict) and all(
            isinstance(key, bytes) and isinstance(group, ShardGroup) and group.is_sound()
            for key, group in groups.items()
        )
    except (AttributeError, TypeError):  # an object of another shape
        return False
