"""The layer contracts (import-linter, configured in pyproject.toml) and the types of the core."""

from __future__ import annotations

import shutil
import subprocess
import sys

from tests.conftest import ROOT


def lint_imports(root) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command;"
         "sys.exit(lint_imports_command())"],
        cwd=root, capture_output=True, text=True, timeout=300,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip


def test_the_pure_core_imports_nothing_above_it():
    proc = lint_imports(ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 kept, 0 broken" in proc.stdout


def test_the_contract_catches_an_upward_import(tmp_path):
    shutil.copytree(ROOT / "newsarchiver", tmp_path / "newsarchiver",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    words = tmp_path / "newsarchiver" / "words.py"
    words.write_text(words.read_text() + "\n\ndef later():\n    from newsarchiver import report\n")
    proc = lint_imports(tmp_path)
    assert proc.returncode == 1  # lint-imports: a contract broken
    assert "newsarchiver.words -> newsarchiver.report" in proc.stdout


def test_the_pure_core_type_checks():
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml")],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
