"""The run lock: one run at a time per archive folder."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from newsarchiver.archive.layout import LOCK_NAME


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
        flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
        return self._take(flags, fcntl.LOCK_EX)

    def acquire_shared(self) -> bool:
        """As a reader (``check``): True unless a run is writing. Creates nothing: the
        folder is locked shared, and the lock file too if there is one."""
        import fcntl

        return self._take(os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK, fcntl.LOCK_SH)

    def _take(self, file_flags: int, operation: int) -> bool:
        """Open the folder and the lock file (``file_flags``; a missing file is skipped
        unless they create it) and ``flock`` both with ``operation``."""
        import fcntl

        fds: list[int] = []
        try:
            fds.append(os.open(self.path.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC))
            try:
                fds.append(os.open(self.path, file_flags, 0o644))
            except FileNotFoundError:
                if file_flags & os.O_CREAT:
                    raise
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.EISDIR, errno.ENXIO):
                    raise UnusableLock(
                        f"the lock file {self.path} is not a regular file; remove it"
                    ) from None
                raise
            for number, fd in enumerate(fds):
                try:
                    fcntl.flock(fd, operation | fcntl.LOCK_NB)
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
