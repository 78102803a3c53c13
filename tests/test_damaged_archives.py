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
