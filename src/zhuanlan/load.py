"""Reading ``content/``: the only module that reads the user's content from disk.

It finds the files, decodes them (UTF-8 with or without BOM, LF or CRLF) and hands on
plain text. A file in another encoding is reported with its line and the ``iconv``
command that converts it. Layout:

    content/site.yml               site settings
    content/<column>/_index.md     the column file (front matter + introduction)
    content/<column>/**/*.md       articles
    content/<column>/**/<other>    images and attachments, copied as they are
"""

from __future__ import annotations

import hashlib
import os
import shlex
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from zhuanlan.errors import Problems

CONTENT_DIR = "content"
SITE_FILE = "site.yml"
COLUMN_FILE = "_index.md"

_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# Editors' backup, swap and lock files, and OS clutter: never content.
_IGNORED_SUFFIXES = ("~", ".swp", ".swo", ".swx", ".tmp", ".bak")
_IGNORED_NAMES = frozenset({"4913", "Thumbs.db", "desktop.ini"})


@dataclass(frozen=True)
class SourceFile:
    """One decoded text file."""

    path: str
    """Relative to the project root, POSIX form."""
    text: str
    """Contents with line endings normalised to LF and any BOM removed."""

    @cached_property
    def digest(self) -> str:
        """A hash of the text: what caches key on."""
        return hashlib.blake2b(self.text.encode("utf-8"), digest_size=16).hexdigest()


class RecordedSourceFile(SourceFile):
    """An article file that a previous build read, unchanged since (see `ReadBefore`):
    its digest is known, and its text is read only if something asks for it (a parse
    that is not in the parse cache)."""

    def __init__(self, path: str, digest: str, location: str) -> None:
        object.__setattr__(self, "path", path)
        self.__dict__["digest"] = digest
        self._location = location

    @cached_property
    def text(self) -> str:
        """The file's text, read now; `OSError` if it changed since into something that
        cannot be read (in the middle of the build)."""
        problems = Problems()
        source = _read_source(self.path, self._location, problems)
        if source is None:
            raise OSError(f"{self.path} 在构建过程中被改动，无法读取")
        return source.text


@dataclass(frozen=True)
class ColumnSources:
    """The files of one column folder."""

    folder: str
    """The folder's name under ``content/``."""
    column_file: SourceFile | None
    """``_index.md``, or None when missing (which is an error)."""
    articles: tuple[SourceFile, ...]
    """Markdown files, sorted by path."""
    assets: tuple[str, ...]
    """Other files, relative to the column folder, sorted."""


@dataclass(frozen=True)
class ProjectSources:
    """Everything read from ``content/``."""

    root: Path
    """The project folder (the one holding ``content/``)."""
    site_file: SourceFile | None
    """``site.yml``, or None when missing."""
    columns: tuple[ColumnSources, ...]
    """Column folders, sorted by name."""


@dataclass
class ReadBefore:
    """The articles an earlier load read, each with the status its file had then: a
    later load takes a file whose status is the same as it was, instead of reading it
    again (10,000 articles take 0.2–0.4 s to read and hash). The preview keeps the files
    in memory; ``zhuanlan build`` keeps their digests on disk (`SourceRecord`).

    A file is taken only if its change time is well before the earlier load began: any
    write since then, even one that kept the size and set the modification time back
    (``cp -p``, ``rsync -t``), moved the change time past it, and no program can set a
    change time. "Well before", because a change time has the resolution of the
    kernel's clock tick. This holds for local disks on Linux and macOS; on Windows
    ``st_ctime`` is the creation time, so nothing is taken there. (Some network and
    FUSE file systems report a change time from another clock, or the modification time
    again: a copy keeping both size and modification time could then go unseen until
    the file changes again.)
    """

    files: dict[str, tuple[tuple[int, ...], SourceFile]] = field(default_factory=dict)
    started: int = 0
    """When the earlier load began, in nanoseconds since the epoch."""

    def record(self) -> SourceRecord:
        """What to keep of it between runs: each file's status and digest, not its text."""
        files = {path: (key, source.digest) for path, (key, source) in self.files.items()}
        return SourceRecord(files, self.started)


@dataclass(frozen=True)
class SourceRecord:
    """`ReadBefore` as it is kept on disk between runs of ``zhuanlan build``."""

    files: dict[str, tuple[tuple[int, ...], str]]
    """Each article file's status and digest, by path relative to the project root."""
    started: int
    """When that load began, in nanoseconds since the epoch."""

    def read_before(self, root: Path) -> ReadBefore:
        """The files as a load can take them: known digests, texts read on demand."""
        files: dict[str, tuple[tuple[int, ...], SourceFile]] = {
            path: (key, RecordedSourceFile(path, digest, str(root / path)))
            for path, (key, digest) in self.files.items()
        }
        return ReadBefore(files, self.started)


_UNSETTLED_NS = 2_000_000_000
"""Files changed this recently before a load are read again by the next one."""
_CHANGE_TIMES = os.name == "posix"
"""Whether ``st_ctime`` is the time of the last change (not the creation time)."""


def load_project(
    root: Path, problems: Problems, before: ReadBefore | None = None
) -> ProjectSources:
    """Read every content file under ``root/content``; record unreadable ones.

    With `before`, articles whose files did not change since that load are taken from
    it, and `before` is updated to this load.
    """
    started = time.time_ns()
    read = ReadBefore(started=started)
    content = root / CONTENT_DIR
    site_path = content / SITE_FILE
    site_file = read_text(root, site_path, problems) if site_path.is_file() else None
    columns = []
    for entry in sorted(content.iterdir(), key=lambda path: path.name):
        if is_ignored(entry.name):
            continue
        if _links_outside(entry, root, problems):
            continue
        if entry.is_dir():
            columns.append(_load_column(root, entry, problems, before, read))
        elif entry.suffix == ".md":
            problems.add(
                _relative(root, entry),
                None,
                None,
                "文章必须放在专栏文件夹中",
                f"在 {CONTENT_DIR}/ 下为专栏建一个文件夹（含 {COLUMN_FILE}），再把文章移进去",
            )
    if before is not None:
        before.files, before.started = read.files, read.started
    return ProjectSources(root, site_file, tuple(columns))


def _load_column(
    root: Path, folder: Path, problems: Problems, before: ReadBefore | None, read: ReadBefore
) -> ColumnSources:
    column_file: SourceFile | None = None
    articles: list[SourceFile] = []
    assets: list[str] = []
    prefix = _relative(root, folder) + "/"
    for relative, entry in _walk(str(folder), prefix, problems):
        if entry.is_symlink() and _links_outside(Path(entry.path), root, problems):
            continue
        if relative == COLUMN_FILE:
            column_file = read_text(root, Path(entry.path), problems)
        elif relative.lower().endswith((".md", ".markdown")):
            article = _read_article(prefix + relative, entry, problems, before, read)
            if article is not None:
                articles.append(article)
        else:
            assets.append(relative)
    if column_file is None and not (folder / COLUMN_FILE).exists():
        problems.add(
            _relative(root, folder),
            None,
            None,
            f"专栏文件夹缺少专栏文件 {COLUMN_FILE}",
            f"新建 {_relative(root, folder)}/{COLUMN_FILE}，至少写明 title 和 year",
        )
    return ColumnSources(folder.name, column_file, tuple(articles), tuple(assets))


def _links_outside(path: Path, root: Path, problems: Problems) -> bool:
    """A symbolic link leading outside the project is refused (and reported).

    Publishing what such a link points at could leak any file on the machine.
    """
    if not path.is_symlink() or path.resolve().is_relative_to(root):
        return False
    problems.add(
        _relative(root, path),
        None,
        None,
        f"符号链接指向项目之外的 {path.resolve()}，为安全起见不予发布",
        "把需要发布的文件复制到 content/ 中，而不是链接过去",
    )
    return True


def _walk(
    folder: str, shown: str, problems: Problems, prefix: str = ""
) -> list[tuple[str, os.DirEntry[str]]]:
    """Files below `folder` (relative POSIX path, entry), sorted by that path, skipping
    hidden and editor files and links to folders. `shown` is the folder as problems
    name it; a folder that cannot be read is one.

    Strings and directory entries, not `Path` objects: this runs for every file of the
    archive on every build, even one that turns out to have nothing to do.
    """
    found: list[tuple[str, os.DirEntry[str]]] = []
    try:
        with os.scandir(folder) as listing:
            entries = [entry for entry in listing if not is_ignored(entry.name)]
    except OSError as error:
        problems.add(
            (shown + prefix).rstrip("/"),
            None,
            None,
            f"无法读取文件夹：{error.strerror or error}",
            "检查该文件夹的权限；编辑器或同步软件正在改动它时，稍后再构建",
        )
        return found
    for entry in entries:
        relative = prefix + entry.name
        if entry.is_dir(follow_symlinks=False):
            found.extend(_walk(entry.path, shown, problems, relative + "/"))
        elif not (entry.is_symlink() and entry.is_dir()):
            found.append((relative, entry))
    # In path order (part by part, as `Path` sorts), not string order: "a/b" < "a-b".
    found.sort(key=lambda item: item[0].split("/"))
    return found


def is_ignored(name: str) -> bool:
    """Whether a file or folder name is editor or system clutter, never content."""
    return (
        name.startswith((".", "#", "~$"))
        or name.endswith(_IGNORED_SUFFIXES)
        or name in _IGNORED_NAMES
    )


def _relative(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def read_text(root: Path, path: Path, problems: Problems) -> SourceFile | None:
    """Read and decode one file; None (with a problem recorded) when it is not UTF-8."""
    return _read_source(_relative(root, path), str(path), problems)


def _read_source(relative: str, path: str, problems: Problems) -> SourceFile | None:
    try:
        with open(path, "rb") as stream:  # noqa: PTH123 - see _walk: no Path per file
            data = stream.read()
    except OSError as error:
        problems.add(relative, None, None, f"无法读取文件：{error.strerror}")
        return None
    text = decode(data, relative, problems)
    return None if text is None else SourceFile(relative, text)


def _read_article(
    relative: str,
    entry: os.DirEntry[str],
    problems: Problems,
    before: ReadBefore | None,
    read: ReadBefore,
) -> SourceFile | None:
    """An article's file: as `before` read it if unchanged since, else read now."""
    if before is None or not _CHANGE_TIMES:
        return _read_source(relative, entry.path, problems)
    try:
        status = entry.stat()
    except OSError:
        return _read_source(relative, entry.path, problems)  # reports the problem
    key = (status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino, status.st_dev)
    known = before.files.get(relative)
    if (
        known is not None
        and known[0] == key
        and status.st_ctime_ns < before.started - _UNSETTLED_NS
    ):
        source: SourceFile | None = known[1]
    else:
        source = _read_source(relative, entry.path, problems)
    if source is not None:
        read.files[relative] = (key, source)
    return source


def decode(data: bytes, path: str, problems: Problems) -> str | None:
    """Decode UTF-8 (BOM optional, any line endings); report anything else precisely."""
    if data.startswith(_UTF16_BOMS):
        problems.add(path, 1, None, "文件是 UTF-16 编码，不是 UTF-8", _iconv_hint(path, "UTF-16"))
        return None
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        try:
            data.decode("gb18030")
        except UnicodeDecodeError:
            message, encoding = f"文件含有无效的 UTF-8 字节（第 {error.start + 1} 字节）", None
        else:
            message, encoding = "文件不是 UTF-8 编码，看起来是 GBK（GB18030）", "GB18030"
        problems.add(path, line, None, message, _iconv_hint(path, encoding))
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _iconv_hint(path: str, encoding: str | None) -> str:
    quoted, converted = shlex.quote(path), shlex.quote(path + ".utf8")
    if encoding is None:
        return f"用编辑器以 UTF-8 重新保存该文件，或检查第一个乱码处；如原为 GBK：iconv -f GB18030 -t UTF-8 {quoted} > {converted} && mv {converted} {quoted}"
    return f"转换为 UTF-8：iconv -f {encoding} -t UTF-8 {quoted} > {converted} && mv {converted} {quoted}"
