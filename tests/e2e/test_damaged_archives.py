"""Damaged web archives are named, not lost in silence (issue 27, items 10, 11, 14, 15).

WACZ files written by real crawls against the sample site, damaged by the test.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from newsarchiver.sample_site import SampleSite
from newsarchiver.sample_site.articles import generated
from newsarchiver.webarchive import WebArchive
from tests.conftest import posts, run_cli


def two_archives(tmp_path: Path) -> tuple[Path, list, list]:
    folder = tmp_path / "w"
    folder.mkdir()  # a folder target: one WACZ a run
    first, second = generated(6)[:3], generated(6)[3:]
    with SampleSite([*first, *second]) as site:
        for batch in (first, second):
            urls = [site.share_url(a.code) for a in batch]
            result = run_cli("crawl", *urls, "-o", str(tmp_path / "live"), "--wacz", str(folder))
            assert result.code == 0, result.stderr
    return folder, first, second


def test_an_unreadable_wacz_is_named_and_the_others_rebuild(tmp_path):
    folder, first, second = two_archives(tmp_path)
    older, newer = sorted(folder.glob("*.wacz"))
    older.write_bytes(older.read_bytes()[: len(older.read_bytes()) // 3])  # cut short
    result = run_cli("rebuild", "--from", str(folder), "-o", str(tmp_path / "again"), "-q")
    assert result.code == 1
    (line,) = [line for line in result.stderr.splitlines() if "FAILED" in line]
    assert f"FAILED {older}: cannot read the web archive" in line
    assert {name[11:-3] for name in posts(tmp_path / "again")} == {a.code for a in second}


def test_a_broken_pages_line_is_named_and_the_rest_is_used(tmp_path):
    folder, first, second = two_archives(tmp_path)
    older = sorted(folder.glob("*.wacz"))[0]
    damaged = tmp_path / "damaged.wacz"
    with zipfile.ZipFile(older) as source, zipfile.ZipFile(damaged, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "pages/pages.jsonl":
                lines = data.split(b"\n")
                lines[1] = b'{"broken'
                data = b"\n".join(lines)
            target.writestr(info, data)
    result = run_cli("rebuild", "--from", str(damaged), "-o", str(tmp_path / "again"))
    assert result.code == 0, result.stderr
    assert len(posts(tmp_path / "again")) == 2  # the page of the broken line is passed over


def test_a_record_that_does_not_parse_fails_its_article_naming_the_file(tmp_path):
    folder, first, second = two_archives(tmp_path)
    older = sorted(folder.glob("*.wacz"))[0]
    archive = WebArchive([older]).open()
    number, offset, length = next(iter(archive._records.values()))
    archive.close()
    data = bytearray(older.read_bytes())
    data[offset : offset + 8] = b"NOTWARC!"  # the record's first bytes
    older.write_bytes(bytes(data))
    result = run_cli("rebuild", "--from", str(older), "-o", str(tmp_path / "again"), "-q")
    assert result.code == 1
    failed = [line for line in result.stderr.splitlines() if "FAILED" in line]
    assert failed and all(f"damaged record in the web archive {older}" in f for f in failed)
    assert len(posts(tmp_path / "again")) + len(failed) == 3


def test_a_folder_of_many_wacz_files_keeps_few_open(tmp_path):
    folder, first, second = two_archives(tmp_path)
    files = sorted(folder.glob("*.wacz"))
    archive = WebArchive(files * 10, open_files=2).open()  # 20 files, 2 descriptors
    try:
        for url in list(archive._records):
            assert archive.response(url) is not None
            assert len(archive._handles) <= 2
    finally:
        archive.close()


def rewritten(source: Path, target: Path, change) -> None:
    """``source`` zipped again as ``target``, each member through ``change(name, data)``:
    the zip is consistent (its CRCs new), the WACZ's own hashes are not."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            new.writestr(info, change(info.filename, old.read(info)))


def edit_first_body(name: str, data: bytes) -> bytes:
    """The first record with a full stop in it edited (one gzip member a record,
    stored: recompressed the same way it keeps its size, so the index holds)."""
    import gzip
    import zlib

    if not name.startswith("archive/"):
        return data
    start = 0
    while start < len(data):
        member = zlib.decompressobj(wbits=31)
        record = member.decompress(data[start:])
        end = len(data) - len(member.unused_data)
        if "。".encode() in record:
            edited = gzip.compress(record.replace("。".encode(), "，".encode(), 1), 0, mtime=0)
            assert len(edited) == end - start
            return data[:start] + edited + data[end:]
        start = end
    raise AssertionError("no record to edit")


def test_verify_names_an_edited_record_and_the_other_articles_rebuild(tmp_path):
    """Items 11 and 12: a body edited and the zip rewritten consistently."""
    folder, first, second = two_archives(tmp_path)
    older = sorted(folder.glob("*.wacz"))[0]
    edited = tmp_path / "edited"
    edited.mkdir()
    rewritten(older, edited / older.name, edit_first_body)
    (edited / older.name).touch()
    for other in sorted(folder.glob("*.wacz"))[1:]:
        (edited / other.name).write_bytes(other.read_bytes())
    out = tmp_path / "again"
    result = run_cli("rebuild", "--verify", "--from", str(edited), "-o", str(out))
    assert result.code == 1
    failed = [line for line in result.stderr.splitlines() if "FAILED" in line]
    assert f"FAILED {edited / older.name}: hashes do not match: " in failed[0]
    assert "does not match its hash in datapackage.json" in failed[0]
    (article_line,) = [line for line in failed if "NewsShare" in line]
    assert "does not match its digest" in article_line
    assert len(posts(out)) == 5  # the edited record is not used; the rest rebuild
    assert "verified 2 web archive files and " in result.stderr
    assert "1 do not match" in result.stderr


def test_verify_of_sound_archives_says_all_match(tmp_path):
    folder, first, second = two_archives(tmp_path)
    result = run_cli("rebuild", "--verify", "--from", str(folder), "-o", str(tmp_path / "a"))
    assert result.code == 0, result.stderr
    assert "verified 2 web archive files and 8 records: all match" in result.stderr
    assert posts(tmp_path / "a") == posts(tmp_path / "live")


def test_a_target_whose_hashes_do_not_match_is_refused_before_any_fetch(tmp_path):
    folder, first, second = two_archives(tmp_path)
    target = tmp_path / "target.wacz"
    rewritten(sorted(folder.glob("*.wacz"))[0], target, edit_first_body)
    before = target.read_bytes()
    with SampleSite(generated(7)) as site:
        url = site.share_url(generated(7)[6].code)
        result = run_cli("crawl", url, "-o", str(tmp_path / "o"), "--wacz", str(target), "-q")
        assert site.requests == {}
    assert result.code == 4  # the run cannot start: one line says why
    assert f"cannot add to the web archive {target}: its hashes do not match: " in result.stderr
    assert target.read_bytes() == before


def test_a_sound_target_is_taken_tick_after_tick(tmp_path):
    target = tmp_path / "one.wacz"
    articles = generated(3)
    with SampleSite(articles) as site:
        for article in articles:
            url = site.share_url(article.code)
            result = run_cli("crawl", url, "-o", str(tmp_path / "o"), "--wacz", str(target), "-q")
            assert result.code == 0, result.stderr
    with zipfile.ZipFile(target) as archive:
        from newsarchiver.webarchive import package_problems

        assert package_problems(archive, target) == []
    again = run_cli("rebuild", "--from", str(target), "-o", str(tmp_path / "again"), "-q")
    assert again.code == 0 and len(posts(tmp_path / "again")) == 3


def foreign_wacz(path: Path) -> Path:
    """A WACZ another tool made: one page, no newsarchiver pages."""
    import hashlib
    import json

    record = (
        b"WARC/1.1\r\nWARC-Type: resource\r\nWARC-Target-URI: http://example.com/\r\n"
        b"WARC-Record-ID: <urn:uuid:1>\r\nContent-Length: 2\r\n\r\nhi\r\n\r\n"
    )
    members = {
        "archive/data.warc": record,
        "indexes/index.cdx": b'com,example)/ 20260101000000 {"url": "http://example.com/", '
        b'"offset": 0, "length": %d, "filename": "data.warc"}\n' % len(record),
        "pages/pages.jsonl": b'{"format": "json-pages-1.0", "id": "pages"}\n'
        b'{"id": "1", "url": "http://example.com/", "ts": "2026-01-01T00:00:00Z"}\n',
    }
    resources = [
        {"name": Path(n).name, "path": n, "hash": f"sha256:{hashlib.sha256(d).hexdigest()}",
         "bytes": len(d)}
        for n, d in members.items()
    ]  # fmt: skip
    package = json.dumps({"profile": "data-package", "resources": resources,
                          "software": "handmade 1.0", "wacz_version": "1.1.1"}).encode()  # fmt: skip
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        archive.writestr("datapackage.json", package)
    return path


def test_a_foreign_wacz_is_refused_as_a_target_and_is_an_error_for_rebuild(tmp_path):
    """Item 13."""
    foreign = foreign_wacz(tmp_path / "foreign.wacz")
    with SampleSite(generated(1)) as site:
        url = site.share_url(generated(1)[0].code)
        result = run_cli("crawl", url, "-o", str(tmp_path / "o"), "--wacz", str(foreign), "-q")
        assert site.requests == {}
    assert result.code == 4
    assert "it holds no newsarchiver pages (made by handmade 1.0)" in result.stderr
    alone = run_cli("rebuild", "--from", str(foreign), "-o", str(tmp_path / "r"), "-q")
    assert alone.code == 2
    assert f"{foreign}: it holds no newsarchiver pages" in alone.stderr

    folder, first, second = two_archives(tmp_path)
    foreign_wacz(folder / "zz-foreign.wacz")
    mixed = run_cli("rebuild", "--from", str(folder), "-o", str(tmp_path / "m"), "-q")
    assert mixed.code == 1
    (line,) = [line for line in mixed.stderr.splitlines() if "FAILED" in line]
    assert f"FAILED {folder / 'zz-foreign.wacz'}: cannot read the web archive: it holds no" in line
    assert len(posts(tmp_path / "m")) == 6
