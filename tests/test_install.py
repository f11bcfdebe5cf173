"""A non-editable install (wheel) into a fresh virtual environment renders: the templates ship inside it."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from conftest import ROOT, SEED


def test_the_wheel_renders_from_a_fresh_venv(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path / "dist"), str(ROOT)],
        check=True,
        timeout=600,
    )
    (wheel,) = (tmp_path / "dist").glob("lstm_latex-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "lstm_latex/templates/document.tex.j2" in names
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
