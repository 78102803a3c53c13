"""Preservation (issue 21): WACZ of what made the posts, rebuild with no network, images kept.

Every test crawls the sample site on 127.0.0.1 with the real CLI and checks
the files written: the WACZ with the ``wacz`` package's own validator and
warcio, the posts byte for byte, the replay in pywb.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
import zipfile
from datetime import UTC
from pathlib import Path

import pytest

from newsarchiver.archive.written import digest
from newsarchiver.sample_site import ARTICLES, SampleSite
from newsarchiver.sample_site.articles import SampleArticle, generated
from newsarchiver.sample_site.server import IMAGES, render_page
from tests.conftest import ROOT, free_port, posts, run_cli, start_cli, wait_for_posts

IMAGE_ARTICLE = SampleArticle(
    code="NW202205242385500011",
    title="图表文章",
    showtime="2022-05-24 09:00:00",
    medianame="证券时报",
    text=(
        "<p>\u3000\u3000看图。</p>"
        '<p><img src="/img/chart.png" alt="图"><img src=\'/img/kline?token=a&amp;b=1\'></p>'
        '<p><img src="/img/page.png"><img src="/img/missing.png"></p>'
        '<p><img src="/img/big.png"><img src="data:image/png;base64,iVBORw0KGgo="></p>'
        '<p><img src="/img/chart.png"></p>'
        '<p class="em_media">（文章来源：证券时报）</p>'
    ),
)


def tree(folder: Path) -> dict[str, bytes]:
    """Every file a blog is built from (dot-files are the archiver's own state)."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    }


def valid_wacz(path: Path) -> None:
    """The wacz package's validator: required files, datapackage, hashes, digest."""
    from wacz.validate import OUTDATED_WACZ, Validation

    check = Validation(str(path))
    assert check.version not in (None, OUTDATED_WACZ)
    for step in (
        check.check_required_contents,
        check.frictionless_validate,
        check.check_file_paths,
        check.check_file_hashes,
        check.check_data_package_hash_and_sig,
    ):
        assert step() is not False, step.__name__


def pages(path: Path) -> list[dict]:
    """Every page list's pages (a WACZ grown in place has one a run), oldest first."""
    from newsarchiver.webarchive.records import is_pages, members_in_order

    with zipfile.ZipFile(path) as archive:
        lines = [
            line
            for info in members_in_order(archive, is_pages)
            for line in archive.read(info).decode("utf-8").splitlines()
        ]
    return [json.loads(line) for line in lines if '"format"' not in line]


def report(path: Path) -> dict:
    return json.loads(path.read_text("utf-8"))


def test_rebuild_from_the_wacz_alone_writes_the_same_bytes(tmp_path):
    articles = [*ARTICLES, IMAGE_ARTICLE]
    wacz, live, again = tmp_path / "run.wacz", tmp_path / "live", tmp_path / "again"
    with SampleSite(articles) as site:
        result = run_cli(
            "crawl", *site.share_urls(), "-o", str(live), "--wacz", str(wacz), "--images",
            "--report", str(tmp_path / "live.json"), "-s", "NEWSARCHIVER_IMAGE_MAX_SIZE=100000",
        )  # fmt: skip
        served = sum(site.requests.values())
    assert result.code == 0, result.stderr
    assert f"web archive {wacz} ({len(articles)} articles added)" in result.stderr
    valid_wacz(wacz)
    kept = pages(wacz)
    assert sorted(p["newsarchiver"]["code"] for p in kept) == sorted(a.code for a in articles)
    assert all(p["url"].startswith(site.base_url) for p in kept)
    assert served > len(articles)  # the data endpoint, share pages, images

    # The source is gone: the rebuild reads the WACZ and nothing else.
    result = run_cli(
        "rebuild", "--from", str(wacz), "-o", str(again), "--images",
        "--report", str(tmp_path / "again.json"), "-s", "NEWSARCHIVER_IMAGE_MAX_SIZE=100000",
    )  # fmt: skip
    assert result.code == 0, result.stderr
    assert tree(again) == tree(live)
    assert len(posts(again)) == len(articles)
    done = report(tmp_path / "again.json")
    assert sorted(done["new"]) == sorted(a.code for a in articles)
    assert done["failed"] == []
    # Images the live run could not keep are not in the WACZ: the post links them still.
    not_kept = {(f["image"].rsplit("/", 1)[-1], f["reason"]) for f in done["images_failed"]}
    assert ("missing.png", "not in the web archive") in not_kept

    # A folder of WACZ files is read whole.
    folder = tmp_path / "archives"
    folder.mkdir()
    wacz.rename(folder / wacz.name)
    result = run_cli("rebuild", "--from", str(folder), "-o", str(tmp_path / "third"), "--images")
    assert result.code == 0, result.stderr
    assert posts(tmp_path / "third") == posts(live)


def test_images_are_kept_beside_the_posts_and_failures_keep_the_remote_url(tmp_path):
    out = tmp_path / "blog"
    with SampleSite([IMAGE_ARTICLE, *ARTICLES[:2]]) as site:
        result = run_cli(
            "crawl", *site.share_urls(), "-o", str(out), "--images", "-q",
            "--report", str(tmp_path / "r.json"), "-s", "NEWSARCHIVER_IMAGE_MAX_SIZE=100000",
        )  # fmt: skip
        chart_requests = site.requests["img:chart.png"]
    assert result.code == 0, result.stderr  # the article is archived; images do not fail it
    post = posts(out)["2022-05-24-NW202205242385500011.md"].decode("utf-8")
    files = {p.name: p.read_bytes() for p in (out / "assets" / "img").iterdir()}
    assert sorted(files.values()) == sorted([IMAGES["chart.png"][0], IMAGES["kline"][0]])
    for name in files:
        assert name.endswith(".png")  # kline has no extension: its content type gives one
        assert f"/assets/img/{name}" in post
    assert chart_requests == 1  # fetched once, used twice
    assert post.count("/assets/img/") == 3
    # Not kept: the absolute remote URL, never a relative source that points into the blog.
    base = site.base_url
    assert f'src="{base}/img/page.png"' in post and f'src="{base}/img/missing.png"' in post
    assert f'src="{base}/img/big.png"' in post and 'src="data:image/png;base64,' in post
    assert 'src="/img/' not in post
    failed = {
        f["image"].rsplit("/", 1)[-1]: f["reason"]
        for f in report(tmp_path / "r.json")["images_failed"]
    }
    assert failed["page.png"] == "not a PNG, JPEG, GIF, WebP or AVIF image (HTML)"
    assert failed["missing.png"] == "HTTP 404"
    assert "larger than" in failed["big.png"]
    assert len(failed) == 3  # data: URIs are no fetch and no failure
    # -q: the images not kept are shown, as a warning is; the exit code stays 0.
    assert result.stderr.count("IMAGE NOT KEPT") == 3


def test_without_images_posts_are_as_before_and_nothing_is_fetched_for_them(tmp_path, golden_post):
    with SampleSite([IMAGE_ARTICLE, *ARTICLES]) as site:
        plain = run_cli("crawl", *site.share_urls(), "-o", str(tmp_path / "plain"))
        assert not any(key.startswith("img:") for key in site.requests)
        kept = run_cli("crawl", *site.share_urls(), "-o", str(tmp_path / "kept"), "--images")
    assert plain.code == kept.code == 0
    assert not (tmp_path / "plain" / "assets").exists()
    before, after = posts(tmp_path / "plain"), posts(tmp_path / "kept")
    assert before["2022-05-20-NW202205202385404088.md"] == golden_post
    changed = {name for name in before if before[name] != after[name]}
    # Only the posts with images that could be kept change (the sample site serves its own).
    assert changed == {"2022-05-24-NW202205242385500011.md", "2022-05-22-NW202205222385500006.md"}


def test_a_rebuild_applies_a_renderer_fix_to_an_existing_folder(site, tmp_path):
    out, wacz = tmp_path / "out", tmp_path / "a.wacz"
    assert run_cli("crawl", *site.share_urls(), "-o", str(out), "--wacz", str(wacz)).code == 0
    site.stop()
    written = posts(out)
    old, gone, fixed = sorted(written)[:3]
    # The post as an older renderer wrote it: its ledger line says newsarchiver wrote it.
    older = written[old].replace(b"\n\n<http", b"\n\n\n<http")
    (out / "_posts" / old).write_bytes(older)
    with open(out / ".newsarchiver-state" / "written-posts", "a") as ledger:
        ledger.write(f"{old.rsplit('-', 1)[1][:-3]} {digest(older)}\n")
    (out / "_posts" / gone).unlink()
    # A post fixed by hand since: not newsarchiver's bytes, so a rebuild leaves it.
    by_hand = written[fixed].replace(b"layout: post", b"layout: post\npinned: true")
    (out / "_posts" / fixed).write_bytes(by_hand)
    result = run_cli(
        "rebuild", "--from", str(wacz), "-o", str(out), "--report", str(tmp_path / "r.json")
    )
    assert result.code == 0, result.stderr
    assert posts(out) == {**written, fixed: by_hand}
    done = report(tmp_path / "r.json")
    assert [old.rsplit("-", 1)[1][:-3]] == done["updated"]
    assert [gone.rsplit("-", 1)[1][:-3]] == done["new"]
    assert [fixed.rsplit("-", 1)[1][:-3]] == done["kept"]
    assert f"KEPT {out / '_posts' / fixed}: not written by newsarchiver" in result.stderr
    # Asked for by name of the option: the hand fix goes too.
    again = run_cli("rebuild", "--from", str(wacz), "-o", str(out), "--refresh-foreign")
    assert again.code == 0, again.stderr
    assert posts(out) == written
    assert len(done["unchanged"]) == len(written) - 3


def test_runs_add_to_one_wacz_and_a_folder_gets_one_file_a_run(site, tmp_path):
    urls = site.share_urls()
    wacz, folder = tmp_path / "all.wacz", tmp_path / "runs"
    folder.mkdir()
    for part in (urls[:5], urls[5:]):
        result = run_cli("crawl", *part, "-o", str(tmp_path / "out"), "--wacz", str(wacz), "-q")
        assert result.code == 0, result.stderr
        assert run_cli("crawl", *part, "-o", str(tmp_path / "o2"), "--wacz", str(folder)).code == 0
    valid_wacz(wacz)
    assert len(pages(wacz)) == len(urls)
    files = sorted(folder.glob("*.wacz"))
    assert [len(pages(f)) for f in files] == [5, len(urls) - 5]
    for path in files:
        valid_wacz(path)
    site.stop()
    assert run_cli("rebuild", "--from", str(wacz), "-o", str(tmp_path / "re")).code == 0
    assert posts(tmp_path / "re") == posts(tmp_path / "out")
    # A run that archives nothing new leaves the WACZ as it was.
    before = wacz.read_bytes()
    assert run_cli("crawl", *urls, "-o", str(tmp_path / "out"), "--wacz", str(wacz)).code == 0
    assert wacz.read_bytes() == before


def test_a_stopped_run_leaves_a_whole_wacz_of_what_it_archived_and_a_killed_one_the_old(tmp_path):
    slow = generated(60)
    wacz, out = tmp_path / "a.wacz", tmp_path / "out"
    with SampleSite(slow, latency=0.2) as site:
        urls = tmp_path / "urls.txt"
        urls.write_text("".join(site.share_url(a.code) + "\n" for a in slow))
        args = ("crawl", "-i", str(urls), "-o", str(out), "--wacz", str(wacz), "--concurrency", "2")
        proc = start_cli(*args)
        wait_for_posts(out, 8, proc)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=60)
        assert proc.returncode == 130, stderr
        valid_wacz(wacz)
        archived = {name.rsplit("-", 1)[1][:-3] for name in posts(out)}
        assert {p["newsarchiver"]["code"] for p in pages(wacz)} == archived

        # SIGKILL mid-run: the WACZ from before is left as it was, whole.
        before = wacz.read_bytes()
        proc = start_cli(*args)
        count = len(posts(out))
        wait_for_posts(out, count + 4, proc)
        proc.kill()
        proc.communicate(timeout=30)
        assert wacz.read_bytes() == before
        valid_wacz(wacz)
        assert list(tmp_path.glob(".newsarchiver-wacz-*"))  # the killed run's spool

        # The next run finishes, adds its own and clears the killed run's spool.
        result = run_cli(*args, timeout=300)
        assert result.code == 0, result.stderr
    assert not list(tmp_path.glob(".newsarchiver-wacz-*"))
    valid_wacz(wacz)
    kept = {p["newsarchiver"]["code"] for p in pages(wacz)}
    # The posts the killed run wrote never reached a WACZ: the next run fetched them
    # again (the skip asks the web archive too), so every article is kept, once archived.
    assert kept == {a.code for a in slow}
    assert run_cli("rebuild", "--from", str(wacz), "-o", str(tmp_path / "re")).code == 0
    assert posts(tmp_path / "re") == posts(out)
    # And a run after that, with every post kept, fetches nothing.
    with SampleSite(slow) as site:
        urls.write_text("".join(site.share_url(a.code) + "\n" for a in slow))
        result = run_cli(*args)
        assert result.code == 0, result.stderr
        assert sum(site.requests.values()) == 0


def test_bad_web_archives_are_refused_before_anything_is_fetched(site, tmp_path):
    not_zip = tmp_path / "notes.wacz"
    not_zip.write_text("my notes")
    result = run_cli("crawl", *site.share_urls(), "-o", str(tmp_path / "o"), "--wacz", str(not_zip))
    assert result.code == 4
    assert str(not_zip) in result.stderr and "not a WACZ" in result.stderr
    assert not_zip.read_text() == "my notes"
    # A zip, even one named .wacz, that newsarchiver did not write: not added to.
    import zipfile

    foreign = tmp_path / "photos.wacz"
    with zipfile.ZipFile(foreign, "w") as archive:
        archive.writestr("datapackage.json", "{}")
        archive.writestr("holiday.jpg", b"\xff\xd8")
    before = foreign.read_bytes()
    result = run_cli("crawl", *site.share_urls(), "-o", str(tmp_path / "o"), "--wacz", str(foreign))
    assert result.code == 4
    assert str(foreign) in result.stderr and "not a WACZ newsarchiver wrote" in result.stderr
    assert foreign.read_bytes() == before
    assert sum(site.requests.values()) == 0
    result = run_cli("rebuild", "--from", str(tmp_path / "none.wacz"), "-o", str(tmp_path / "o"))
    assert result.code == 2 and "no such web archive" in result.stderr
    result = run_cli("rebuild", "--from", str(not_zip), "-o", str(tmp_path / "o"))
    assert result.code == 2 and str(not_zip) in result.stderr
    assert not (tmp_path / "o" / "_posts").exists()


PYWB = ROOT / ".ci" / "pywb" / "bin"


@pytest.mark.pywb
def test_pywb_replays_the_archived_share_page_and_data(tmp_path):
    page_only = next(a for a in ARTICLES if a.data_keys is None)  # the share page gave it
    wacz = tmp_path / "a.wacz"
    assert page_only is not ARTICLES[0]
    with SampleSite(ARTICLES) as site:
        # Two ticks into one file: it grows in place; the old record and the new replay.
        first = run_cli(
            "crawl", site.share_urls()[0], "-o", str(tmp_path / "o"), "--wacz", str(wacz)
        )
        assert first.code == 0, first.stderr
        result = run_cli(
            "crawl", *site.share_urls(), "-o", str(tmp_path / "o"), "--wacz", str(wacz)
        )
        share = site.share_url(page_only.code)
        data_url = f"{site.base_url}/NewsData/GetNewsText.do?id={ARTICLES[0].code}"
    assert result.code == 0, result.stderr
    root = tmp_path / "pywb"
    root.mkdir()
    for step in (
        ["wb-manager", "init", "news"],
        ["wb-manager", "add", "--unpack-wacz", "news", str(wacz)],
    ):
        subprocess.run([str(PYWB / step[0]), *step[1:]], cwd=root, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen(
        [str(PYWB / "wayback"), "-p", str(port), "-b", "127.0.0.1"],
        cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        import urllib.request

        def replay(url: str) -> bytes:
            for _ in range(100):
                try:
                    with urllib.request.urlopen(
                        f"http://127.0.0.1:{port}/news/id_/{url}"
                    ) as answer:
                        return answer.read()
                except (ConnectionError, OSError):
                    time.sleep(0.2)
            raise AssertionError("pywb did not answer")

        assert replay(share) == render_page(page_only)[0]
        assert json.loads(replay(data_url))["title"] == ARTICLES[0].title
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.jekyll
def test_kept_images_are_in_the_built_blog_and_web_archives_are_not(tmp_path):
    """Images kept with --images are served by the blog; a WACZ kept in the blog's
    folder (a file or a folder of them) stays out of the built site."""
    from tests.e2e.test_jekyll import jekyll_build

    blog = tmp_path / "blog"
    assert run_cli("init-site", str(blog)).code == 0
    (blog / "wacz").mkdir()
    with SampleSite([IMAGE_ARTICLE]) as site:
        args = ("-o", str(blog), "--images")
        assert run_cli("crawl", *site.share_urls(), *args, "--wacz", str(blog / "a.wacz")).code == 0
        assert (
            run_cli(
                "crawl", *site.share_urls(), *args, "--refresh", "--wacz", str(blog / "wacz")
            ).code
            == 0
        )
    built = jekyll_build(blog)
    assert not list(built.rglob("*.wacz")) and not (built / "wacz").exists()
    html = next(built.rglob("NW202205242385500011*.html")).read_text("utf-8")
    names = [p.name for p in (blog / "assets" / "img").iterdir()]
    assert names
    for name in names:
        assert f'src="/assets/img/{name}"' in html
        assert (built / "assets" / "img" / name).read_bytes() == (
            blog / "assets/img" / name
        ).read_bytes()


def test_the_index_keys_are_pywbs():
    """The CDXJ keys written for the archive's own URLs are those of the surt package."""
    from hypothesis import given, settings
    from hypothesis import strategies as st
    from surt import surt

    from newsarchiver.webarchive.keys import surt_key as _key

    hosts = st.sampled_from(
        ["127.0.0.1", "finews.zning.xyz", "WWW.Example.COM", "www3.a.cn", "10.0.0.256", "a..b", "x"]
    )
    paths = st.lists(st.text("aZ09._~-/", max_size=8), max_size=3).map(lambda p: "/".join(p))
    queries = st.sampled_from(
        ["", "?id=NW1", "?infoCode=AbC9", "?id=", "?sid=" + "a" * 32, "?b=1&a=2"]
    )

    @settings(max_examples=500, deadline=None)
    @given(
        st.sampled_from(["http", "https"]),
        hosts,
        st.sampled_from(["", ":80", ":443", ":8080", ":0"]),
        paths,
        queries,
    )
    def same(scheme, host, port, path, query):
        url = f"{scheme}://{host}{port}/{path}{query}"
        try:
            want = surt(url)
        except Exception:  # noqa: BLE001
            want = url
        assert _key(url) == want

    same()


def test_discover_keeps_the_articles_it_archives_not_the_listing(tmp_path):
    wacz, out = tmp_path / "d.wacz", tmp_path / "out"
    with SampleSite(generated(45)) as site:
        result = run_cli("discover", site.listing_url(1, 10), "-o", str(out), "--wacz", str(wacz))
    assert result.code == 0, result.stderr
    valid_wacz(wacz)
    kept = pages(wacz)
    assert sorted(p["newsarchiver"]["code"] for p in kept) == sorted(
        name.rsplit("-", 1)[1][:-3] for name in posts(out)
    )
    with zipfile.ZipFile(wacz) as archive:
        index = archive.read("indexes/index.cdx").decode()
    assert "GetNewsList" not in index  # listing pages made no post
    assert run_cli("rebuild", "--from", str(wacz), "-o", str(tmp_path / "re")).code == 0
    assert posts(tmp_path / "re") == posts(out)


def test_runs_packing_at_once_into_one_wacz_take_turns(tmp_path):
    """Two runs (other folders, or workers) adding to one WACZ at the same moment: none is lost."""
    import os
    import threading
    from datetime import datetime

    from newsarchiver.webarchive import WarcSpool

    target = tmp_path / "shared.wacz"
    first = WarcSpool(target, datetime.now(UTC))
    first.add_response(
        "http://h/big", 200, [(b"Content-Type", b"text/plain")], os.urandom(30 << 20)
    )
    first.add_page("http://h/big", "big", "http://h/s?infoCode=B", "B")
    first.pack(fsync=False)  # a large WACZ: each later pack copies it, which takes a while
    spools = []
    for number in range(2):
        spool = WarcSpool(target, datetime.now(UTC))
        url = f"http://h/NewsData/GetNewsText.do?id=N{number}"
        spool.add_response(url, 200, [(b"Content-Type", b"application/json")], b"{}")
        spool.add_page(url, "t", f"http://h/s?infoCode=N{number}", f"N{number}")
        spools.append(spool)
    start = threading.Barrier(2)
    threads = [
        threading.Thread(target=lambda s=s: (start.wait(), s.pack(fsync=False))) for s in spools
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    valid_wacz(target)
    assert sorted(p["newsarchiver"]["code"] for p in pages(target)) == ["B", "N0", "N1"]


@pytest.mark.parametrize("level", [0, 1])
def test_records_of_every_size_read_back_whole(tmp_path, level):
    """Records written as stored gzip members (level 0) or compressed ones, around the
    64 KB stored-block size, come back byte for byte through gzip and warcio."""
    import gzip
    import os
    from datetime import datetime

    from warcio.archiveiterator import ArchiveIterator

    from newsarchiver.webarchive import WarcSpool

    spool = WarcSpool(tmp_path / "x.wacz", datetime.now(UTC), level)
    bodies = {}
    for size in (0, 1, 65000, 65535, 65536, 3 * 65535, 200_001):
        url = f"http://h/img/{size}.png"
        bodies[url] = os.urandom(size)
        spool.add_response(url, 200, [(b"Content-Type", b"image/png")], bodies[url], 0.0)
    spool.close()
    data = spool.path.read_bytes()
    assert gzip.decompress(data).count(b"WARC/1.1\r\n") == 1 + len(bodies)
    with open(spool.path, "rb") as handle:
        read = {
            record.rec_headers.get_header("WARC-Target-URI"): record.content_stream().read()
            for record in ArchiveIterator(handle, check_digests="raise")
            if record.rec_type == "response"
        }
    assert read == bodies
    spool.discard()


def test_an_image_not_kept_is_tried_again_by_later_runs_until_kept_or_given_up(tmp_path):
    """A run given an article whose images an earlier --images run could not keep
    fetches it again (not skipped as archived): a passing failure is mended, one
    that lasts is given up after NEWSARCHIVER_GIVE_UP_AFTER runs."""
    flaky = SampleArticle(
        code="NW202205242385500021", title="一时失败", showtime="2022-05-24 10:00:00",
        medianame="证券时报", text='<p>图：<img src="/img/chart.png"></p>',
    )  # fmt: skip
    lost = SampleArticle(
        code="NW202205242385500022", title="一直失败", showtime="2022-05-24 11:00:00",
        medianame="证券时报", text='<p>图：<img src="/img/gone.png"></p>',
    )  # fmt: skip
    out = tmp_path / "blog"
    args = ("-o", str(out), "-s", "NEWSARCHIVER_GIVE_UP_AFTER=2")
    flaky_post = "2022-05-24-NW202205242385500021.md"
    with SampleSite([flaky, lost, ARTICLES[0]], faults={"img:chart.png": ["404"]}) as site:
        urls = site.share_urls()

        def data_requests() -> list[int]:
            return [site.requests[f"data:{a.code}"] for a in (flaky, lost, ARTICLES[0])]

        first = run_cli("crawl", *urls, *args, "--images", "-q")
        assert first.code == 0 and first.stderr.count("IMAGE NOT KEPT") == 2
        assert f'src="{site.base_url}/img/chart.png"' in posts(out)[flaky_post].decode()
        # Without --images nothing is owed: all three are skipped as archived.
        assert run_cli("crawl", *urls, *args).code == 0
        assert data_requests() == [1, 1, 1]
        second = run_cli("crawl", *urls, *args, "--images", "--report", str(tmp_path / "r.json"))
        assert second.code == 0
        assert data_requests() == [2, 2, 1]  # the archived article with its images is skipped
        kept = posts(out)[flaky_post].decode()
        assert 'src="/assets/img/' in kept and "/img/chart.png" not in kept
        assert report(tmp_path / "r.json")["updated"] == [flaky.code]
        (failure,) = report(tmp_path / "r.json")["images_failed"]
        assert failure["image"].endswith("/img/gone.png")
        assert failure["reason"] == "HTTP 404; not tried again"  # its second failing run of 2
        third = run_cli("crawl", *urls, *args, "--images", "-q")
        assert third.code == 0 and third.stderr == ""
        assert data_requests() == [2, 2, 1]


def test_a_web_archive_that_cannot_be_written_stops_the_run_and_the_next_run_keeps_all(tmp_path):
    """The spool's file fails part-way (here over RLIMIT_FSIZE, as on a full disk):
    the run stops at once with exit 4 and a line naming the WACZ, leaves no spool
    and no WACZ; the next run fetches every article again and keeps them all."""
    import resource

    def small_files() -> None:  # Python ignores SIGXFSZ: a write past this fails EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (300_000, 300_000))

    target = tmp_path / "run.wacz"
    out = tmp_path / "blog"
    with SampleSite(generated(600)) as site:
        args = (*site.share_urls(), "-o", str(out), "--wacz", str(target), "-q")
        stopped = start_cli("crawl", *args, preexec_fn=small_files)
        _, stderr = stopped.communicate(timeout=120)
        assert stopped.returncode == 4, stderr
        assert f"cannot write the web archive {target}" in stderr
        assert "Traceback" not in stderr
        first = sum(site.requests.values())
        assert first < 450  # stopped at its first batch, not at the end of the input
        assert not target.exists()
        assert not [p for p in tmp_path.iterdir() if p.name.startswith(".newsarchiver-wacz")]
        assert run_cli(*("crawl", *args)).code == 0
        assert sum(site.requests.values()) - first == 600  # the stopped run's posts too
        assert run_cli(*("crawl", *args)).code == 0
        assert sum(site.requests.values()) - first == 600  # then nothing is owed
    valid_wacz(target)
    codes = sorted(p["newsarchiver"]["code"] for p in pages(target))
    assert codes == sorted(a.code for a in generated(600)) and len(posts(out)) == 600
