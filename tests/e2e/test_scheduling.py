"""Scheduled, unattended runs: the overlap guard, logging, progress, and scrapyd."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request

from newsarchiver.sample_site import SampleSite
from newsarchiver.sample_site.articles import generated
from tests.conftest import FIXTURES, ROOT, free_port, posts, run_cli, wait_for_posts


def test_second_run_on_same_output_exits_3_and_stale_lock_does_not_block(tmp_path):
    with SampleSite(generated(60), latency=0.05) as site:
        urls = tmp_path / "urls.txt"
        urls.write_text("\n".join(site.share_urls()), encoding="utf-8")
        out = tmp_path / "out"
        cmd = [
            sys.executable,
            "-m",
            "newsarchiver",
            "crawl",
            "-i",
            str(urls),
            "-o",
            str(out),
            "--concurrency",
            "1",
        ]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        first = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, env=env)
        wait_for_posts(out, 1, first)
        second = run_cli("crawl", "-i", str(urls), "-o", str(out))
        assert second.code == 3
        assert "another run is writing to" in second.stderr and str(out) in second.stderr
        for command in (["rotate", "-o", str(out)], ["categories", "-o", str(out)]):
            assert run_cli(*command).code == 3
        first.send_signal(signal.SIGKILL)  # leaves its lock file behind
        first.wait()
        third = run_cli("crawl", "-i", str(urls), "-o", str(out))
        assert third.code == 0, third.stderr
    assert len(posts(out)) == 60


def test_log_file_quiet_and_progress_lines(tmp_path):
    with SampleSite(generated(30), latency=0.1) as site:
        log = tmp_path / "run.log"
        result = run_cli(
            "crawl",
            *site.share_urls(),
            "-o",
            str(tmp_path / "out"),
            "--concurrency",
            "2",
            "--log-file",
            str(log),
            "-s",
            "NEWSARCHIVER_PROGRESS_INTERVAL=0.3",
        )
        assert result.code == 0
        text = log.read_text("utf-8")
        progress = [line for line in text.splitlines() if "Progress: done" in line]
        assert len(progress) >= 2
        assert all("queued" in p and "failed 0" in p and "articles/s" in p for p in progress)
        assert "Summary: 30 new" in text
        assert "Progress" not in result.stderr  # the log went to the file
        assert result.stderr.startswith("newsarchiver: 30 new")
        quiet = run_cli("crawl", *site.share_urls(), "-o", str(tmp_path / "q"), "--quiet")
        assert quiet.code == 0 and quiet.stderr == ""
        failing = run_cli("crawl", "nonsense", "-o", str(tmp_path / "q"), "--quiet")
        assert failing.code == 1 and "FAILED nonsense: not a URL" in failing.stderr


def test_progress_bar_on_a_terminal(tmp_path):
    import pty

    with SampleSite(generated(20), latency=0.15) as site:
        args = [
            sys.executable,
            "-m",
            "newsarchiver",
            "crawl",
            *site.share_urls(),
            "-o",
            str(tmp_path / "out"),
            "--concurrency",
            "2",
        ]
        pid, fd = pty.fork()
        if pid == 0:  # the child: stderr is the terminal
            os.environ["PYTHONPATH"] = str(ROOT)
            os.execv(sys.executable, args)
        chunks = []
        while True:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        _, status = os.waitpid(pid, 0)
    screen = b"".join(chunks).decode("utf-8", "replace")
    assert os.waitstatus_to_exitcode(status) == 0
    assert "\r\x1b[K[" in screen and "#" in screen and "] done " in screen
    assert " of 20 (" in screen  # against the input's total: the URLs given
    assert "newsarchiver: 20 new" in screen


def test_progress_counts_against_the_input_and_leaves_skipped_out_of_the_rate(tmp_path):
    with SampleSite(generated(30), latency=0.1) as site:
        urls = tmp_path / "urls.txt"
        urls.write_text("# thirty\n\n" + "\n".join(site.share_urls()) + "\n", encoding="utf-8")
        out = tmp_path / "out"
        assert run_cli("crawl", *site.share_urls()[:10], "-o", str(out)).code == 0
        every = ("-o", str(out), "--concurrency", "2", "-s", "NEWSARCHIVER_PROGRESS_INTERVAL=0.3")
        log = tmp_path / "file.log"
        result = run_cli("crawl", "--input", str(urls), *every, "--log-file", str(log))
        assert result.code == 0, result.stderr
        lines = [line for line in log.read_text("utf-8").splitlines() if "Progress: " in line]
        assert len(lines) >= 2
        assert all(" of 30 (" in line for line in lines)  # comments and blank lines not counted
        assert all("10 already archived" in line for line in lines)
        assert all("articles/s fetched" in line for line in lines)
        # Standard input has no total known in advance: counts only, no "of".
        log = tmp_path / "stdin.log"
        piped = run_cli("crawl", "--input", "-", *every, "--refresh", "--log-file", str(log),
                        stdin=urls.read_text("utf-8"))  # fmt: skip
        assert piped.code == 0, piped.stderr
        lines = [line for line in log.read_text("utf-8").splitlines() if "Progress: " in line]
        assert lines and not any(" of " in line for line in lines)
        assert all("already archived" not in line for line in lines)  # a refresh fetches all


def test_discover_through_scrapyd(tmp_path):
    """Deploy with scrapyd-deploy to a scrapyd on 127.0.0.1; schedule discover; find posts."""
    project = tmp_path / "project"
    shutil.copytree(
        ROOT,
        project,
        ignore=shutil.ignore_patterns(
            ".git", "output", "build", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis"
        ),
    )
    port = free_port()
    config = (project / "scrapy.cfg").read_text("utf-8")
    assert "[deploy]" in config
    (project / "scrapy.cfg").write_text(
        config.replace("http://127.0.0.1:6800/", f"http://127.0.0.1:{port}/"), encoding="utf-8"
    )
    home = tmp_path / "scrapyd"
    home.mkdir()
    (home / "scrapyd.conf").write_text(
        f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {port}\neggs_dir = {home}/eggs\n"
        f"logs_dir = {home}/logs\ndbs_dir = {home}/dbs\nitems_dir =\njobs_to_keep = 5\n"
        "max_proc = 2\npoll_interval = 0.5\n",
        encoding="utf-8",
    )
    scrapyd = subprocess.Popen(
        [sys.executable, "-m", "scrapyd"],
        cwd=home,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    api = f"http://127.0.0.1:{port}"

    def call(path, data=None):
        body = urllib.parse.urlencode(data).encode() if data else None
        return json.loads(urllib.request.urlopen(f"{api}/{path}", body, timeout=10).read())

    try:
        for _ in range(100):
            try:
                assert call("daemonstatus.json")["status"] == "ok"
                break
            except OSError:
                time.sleep(0.1)
        deploy = subprocess.run(
            [sys.executable, "-m", "scrapyd_client.deploy"],
            cwd=project,
            capture_output=True,
            text=True,
            timeout=180,
        )
        if deploy.returncode != 0:  # older scrapyd-client: the console script only
            deploy = subprocess.run(
                ["scrapyd-deploy"], cwd=project, capture_output=True, text=True, timeout=180
            )
        assert deploy.returncode == 0, deploy.stdout + deploy.stderr
        assert "discover" in call("listspiders.json?project=newsarchiver")["spiders"]
        out = tmp_path / "out"
        with SampleSite() as site:
            job = call(
                "schedule.json",
                {
                    "project": "newsarchiver",
                    "spider": "discover",
                    "listings": site.listing_url(1, 50),
                    "source_base": site.base_url,
                    "setting": f"NEWSARCHIVER_OUTPUT={out}",
                },
            )
            assert job["status"] == "ok", job
            for _ in range(600):
                jobs = call("listjobs.json?project=newsarchiver")
                if any(j["id"] == job["jobid"] for j in jobs["finished"]):
                    break
                time.sleep(0.2)
            else:
                raise AssertionError(f"scrapyd job did not finish: {jobs}")
        written = posts(out)
        assert len(written) == len(site.articles)
        golden = (FIXTURES / "golden-post.md").read_bytes()
        assert written["2022-05-20-NW202205202385404088.md"] == golden
    finally:
        scrapyd.terminate()
        scrapyd.wait(20)
