"""The README's first command in a fresh venv, pip and all (minutes: ``-m slow``)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from tests.conftest import ROOT, posts
from tests.e2e.test_newcomer import ARTICLES, README, readme_block


@pytest.mark.jekyll
def test_the_readmes_first_command_installs_in_a_venv_and_makes_a_blog_that_builds(tmp_path):
    command = readme_block("## Two commands")
    assert command.startswith("python3 -m venv .venv && .venv/bin/pip install .")
    clone = tmp_path / "clone"
    shutil.copytree(
        ROOT, clone,
        ignore=shutil.ignore_patterns(".git", ".venv", "output", "*.egg-info", "node_modules", "__pycache__"),
    )  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    proc = subprocess.run(
        ["bash", "-c", command], cwd=clone, capture_output=True, text=True, timeout=900, env=env
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert len(posts(clone / "blog")) == len(ARTICLES)
    build = readme_block("and prints the one command that builds it")
    assert build.split("#")[0].strip() == "jekyll build -s blog -d blog/_site"
    assert "Build the blog with: jekyll build -s blog -d blog/_site" in proc.stdout
    subprocess.run(build.split("#")[0].split(), cwd=clone, check=True, capture_output=True)
    assert (clone / "blog" / "_site" / "index.html").is_file()
    assert not (clone / "_site").exists()
    # The cron lines call the venv's command by its absolute path.
    for line in re.findall(r"```cron\n(.*?)```", README, re.S):
        assert re.search(r"\s/\S+/\.venv/bin/newsarchiver ", line), line

