"""Checking a WACZ against its own hashes: the package and each WARC record.

``datapackage-digest.json`` holds the SHA-256 of ``datapackage.json``, which
lists each resource (WARC files, index, pages) with its size and SHA-256; each
WARC record carries its ``WARC-Block-Digest`` (and a response its
``WARC-Payload-Digest``), checked by warcio as the record is read.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

_CHUNK = 1 << 20


def _sha256(archive: zipfile.ZipFile, name: str) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with archive.open(name) as member:
        while chunk := member.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return f"sha256:{digest.hexdigest()}", size


def package_problems(archive: zipfile.ZipFile, path: Path) -> list[str]:
    """Where the package's hashes and sizes do not match its members (each named)."""
    names = set(archive.namelist())
    if "datapackage.json" not in names:
        return [f"{path}: no datapackage.json"]
    problems: list[str] = []
    package_bytes = archive.read("datapackage.json")
    if "datapackage-digest.json" in names:
        try:
            told = json.loads(archive.read("datapackage-digest.json")).get("hash")
        except (ValueError, AttributeError):
            told = None
        actual = f"sha256:{hashlib.sha256(package_bytes).hexdigest()}"
        if told != actual:
            problems.append(f"{path}: datapackage.json does not match datapackage-digest.json")
    try:
        resources = json.loads(package_bytes)["resources"]
        listed = {str(r["path"]): (str(r.get("hash", "")), r.get("bytes")) for r in resources}
    except (ValueError, KeyError, TypeError) as exc:
        return [*problems, f"{path}: datapackage.json lists no resources ({exc})"]
    for name, (told, size) in listed.items():
        if name not in names:
            problems.append(f"{path}: {name} is listed in datapackage.json but missing")
            continue
        try:
            actual, actual_size = _sha256(archive, name)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            problems.append(f"{path}: {name} cannot be read ({exc})")
            continue
        if told != actual:
            problems.append(f"{path}: {name} does not match its hash in datapackage.json")
        elif size is not None and size != actual_size:
            problems.append(f"{path}: {name} is {actual_size} bytes, datapackage.json says {size}")
    for name in sorted(names - set(listed) - {"datapackage.json", "datapackage-digest.json"}):
        if not name.endswith("/"):
            problems.append(f"{path}: {name} is not listed in datapackage.json")
    return problems


def record_problems(path: Path) -> tuple[int, list[str]]:
    """Each WARC record of ``path`` read and its digests checked: (records, problems)."""
    from warcio.archiveiterator import ArchiveIterator

    count, problems = 0, []
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if not (name.startswith("archive/") and name.endswith((".warc", ".warc.gz"))):
                continue
            with archive.open(name) as member:
                records = ArchiveIterator(member, check_digests=True)
                try:
                    for record in records:
                        count += 1
                        while record.content_stream().read(_CHUNK):
                            pass
                        if record.digest_checker.passed is False:
                            problems.append(
                                f"{path}: {name}: the record at byte "
                                f"{records.get_record_offset()} does not match its digest"
                            )
                except Exception as exc:  # noqa: BLE001 - warcio raises what it meets
                    problems.append(f"{path}: {name}: unreadable past record {count} ({exc})")
    return count, problems
