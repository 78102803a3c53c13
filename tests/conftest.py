"""Shared fixtures: the sample site on 127.0.0.1 and a way to run the real CLI."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from newsarchiver.sample_site import SampleSite

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).parent.parent


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


def run_cli(*args: str, stdin: str | None = None, cwd: Path | None = None, timeout=120) -> Run:
    """Run ``python -m newsarchiver ARGS`` in a fresh process, as a user would."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "newsarchiver", *args],
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
