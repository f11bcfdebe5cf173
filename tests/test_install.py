"""A non-editable install (wheel) into a fresh virtual environment renders: the templates ship inside it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import click
import jinja2
import markupsafe
import numpy
from conftest import ROOT, SEED

from lstm_latex.environment import PRECOMPILED
from lstm_latex.html import KATEX

# What a checkout holds besides the project: built or installed things, caches.
NOT_THE_PROJECT = shutil.ignore_patterns(
    ".git", ".venv", "node_modules", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis"
)
PIP = [sys.executable, "-m", "pip"]
BACKEND = 77  # pyproject.toml's build-system: setuptools>=77 (pip checks it again: --check-build-dependencies)


def build_isolation() -> list[str]:
    """pip's options to build with this environment's setuptools when it is the backend the project
    asks for (offline, seconds), else in pip's isolated build environment."""
    try:
        installed = int(version("setuptools").split(".")[0])
    except (PackageNotFoundError, ValueError):
        installed = 0
    return ["--no-build-isolation", "--check-build-dependencies"] if installed >= BACKEND else []


def test_the_wheel_builds_without_warnings_and_renders_from_a_fresh_venv(tmp_path: Path) -> None:
    source = tmp_path / "source"  # a copy: building writes build/ and *.egg-info beside the sources
    shutil.copytree(ROOT, source, ignore=NOT_THE_PROJECT)
    dist = tmp_path / "dist"
    build = subprocess.run(
        [*PIP, "wheel", "--no-deps", "--verbose", *build_isolation(), "-w", dist, source],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    assert "BuildBackendWarning" not in build.stdout + build.stderr  # e.g. a deprecated license table
    (wheel,) = dist.glob("lstm_latex-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "lstm_latex/templates/document.tex.j2" in names
    assert "lstm_latex/templates/partials/view.tex.j2" in names
    assert "lstm_latex/view/lstm.py" in names
    # the templates' precompiled modules, when `make install` has written them (pyproject.toml's package-data)
    folder = PRECOMPILED.relative_to(ROOT).as_posix()
    precompiled = sorted(f"{folder}/{p.name}" for p in PRECOMPILED.glob("*") if p.is_file())
    assert sorted(name for name in names if name.startswith(f"{folder}/")) == precompiled
    # KaTeX for the web page, when `make katex` has copied it in
    katex = sorted(f"lstm_latex/katex-dist/{p.relative_to(KATEX).as_posix()}" for p in KATEX.rglob("*") if p.is_file())
    assert sorted(name for name in names if name.startswith("lstm_latex/katex-dist/")) == katex
    # A venv without pip of its own: this pip installs into it, from the wheel alone.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [*PIP, "--python", python, "install", "--quiet", "--no-deps", "--no-index", wheel],
        check=True,
        timeout=600,
    )
    # The runtime dependencies then come from where this environment has them, after the package's
    # own site-packages (a .pth adds directories, not the editable install's .pth files in them).
    (site_packages,) = (venv / "lib").glob("python*/site-packages")
    dependencies = {Path(str(module.__file__)).parent.parent for module in (numpy, click, jinja2, markupsafe)}
    (site_packages / "dependencies.pth").write_text("".join(f"{path}\n" for path in sorted(dependencies)))
    out = subprocess.run(
        [venv / "bin" / "lstm-latex", "render", str(SEED), "--no-check"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(r"\documentclass")
    assert r"\section{Step \texorpdfstring{$t = 1$}{t = 1}}" in out.stdout  # from a partial template, inside the wheel
    location = subprocess.run(
        [python, "-c", "import lstm_latex; print(lstm_latex.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert location.stdout.startswith(str(venv))
