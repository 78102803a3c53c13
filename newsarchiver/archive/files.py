"""Files in an archive folder: atomic writes, reads, the temporary files of killed runs."""

from __future__ import annotations

import errno
import itertools
import os
import re
import socket
import time
from collections.abc import Iterable
from pathlib import Path

from newsarchiver.archive.layout import (
    CATEGORIES,
    OLD_POSTS,
    POSTS,
    STAGING,
    STATE,
    TEMP_PREFIX,
    staging_folder,
)

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


def _abandoned(path: str) -> bool:
    """A temporary file whose writer is gone: a dead process here, or a day old."""
    match = _TEMP_NAME.fullmatch(os.path.basename(path))
    if match and match.group(1) == _HOST:
        try:
            os.kill(int(match.group(2)), 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False
    try:
        return time.time() - os.stat(path).st_mtime > STALE_AFTER
    except FileNotFoundError:
        return False


def remove_stale_temp_files(output: Path, posts_scanned: list | None = None) -> int:
    """Delete temporary files killed runs left behind; return how many.

    Files of runs still alive (other workers sharing the folder) are kept.
    ``posts_scanned``: the temporary files the index's scan of ``_posts/`` and
    ``old_post/`` met, so those folders are not listed a second time.
    """
    removed = 0
    folders = (STAGING, CATEGORIES, STATE) if posts_scanned is not None else (
        STAGING, POSTS, OLD_POSTS, CATEGORIES, STATE
    )  # fmt: skip
    found = [os.fspath(path) for path in posts_scanned or []]
    for sub in folders:
        try:
            found.extend(entry.path for entry in os.scandir(output / sub))
        except (FileNotFoundError, NotADirectoryError):
            continue  # nothing there; writing there will say what is wrong
    for path in found:
        if os.path.basename(path).startswith(TEMP_PREFIX) and _abandoned(path):
            try:
                os.unlink(path)
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
