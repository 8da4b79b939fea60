"""Writing ``site/``: the only module that writes or deletes anything.

The build is written into a staging folder beside the output folder and swapped in only
once complete, so a failed or killed build leaves the previous site exactly as it was.
When most files will be as before, the last build's files are linked into the staging
folder while the new ones are written into a side folder, and moved in at the end.
The site a build replaces is kept as a spare (in the build cache): brought up to date
with the files the last build changed, it is the next build's staging folder, so that a
rebuild moves a few hundred files instead of linking the whole site again.
The writer refuses an output folder that is, or contains, something precious (``/``, the
home folder, the project, ``content/``, ``templates/``, the build cache), replaces only
a folder that zhuanlan itself created (it carries a marker file), and never follows a
symbolic link when deleting.
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from zhuanlan.cache import CACHE_DIR, files_state, folder_state
from zhuanlan.discard import MARKER as MARKER
from zhuanlan.discard import discard_in_background, empty, remove_if_abandoned
from zhuanlan.errors import UsageError
from zhuanlan.load import CONTENT_DIR
from zhuanlan.mirror import mirror_in_background
from zhuanlan.output import OutputFile
from zhuanlan.theme import TEMPLATES_DIR

_MARKER_TEXT = "由 zhuanlan 生成的网站目录，每次构建时整体替换。\nBuilt by zhuanlan; replaced on every build.\n"
_STAGING = ".zhuanlan-staging-"
_RETIRED = ".zhuanlan-old-"
_TRASH = ".zhuanlan-trash-"


def prepare_output_dir(output: Path, root: Path) -> None:
    """Refuse an output folder that a build must never replace (raises `UsageError`).

    Also puts back the previous site if a build was killed in the middle of its swap,
    and removes what killed builds left beside it.
    """
    if output.is_symlink():
        raise UsageError(f"输出目录 {output} 是符号链接，拒绝写入", "请指定一个普通目录")
    target = output.resolve()
    protected = {
        Path("/"): "根目录 /",
        Path.home(): "用户主目录",
        root: "项目目录",
        root / CONTENT_DIR: "内容目录 content/",
        root / TEMPLATES_DIR: "模板目录 templates/",
        root / CACHE_DIR: f"构建缓存目录 {CACHE_DIR}/",
    }
    for path, name in protected.items():
        resolved = path.resolve()
        if resolved == target or resolved.is_relative_to(target):
            raise UsageError(
                f"输出目录 {output} 是或包含{name}，构建会覆盖它，已拒绝",
                "请使用单独的输出目录，例如项目下的 site/",
            )
    for inner in (root / CONTENT_DIR, root / TEMPLATES_DIR, root / CACHE_DIR):
        if target.is_relative_to(inner.resolve()):
            raise UsageError(
                f"输出目录 {output} 位于 {inner.name}/ 之内，已拒绝",
                f"请把输出目录放在 content/、templates/ 和 {CACHE_DIR}/ 之外，例如项目下的 site/",
            )
    _recover_interrupted_swap(output)
    if output.parent.is_dir():
        _remove_leftovers(output)
    if output.exists() and not output.is_dir():
        raise UsageError(f"输出路径 {output} 已存在且不是目录", "请删除该文件或换一个输出目录")
    if output.is_dir() and any(output.iterdir()) and not (output / MARKER).is_file():
        raise UsageError(
            f"输出目录 {output} 已有内容，但不是 zhuanlan 生成的，拒绝替换",
            "确认其中没有需要的文件后手动清空，或换一个输出目录",
        )


@contextmanager
def staging_folder(output: Path, spare: Path, *, reuse: bool, keep: bool) -> Iterator[Path]:
    """A folder to build in, swapped in for `output` when the block succeeds.

    With `reuse`, the folder is the `spare` (see `carry_over`), else a fresh one beside
    `output`. With `keep`, the site it replaces is kept as the spare for the next build
    (the next build checks it against the state the last build recorded); otherwise it
    is deleted, and so is any spare, which could only be older.
    If the block raises (or the process is killed), `output` is left exactly as it was
    and the staging folder is removed: in the background, or by the next build (with
    the last build's files linked in, it can be as large as the site). A spare left by a
    killed build is not removed but fails the next build's check.
    """
    parent = output.parent
    parent.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(output)
    staging = spare if reuse else _marked_folder_beside(output)
    try:
        yield staging
        staging.chmod(0o755)  # mkdtemp makes it private; a web server must read it.
        replaced = _swap_in(staging, output)
    except BaseException:
        _discard(staging, output)
        raise
    if replaced is not None and keep:
        _keep_as_spare(replaced, spare, output)
    else:
        if replaced is not None:
            _discard(replaced, output)
        if is_ours(spare):
            _discard(spare, output)


def write_files(
    folder: Path,
    outputs: Iterable[OutputFile],
    previous: Path | None = None,
    *,
    replace: bool = False,
) -> list[str]:
    """Write rendered pages and copy files into `folder`; the path of every output file.

    Files marked unchanged are carried over from `previous`, the current site; without
    `previous`, they are there already (see `link_files`). With `replace`, a file
    already at one of the paths is replaced (as `link_files` does).
    """
    paths: list[str] = []
    made: set[Path] = set()
    for item in outputs:
        relative = _safe_relative(item.path)
        destination = folder / relative
        if destination.parent not in made:
            destination.parent.mkdir(parents=True, exist_ok=True)
            made.add(destination.parent)
        # Files are created, never opened for writing: a file already there is a link
        # into the published site, and must not be written through.
        if item.unchanged and previous is not None:
            _unlink_if(replace, destination)
            _link_or_copy(previous / relative, destination)
        elif item.content is not None:
            _unlink_if(replace, destination)
            with destination.open("xb") as stream:
                stream.write(item.content)
        elif item.source is not None:
            _unlink_if(replace, destination)
            with item.source.open("rb") as source, destination.open("xb") as stream:
                shutil.copyfileobj(source, stream)
        paths.append(item.path)
    return paths


def _unlink_if(replace: bool, path: Path) -> None:
    if replace:
        path.unlink(missing_ok=True)


def link_files(source: Path, folder: Path, paths: Iterable[str], *, replace: bool = False) -> None:
    """Carry unchanged files over from the current site into the staging folder.

    Hard links cost no copying and leave the current site untouched (files are never
    modified in place, only replaced); where links are impossible, files are copied.
    With `replace`, a file already at one of the paths is replaced (deleted: it may be
    a link into the site, never to be written through).
    """
    made: set[Path] = set()
    for path in paths:
        relative = _safe_relative(path)
        destination = folder / relative
        if destination.parent not in made:
            destination.parent.mkdir(parents=True, exist_ok=True)
            made.add(destination.parent)
        if replace:
            destination.unlink(missing_ok=True)
        _link_or_copy(source / relative, destination)


class OutputChanged(Exception):
    """The output folder is not as the last build left it: its files cannot be used."""


@dataclass(frozen=True)
class SpareUpdate:
    """What turns the spare, the site before last, into the current site."""

    before: str
    """The spare's `folder_state` as the last build left it."""
    gone: tuple[str, ...]
    """Files the last build dropped."""
    fresh: tuple[str, ...]
    """Files the last build wrote anew; it left the others as they were (the same files,
    linked or carried over)."""
    paths: tuple[str, ...]
    """Every file of the current site."""
    state: str
    """The current site's recorded state, which the spare must then have."""


def carry_over(site: Path, staging: Path, carried: list[str], update: SpareUpdate | None) -> None:
    """Put the current site's files (or those of them in `carried`) into `staging`.

    With an `update`, `staging` is the spare: the site before last, whose files are the
    current site's but for those the last build changed. The spare is part of the cache,
    never trusted: it is changed only if it is as recorded, and used only if it then
    has the current site's recorded state. Otherwise (touched by hand, or left by a
    killed build) it is emptied and every file in `carried` linked into it instead, as
    into a fresh staging folder; `OutputChanged` is raised if the site is not as
    recorded either.
    """
    if update is not None:
        try:
            # Before anything is changed: a folder replaced by a link is not followed.
            if folder_state(staging) == update.before:
                _update_spare(site, staging, update)
                # Its folders are as recorded, and it has the files it should: their
                # status is all there is left to compare.
                if files_state(staging, [MARKER, *update.paths]) == update.state:
                    return
        except OSError:
            pass
        empty(staging)
        # The build did not check the site, the spare being there: it is checked now.
        if folder_state(site) != update.state:
            raise OutputChanged(site)
    link_files(site, staging, carried)


def _update_spare(site: Path, spare: Path, update: SpareUpdate) -> None:
    for path in update.gone:
        target = spare / _safe_relative(path)
        target.unlink(missing_ok=True)
        remove_empty_folders(target.parent, spare)
    # The marker too: each staging folder's is its own file.
    link_files(site, spare, [MARKER, *update.fresh], replace=True)


@contextmanager
def side_folder(output: Path) -> Iterator[Path]:
    """A fresh folder beside `output` for files to move into the staging folder later
    (see `settle`); removed afterwards, and by the next build if this one is killed."""
    folder = _marked_folder_beside(output)
    try:
        yield folder
    finally:
        _remove_tree(folder)


def _marked_folder_beside(output: Path) -> Path:
    """A new folder beside `output`, named and marked as ours (see `_leftovers`)."""
    folder = Path(tempfile.mkdtemp(prefix=output.name + _STAGING, dir=output.parent))
    try:
        (folder / MARKER).write_text(_MARKER_TEXT, encoding="utf-8")
    except BaseException:
        _remove_tree(folder)
        raise
    return folder


def settle(aside: Path, folder: Path, gone: Iterable[str]) -> None:
    """Complete a staging folder into which the last build's files were linked
    wholesale: delete those the new build does not have (with the folders that leaves
    empty), then move in the files written `aside`, over the links they replace.

    The links are made while the new files are worked out, so the new files cannot be
    written among them: one of them may be where a link is about to be made.
    """
    for path in gone:
        target = folder / _safe_relative(path)
        target.unlink(missing_ok=True)
        remove_empty_folders(target.parent, folder)
    for directory, _, names in os.walk(aside, onerror=_raise):
        source = Path(directory)
        relative = source.relative_to(aside)
        for name in names:
            if relative.parts or name != MARKER:
                destination = folder / relative / name
                destination.parent.mkdir(parents=True, exist_ok=True)
                (source / name).replace(destination)


def remove_empty_folders(folder: Path, top: Path) -> None:
    """Remove `folder` and its parents below `top` while they are empty.

    A folder left empty would be a difference from a cold build, which `files_state`
    does not see (it hashes the folders of the files it is given): any other failure is
    raised.
    """
    while folder != top:
        try:
            folder.rmdir()
        except OSError as error:
            if error.errno in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOENT):
                return  # not empty (or gone with a file before): nor are its parents
            raise
        folder = folder.parent


def _raise(error: OSError) -> None:
    raise error


def _link_or_copy(source: Path, destination: Path) -> None:
    try:
        os.link(source, destination)
    except FileExistsError:
        # Linked already (by a helper process that then failed, see `Standby.running`):
        # fine.
        # Anything else there is a bug; never write through it.
        if not destination.samefile(source):
            raise
    except OSError:
        with source.open("rb") as stream, destination.open("xb") as copy:
            shutil.copyfileobj(stream, copy)
            status = os.fstat(stream.fileno())
        # With the file's modification time, as a link has: a spare site brought up to
        # date by copies then has the state recorded of the site (see `carry_over`).
        os.utime(destination, ns=(status.st_atime_ns, status.st_mtime_ns))


def _safe_relative(path: str) -> Path:
    relative = PurePosixPath(path)
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise ValueError(f"unsafe output path {path!r}")  # a bug, not a user error
    return Path(*relative.parts)


def _swap_in(staging: Path, output: Path) -> Path | None:
    """Put `staging` in the place of `output`; where the replaced site is now, if any."""
    if not output.exists():
        staging.rename(output)
        return None
    if _exchange(staging, output):
        # The old site now sits at the staging path: site/ was never missing, not even
        # for an instant.
        return staging
    retired = output.with_name(f"{output.name}{_RETIRED}{os.getpid()}")
    output.rename(retired)
    try:
        staging.rename(output)
    except OSError:
        retired.rename(output)  # or else by the next build: `_recover_interrupted_swap`
        raise
    return retired


def _keep_as_spare(replaced: Path, spare: Path, output: Path) -> None:
    """Keep the replaced site at `spare`, for the next build to build in; delete it
    where it cannot be moved there (another file system)."""
    if replaced == spare:
        return
    if is_ours(spare):
        _discard(spare, output)
    _clear_foreign_spare(spare)
    try:
        spare.parent.mkdir(parents=True, exist_ok=True)
        replaced.rename(spare)
    except OSError:
        _discard(replaced, output)


def mirror_as_spare(output: Path, spare: Path) -> bool:
    """Start making `spare` a copy of the site at `output`, in the background (see
    `zhuanlan.mirror`); False where it cannot be: something is at `spare` already, it
    is on another device than `output`, or no process could be started."""
    _clear_foreign_spare(spare)
    try:
        spare.mkdir(parents=True)
    except OSError:
        return False
    try:
        (spare / MARKER).write_text(_MARKER_TEXT, encoding="utf-8")
        if spare.stat().st_dev == output.parent.stat().st_dev and mirror_in_background(
            output, spare
        ):
            return True
    except OSError:
        pass
    _remove_tree(spare)
    return False


def _clear_foreign_spare(spare: Path) -> None:
    """Remove what is at the spare's place in the cache but is not a spare: a folder
    without the marker (a mirror interrupted by the cache being deleted), a link, a
    file. Left there, it would keep any spare from being made again."""
    with suppress(OSError):
        if spare.is_symlink() or spare.is_file():
            spare.unlink()
        elif spare.is_dir() and not is_ours(spare):
            _remove_tree(spare)


def is_ours(folder: Path) -> bool:
    """Whether `folder` is a folder zhuanlan made: a real folder (not a link to one)
    with the marker file."""
    return folder.is_dir() and not folder.is_symlink() and (folder / MARKER).is_file()


def spare_usable(spare: Path, output: Path) -> bool:
    """Whether `spare` is a folder of ours that can take the place of `output` (on the
    same device: bind mounts of one device are not told apart, and a spare kept before
    such a mount was made fails the swap once, leaving the site as it was)."""
    try:
        return is_ours(spare) and spare.stat().st_dev == output.parent.stat().st_dev
    except OSError:
        return False


def _discard(old: Path, output: Path) -> None:
    """Delete a folder of ours in the background: the replaced site once the new one is
    in, a failed build's staging folder (as large as the site when the last build's
    files were linked into it), or a spare no longer of use.

    At best effort: whatever fails here is left for the next build to remove, but for a
    spare on another file system than the output, which cannot be moved beside it: that
    is deleted here and now.
    """
    try:
        trash = Path(tempfile.mkdtemp(prefix=output.name + _TRASH, dir=output.parent))
    except OSError:
        return
    try:
        # Renaming over the empty placeholder is atomic, and the name cannot be taken.
        old.rename(trash)
    except OSError:
        with suppress(OSError):
            trash.rmdir()
            if old.parent != output.parent:
                _remove_tree(old)
        return
    with suppress(OSError):
        discard_in_background(trash)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(first: Path, second: Path) -> bool:
    """Swap two folders atomically (Linux ``renameat2``); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    result = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    return bool(result == 0)


def _recover_interrupted_swap(output: Path) -> None:
    """A build killed between the two renames leaves only the retired copy: restore it."""
    if output.exists() or not output.parent.is_dir():
        return
    retired = sorted(_leftovers(output, _RETIRED))
    if retired:
        retired[-1].rename(output)


def _remove_leftovers(output: Path) -> None:
    for leftover in _leftovers(output, _STAGING) + _leftovers(output, _RETIRED):
        _remove_tree(leftover)
    for trash in _leftovers(output, _TRASH):
        remove_if_abandoned(trash)


def _leftovers(output: Path, infix: str) -> list[Path]:
    """Folders a killed build left: named like ours and marked (or still empty: killed
    between creating the folder and marking it)."""
    return [
        path
        for path in output.parent.glob(f"{output.name}{infix}*")
        if path.is_dir()
        and not path.is_symlink()
        and ((path / MARKER).is_file() or not any(path.iterdir()))
    ]


def _remove_tree(path: Path) -> None:
    """Delete a folder we created; symbolic links inside are removed, never followed."""
    if path.is_symlink() or not path.exists():
        return
    shutil.rmtree(path)  # Python ≥ 3.11 removes links found inside without following them.
