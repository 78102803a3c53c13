"""The output folder: where posts live, atomic writes, the run lock."""

from __future__ import annotations

import errno
import itertools
import os
import re
import socket
import time
from collections.abc import Iterable
from pathlib import Path

POSTS = "_posts"
OLD_POSTS = "old_post"
CATEGORIES = "category"
POST_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})-([A-Za-z0-9]+)\.md")
TEMP_PREFIX = ".newsarchiver-"
STAGING = ".newsarchiver-tmp"  # dot-folder: Jekyll ignores it
STATE = ".newsarchiver-state"  # discovery state (newsarchiver.discovery)
_TEMP_NUMBERS = itertools.count()
_HOST = re.sub(r"[^A-Za-z0-9]", "_", socket.gethostname())[:40] or "host"
_TEMP_NAME = re.compile(re.escape(TEMP_PREFIX) + r"(\w+)-(\d+)-\d+\.tmp")
STALE_AFTER = 24 * 3600  # a temporary file of another host this old is abandoned


def atomic_write(
    path: Path, data: bytes | Iterable[bytes], staging: Path | None = None, fsync: bool = True
) -> None:
    """Write ``data`` (bytes, or pieces of it) to ``path``: readers see the old file or the new.

    The bytes go to a temporary file, flushed to disk, then renamed over
    ``path``. The temporary file lives in ``staging`` (a folder on the same
    file system; default: ``path``'s own folder), so a run killed mid-write
    leaves nothing half-written where Jekyll looks. ``fsync`` also makes the
    bytes survive a power cut before the rename is trusted.
    """
    folder = staging or path.parent
    # Unique across hosts and processes, and threads (the counter is shared).
    temp = folder / f"{TEMP_PREFIX}{_HOST}-{os.getpid()}-{next(_TEMP_NUMBERS)}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
    for attempt in range(5):
        try:
            fd = os.open(temp, flags, 0o644)
            break
        except FileNotFoundError:
            if attempt == 4:
                raise
            # Missing, or just removed by another process finishing its run.
            folder.mkdir(parents=True, exist_ok=True)
    try:
        try:
            for chunk in [data] if isinstance(data, bytes) else data:
                view = memoryview(chunk)
                while view:
                    view = view[os.write(fd, view) :]
            if fsync:
                os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.replace(temp, path)
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temp, path)
        except OSError as exc:
            if exc.errno != errno.EXDEV or staging is None:
                raise
            # The target folder is on another file system (a symlink): stage beside it.
            os.unlink(temp)
            atomic_write(path, data, fsync=fsync)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise


MAX_SLUG_BYTES = 200
_SLUG_DROPPED = str.maketrans("", "", "/\\\0:")


def file_slug(slug: str) -> str:
    """``slug`` as a category file name and URL segment: the one rule for both.

    Path separators, NUL and ``:`` (Jekyll's URL parser takes ``x:`` in a post's
    first path segment for a scheme and stops the build) are dropped, and outer
    white space. Jekyll publishes no file whose name starts with ``.``, ``_``,
    ``#`` or ``~`` or ends with ``~``: those are dropped too, so the footer
    link finds its page; a slug of nothing else (``~``, ``__``) becomes ``c``
    and a digest of it. "" when nothing usable is left or it is too long.
    """
    cleaned = slug.translate(_SLUG_DROPPED).strip()
    published = cleaned.lstrip("._#~").rstrip("~").strip()
    if cleaned and not published:
        import hashlib

        published = "c" + hashlib.sha256(cleaned.encode("utf-8")).hexdigest()[:10]
    return published if len(published.encode("utf-8")) <= MAX_SLUG_BYTES else ""


def category_page(output: Path, slug: str) -> Path:
    """``output/category/{slug}.html``; ValueError unless ``slug`` obeys :func:`file_slug`.

    A slug comes from an outlet name or a post's front matter: neither may
    lead a write out of the category folder.
    """
    if not slug or file_slug(slug) != slug:
        raise ValueError(f"unsafe category name {slug!r}")
    return output / CATEGORIES / f"{slug}.html"


def staging_folder(output: Path) -> Path:
    """Where posts and category pages are staged before their rename."""
    return output / STAGING


def _abandoned(entry: os.DirEntry) -> bool:
    """A temporary file whose writer is gone: a dead process here, or a day old."""
    match = _TEMP_NAME.fullmatch(entry.name)
    if match and match.group(1) == _HOST:
        try:
            os.kill(int(match.group(2)), 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False
    try:
        return time.time() - entry.stat().st_mtime > STALE_AFTER
    except FileNotFoundError:
        return False


def remove_stale_temp_files(output: Path) -> int:
    """Delete temporary files killed runs left behind; return how many.

    Files of runs still alive (other workers sharing the folder) are kept.
    """
    removed = 0
    for sub in (STAGING, POSTS, OLD_POSTS, CATEGORIES, STATE):
        try:
            entries = list(os.scandir(output / sub))
        except (FileNotFoundError, NotADirectoryError):
            continue  # nothing there; writing there will say what is wrong
        for entry in entries:
            if entry.name.startswith(TEMP_PREFIX) and _abandoned(entry):
                try:
                    os.unlink(entry.path)
                    removed += 1
                except FileNotFoundError:
                    pass
    return removed


def remove_staging_folder(output: Path) -> None:
    try:
        os.rmdir(staging_folder(output))
    except OSError:
        pass  # missing, or in use by another writer


def read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


class ArchiveIndex:
    """Which article codes the output folder already holds, and where.

    Built by one scan of ``_posts/`` and ``old_post/`` at start-up, then kept
    up to date as posts are written, so a lookup never touches the disk.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._paths: dict[str, str] = {}
        self.added: set[str] = set()  # codes first written by this run

    def load(self) -> ArchiveIndex:
        for sub in (OLD_POSTS, POSTS):  # _posts/ wins if a code is in both
            try:
                entries = os.scandir(self.folder / sub)
            except FileNotFoundError:
                continue
            with entries:
                for entry in entries:
                    match = POST_NAME.fullmatch(entry.name)
                    if match:
                        self._paths[match.group(2)] = f"{sub}/{entry.name}"
        return self

    def __contains__(self, code: str) -> bool:
        return code in self._paths

    def __len__(self) -> int:
        return len(self._paths)

    def path(self, code: str) -> Path | None:
        relative = self._paths.get(code)
        return self.folder / relative if relative else None

    def archived_before(self, code: str) -> bool:
        """Whether ``code`` was in the folder when the run started."""
        return code in self._paths and code not in self.added

    def record(self, code: str, path: Path) -> None:
        if code not in self._paths:
            self.added.add(code)
        self._paths[code] = str(path.relative_to(self.folder))


class OwedPages:
    """Category pages a run could not write, kept for the next (``STATE/category-pages.json``)."""

    def __init__(self, output: Path) -> None:
        self.path = output / STATE / "category-pages.json"
        try:
            import json

            pages = json.loads(self.path.read_bytes())
            self.pages: dict[str, str] = {str(k): str(v) for k, v in dict(pages).items()}
        except (OSError, ValueError, TypeError):
            self.pages = {}

    def owe(self, slug: str, outlet: str) -> None:
        if self.pages.get(slug) != outlet:
            self.pages[slug] = outlet
            self._save()

    def paid(self, slug: str) -> None:
        if self.pages.pop(slug, None) is not None:
            self._save()

    def _save(self) -> None:
        import json

        try:
            if self.pages:
                atomic_write(self.path, json.dumps(self.pages, ensure_ascii=False).encode())
            else:
                self.path.unlink(missing_ok=True)
        except OSError:
            pass  # the page is reported as failed; nothing more can be done here


LOCK_NAME = ".newsarchiver.lock"  # dot-file: Jekyll ignores it


class UnusableLock(Exception):
    """The lock file is there but is no regular file: no run may assume it holds the folder."""


def _kind(mode: int) -> str:
    import stat

    for test, name in (
        (stat.S_ISLNK, "a symlink"), (stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"),
    ):  # fmt: skip
        if test(mode):
            return name
    return "not a regular file"


class RunLock:
    """An exclusive lock on an output folder, released when the process dies.

    ``fcntl.flock`` on the folder itself and on ``.newsarchiver.lock`` inside
    it, opened without following a symlink, so another user cannot plant it
    elsewhere. The folder's lock means a lock file deleted while held lets no
    second run in; the file's lock is the one a file system without locks on
    folders keeps. A lock file that is not a regular file (a symlink, a
    folder, a FIFO) raises :class:`UnusableLock`: failing closed. The kernel
    drops the locks with the process, so a run killed with SIGKILL leaves no
    stale lock.
    """

    def __init__(self, folder: Path) -> None:
        self.path = folder / LOCK_NAME
        self._fds: list[int] = []

    def acquire(self) -> bool:
        """True if this process now holds the folder; False if another run does."""
        import fcntl
        import stat

        folder = self.path.parent
        folder.mkdir(parents=True, exist_ok=True)
        try:
            mode = os.lstat(self.path).st_mode
        except FileNotFoundError:
            mode = None
        if mode is not None and not stat.S_ISREG(mode):
            raise UnusableLock(
                f"the lock file {self.path} is {_kind(mode)}, not a regular file; remove it"
            )
        fds: list[int] = []
        try:
            fds.append(os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC))
            flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
            try:
                fds.append(os.open(self.path, flags, 0o644))
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.EISDIR, errno.ENXIO):
                    raise UnusableLock(
                        f"the lock file {self.path} is not a regular file; remove it"
                    ) from None
                raise
            for number, fd in enumerate(fds):
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError as exc:
                    if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                        raise _Held from None
                    if number == 0:
                        continue  # no locks on folders here (NFS): the file's lock alone
                    raise
        except _Held:
            for fd in fds:
                os.close(fd)
            return False
        except BaseException:
            for fd in fds:
                os.close(fd)
            raise
        self._fds = fds  # the file stays empty: a run leaves the archive's bytes as they were
        return True

    def release(self) -> None:
        for fd in self._fds:
            os.close(fd)
        self._fds = []


class _Held(Exception):
    pass
