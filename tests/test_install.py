"""A non-editable install (wheel) into a fresh virtual environment renders: the templates ship inside it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from conftest import ROOT, SEED

# What a checkout holds besides the project: built or installed things, caches.
NOT_THE_PROJECT = shutil.ignore_patterns(
    ".git", ".venv", "node_modules", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis"
)


def test_the_wheel_builds_without_warnings_and_renders_from_a_fresh_venv(tmp_path: Path) -> None:
    source = tmp_path / "source"  # a copy: building writes build/ and *.egg-info beside the sources
    shutil.copytree(ROOT, source, ignore=NOT_THE_PROJECT)
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--verbose", "-w", str(tmp_path / "dist"), str(source)],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    assert "BuildBackendWarning" not in build.stdout + build.stderr  # e.g. a deprecated license table
    (wheel,) = (tmp_path / "dist").glob("lstm_latex-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "lstm_latex/templates/document.tex.j2" in names
    assert "lstm_latex/templates/partials/lstm.tex.j2" in names
    venv = tmp_path / "venv"
    # The runtime dependencies come from this environment; the package itself from the wheel alone.
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    subprocess.run(
        [venv / "bin" / "python", "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
        check=True,
        timeout=600,
    )
    out = subprocess.run(
        [venv / "bin" / "lstm-latex", "render", str(SEED)], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(r"\documentclass")
    location = subprocess.run(
        [venv / "bin" / "python", "-c", "import lstm_latex; print(lstm_latex.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert location.stdout.startswith(str(venv))
