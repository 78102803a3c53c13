"""Which posts newsarchiver wrote: the ownership ledger (``STATE/written-posts``).

An archive folder may hold posts newsarchiver never wrote (a legacy archive's
posts, a post fixed by hand). newsarchiver replaces a post only if it is its
own: the bytes on disk are the bytes it last wrote for that code. Each post
written (or found byte for byte as it would write it) adds one line
``CODE DIGEST`` to an append-only file; the last line of a code wins. The file
is read only when a run meets a post it would replace (a refresh, a changed
date, a run that keeps more than the post), so a caught-up tick never reads it.

Nothing here knows of Scrapy.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from newsarchiver.archive.files import atomic_write
from newsarchiver.archive.layout import written_posts

DIGEST_CHARS = 32  # 128 bits of SHA-256: a post replaced by mistake needs a collision


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:DIGEST_CHARS]


class WrittenPosts:
    """The codes of the posts newsarchiver wrote, and a digest of the bytes it wrote."""

    def __init__(self, output: Path, fsync: bool = True) -> None:
        self.path = written_posts(output)
        self.fsync = fsync
        self._digests: dict[str, str] | None = None
        self._offset = 0  # bytes of the file read into _digests
        self._fd: int | None = None
        self._appended = False

    @property
    def digests(self) -> dict[str, str]:
        """code -> digest of the bytes last written, read once (compacted if it has grown
        well past one line a code)."""
        if self._digests is None:
            self._digests, self._offset = {}, 0
            lines = self._read_on()
            if lines > 2 * len(self._digests) + 1000 and self._fd is None:
                self._compact()
        return self._digests

    def _read_on(self) -> int:
        """Read the lines past what was read (other writers append too): how many."""
        assert self._digests is not None
        lines = 0
        try:
            with open(self.path, "rb") as handle:
                handle.seek(self._offset)
                for line in handle:
                    if not line.endswith(b"\n"):
                        break  # a line being written: read next time
                    self._offset += len(line)
                    parts = line.split()
                    if len(parts) == 2 and len(parts[1]) == DIGEST_CHARS:
                        self._digests[parts[0].decode("ascii", "replace")] = parts[1].decode()
                        lines += 1
        except FileNotFoundError:
            pass
        return lines

    def _compact(self) -> None:
        body = "".join(f"{code} {value}\n" for code, value in self.digests.items())
        try:
            atomic_write(self.path, body.encode("ascii", "replace"), fsync=self.fsync)
        except OSError:
            pass  # a longer file reads the same

    def owns(self, code: str, data: bytes | None) -> bool:
        """Whether ``data`` (a post's bytes on disk) is what newsarchiver last wrote for ``code``
        (this process or another: a worker beside it)."""
        if data is None:
            return False
        value = digest(data)
        if self.digests.get(code) == value:
            return True
        self._read_on()  # lines another writer appended since
        return self.digests.get(code) == value

    def wrote(self, code: str, data: bytes) -> None:
        """``data`` is now the post of ``code``: note it (one appended line).

        OSError if the ledger cannot be written: the post stays, and is then
        treated as another writer's (left alone) until newsarchiver writes it again.
        """
        value = digest(data)
        if self._digests is not None:
            if self._digests.get(code) == value:
                return
            self._digests[code] = value
        if self._fd is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC
            self._fd = os.open(self.path, flags, 0o644)
        os.write(self._fd, f"{code} {value}\n".encode("ascii", "replace"))  # one write: atomic
        self._appended = True

    def close(self) -> None:
        if self._fd is not None:
            try:
                if self.fsync and self._appended:
                    os.fsync(self._fd)
            finally:
                os.close(self._fd)
                self._fd = None
