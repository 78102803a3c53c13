"""A ``--wacz FILE`` tick costs what it adds (issue 28 item 3): the WACZ grows in place.

No old record is copied: the bytes before the old ending stay as they were. The
grown file passes the wacz package's validator and rebuilds; a run killed at any
instant of growing it leaves a journal from which the next run puts the old file
back whole (10 seeds of SIGKILL at random instants in a forked child:
tests/slow/test_random_kills.py).
"""

from __future__ import annotations

import json
import os
import signal
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsarchiver.sample_site import SampleSite
from newsarchiver.sample_site.articles import generated
from newsarchiver.webarchive import WarcSpool, check_target
from newsarchiver.webarchive.pack import ENDING, tail_path
from tests.conftest import posts, run_cli
from tests.e2e.test_preservation import pages, valid_wacz


def ending_start(path: Path) -> int:
    with zipfile.ZipFile(path) as archive:
        return min(i.header_offset for i in archive.infolist() if i.filename in ENDING)


def test_a_tick_into_a_wacz_file_leaves_its_old_records_where_they_are(tmp_path):
    target, out = tmp_path / "a.wacz", tmp_path / "o"
    articles = generated(9)
    with SampleSite(articles) as site:
        for batch in (articles[:3], articles[3:6], articles[6:]):
            before = target.read_bytes() if target.exists() else b""
            kept = ending_start(target) if before else 0
            urls = [site.share_url(a.code) for a in batch]
            result = run_cli("crawl", *urls, "-o", str(out), "--wacz", str(target), "-q")
            assert result.code == 0, result.stderr
            assert target.read_bytes()[:kept] == before[:kept]  # nothing old rewritten
            valid_wacz(target)
            assert not tail_path(target).exists()
    assert sorted(p["newsarchiver"]["code"] for p in pages(target)) == [a.code for a in articles]
    again = run_cli("rebuild", "--from", str(target), "-o", str(tmp_path / "r"), "-q")
    assert again.code == 0, again.stderr
    assert posts(tmp_path / "r") == posts(out)


def spool_of(target: Path, first: int, count: int) -> WarcSpool:
    spool = WarcSpool(target, datetime.now(UTC))
    for article in generated(count, first):
        url = f"http://finews.test/NewsData/GetNewsText.do?id={article.code}"
        body = json.dumps(article.json(), ensure_ascii=False).encode("utf-8") * 20
        spool.add_response(url, 200, [(b"Content-Type", b"application/json")], body)
        share = f"http://finews.test/html_News/NewsShare.html?infoCode={article.code}"
        spool.add_page(url, article.title, share, article.code)
    return spool


def test_a_run_killed_with_the_file_half_grown_gets_the_old_file_back(tmp_path):
    """The instant the random seeds may miss: the old ending overwritten, the new one
    not written. The file is no zip then; the next run's target check restores it."""
    from newsarchiver.webarchive import pack

    target = tmp_path / "a.wacz"
    spool_of(target, 0, 50).pack(fsync=False)
    old = target.read_bytes()
    spool = spool_of(target, 50, 50)
    child = os.fork()
    if child == 0:  # pragma: no cover - the child is killed

        def half_written(wacz, *args, **kwargs):
            wacz.fp.write(b"\0" * 4096)
            wacz.fp.flush()
            os.kill(os.getpid(), signal.SIGKILL)

        pack._write_members = half_written
        spool.pack(fsync=True)
        os._exit(0)
    _, status = os.waitpid(child, 0)
    assert os.WIFSIGNALED(status)
    assert tail_path(target).exists() and target.read_bytes() != old
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(target)
    assert check_target(target) is None
    assert target.read_bytes() == old and not tail_path(target).exists()
