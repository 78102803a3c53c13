"""Nothing ends in exit 0 unless every article has its outcome (issue 27, items 5, 6, 8, 9).

Real CLI runs against the sample site.
"""

from __future__ import annotations

import json

from newsarchiver.sample_site import SampleSite
from newsarchiver.sample_site.articles import generated
from tests.conftest import posts, run_cli


def test_a_data_url_over_scrapys_length_limit_fails_its_article_with_the_reason(tmp_path):
    out = tmp_path / "o"
    with SampleSite(generated(3)) as site:
        long = f"{site.base_url}/{'x' * 2100}"
        urls = [f"{long}/html_News/NewsShare.html?infoCode={a.code}" for a in generated(1)]
        urls.append(site.share_url(generated(3)[2].code))
        result = run_cli("crawl", *urls, "-o", str(out), "-q")
    assert result.code == 1
    failed = [line for line in result.stderr.splitlines() if "FAILED" in line]
    assert len(failed) == 1
    assert "data endpoint: its URL is 2" in failed[0]
    assert "longer than URLLENGTH_LIMIT (2083)" in failed[0]
    assert len(posts(out)) == 1  # the other article is archived


def test_discover_with_a_long_source_base_names_every_article_it_cannot_ask_for(tmp_path):
    out = tmp_path / "o"
    with SampleSite(generated(4)) as site:
        result = run_cli(
            "discover", site.listing_url(1, 10), "-o", str(out), "-q",
            "--source-base", f"{site.base_url}/{'p' * 2100}",
        )  # fmt: skip
    assert result.code == 1
    assert result.stderr.count("longer than URLLENGTH_LIMIT") == 4


def test_an_endless_answer_fails_with_what_happened(tmp_path):
    out = tmp_path / "o"
    (article,) = generated(1)
    faults = {f"data:{article.code}": ["endless"], f"page:{article.code}": ["endless"]}
    with SampleSite([article], faults=faults) as site:
        result = run_cli(
            "crawl", site.share_url(article.code), "-o", str(out), "-q",
            "-s", "DOWNLOAD_MAXSIZE=1000000", "-s", "RETRY_TIMES=0",
        )  # fmt: skip
    assert result.code == 1
    (line,) = [line for line in result.stderr.splitlines() if "FAILED" in line]
    assert "DownloadCancelledError: ;" not in line and not line.endswith(": ")
    assert "1000000-byte limit (DOWNLOAD_MAXSIZE)" in line or "did not end" in line


def test_a_stopped_discover_lists_each_url_once_and_never_an_archived_one(tmp_path):
    import signal

    from tests.conftest import start_cli, wait_for_posts

    out, report = tmp_path / "o", tmp_path / "r.json"
    articles = list(reversed(generated(40)))
    with SampleSite(articles, latency=0.05) as site:
        proc = start_cli(
            "discover", site.listing_url(1, 10), "-o", str(out), "--report", str(report),
            "--concurrency", "2",
        )  # fmt: skip
        wait_for_posts(out, 5, proc)
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)
    assert proc.returncode == 130
    data = json.loads(report.read_text("utf-8"))
    archived = {f"{site.base_url}/html_News/NewsShare.html?infoCode={c}" for c in data["new"]}
    assert len(data["not_reached"]) == len(set(data["not_reached"]))
    assert not archived & set(data["not_reached"])


def test_a_resumed_job_fetches_again_an_article_whose_post_was_deleted(tmp_path):
    """Item 6: the job's dupefilter has seen the request, the archive no longer holds
    the post; the archive is the authority, so the article is fetched again (once)."""
    out, job = tmp_path / "o", tmp_path / "job"
    articles = generated(3)
    with SampleSite(articles) as site:
        args = [*(site.share_url(a.code) for a in articles), "-o", str(out), "--resume", str(job)]
        assert run_cli("crawl", *args, "-q").code == 0
        first = posts(out)
        deleted = next(path for path in out.glob("_posts/*.md") if articles[1].code in path.name)
        deleted.unlink()
        before = dict(site.requests)
        report = tmp_path / "r.json"
        again = run_cli("crawl", *args, "-q", "--report", str(report))
        asked = {k: v - before.get(k, 0) for k, v in site.requests.items()}
    assert again.code == 0, again.stderr
    assert again.stderr == ""
    assert posts(out) == first  # the same bytes back
    assert asked.get(f"data:{articles[1].code}") == 1  # fetched once
    assert sum(asked.values()) == 1  # the others stay skipped
    data = json.loads(report.read_text("utf-8"))
    assert data["not_reached"] == [] and data["new"] == [articles[1].code]
