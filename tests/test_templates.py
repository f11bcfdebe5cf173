"""User templates, --compile, and the notebook display."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, SAMPLES, SEED

import lstm_latex
from lstm_latex.cli import main

USER_TEMPLATES = SAMPLES / "templates"


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args))


@pytest.mark.latex
def test_the_sample_user_template_extends_the_document(latex) -> None:  # type: ignore[no-untyped-def]
    trace = lstm_latex.forward(lstm_latex.load(SEED))
    text = lstm_latex.render(trace, "handout", template_dir=USER_TEMPLATES)
    assert "exercise sheet" in text
    assert r"\section{Parameters}" not in text  # the block it overrides
    assert r"\section{Step $t = 1$}" in text  # the blocks it inherits
    pdf = latex(text)
    assert pdf.overfull == []
    assert "Check each line by hand" in pdf.text


def test_a_user_template_comes_before_the_built_in_one_of_the_same_name(tmp_path: Path) -> None:
    (tmp_path / "document.tex.j2").write_text(
        '((* extends "default:document.tex.j2" *))((* block title *))MINE((* endblock *))'
    )
    result = run("render", str(SEED), "--template-dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "MINE" in result.stdout
    assert r"\section{The network}" in result.stdout


def test_an_unknown_template_is_one_error_line() -> None:
    result = run("render", str(SEED), "--template", "nosuch")
    assert result.exit_code == 1
    assert result.stderr == "Error: no template named 'nosuch' (looked for nosuch.tex.j2 and nosuch.md.j2)\n"


@pytest.mark.latex
def test_compile_writes_the_pdf_beside_the_tex(tmp_path: Path) -> None:
    out = tmp_path / "slides.tex"
    result = run("render", str(SEED), "--template", "beamer", "-o", str(out), "--compile")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "slides.pdf").read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["slides.pdf", "slides.tex"]


@pytest.mark.latex
def test_compile_reports_only_the_latex_errors_and_their_lines(tmp_path: Path) -> None:
    (tmp_path / "broken.tex.j2").write_text(
        '((* extends "default:document.tex.j2" *))((* block title *))\n\\nosuchmacro\n((* endblock *))'
    )
    out = tmp_path / "broken.tex"
    result = run(
        "render", str(SEED), "--template-dir", str(tmp_path), "--template", "broken", "-o", str(out), "--compile"
    )
    assert result.exit_code == 1
    assert result.stdout == ""
    line = next(n for n, text in enumerate(out.read_text().splitlines(), 1) if "nosuchmacro" in text)
    assert (
        result.stderr
        == f"Error: {out}: LaTeX failed: Undefined control sequence. (line {line}) (see {out.with_suffix('.log')})\n"
    )


def test_compile_without_tex_names_the_packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    result = run("render", str(SEED), "-o", str(tmp_path / "d.tex"), "--compile")
    assert result.exit_code == 1
    assert "apt-get install texlive-latex-base texlive-latex-recommended lmodern" in result.stderr
    assert result.stderr.count("\n") == 1


def test_compile_needs_an_output_file() -> None:
    result = run("render", str(SEED), "--compile")
    assert result.exit_code == 1
    assert "--compile needs -o FILE.tex" in result.stderr


def test_a_trace_shows_itself_in_a_notebook_without_torch() -> None:
    code = (
        "import sys, lstm_latex\n"
        f"trace = lstm_latex.forward(lstm_latex.load({str(SEED)!r}))\n"
        "text = trace._repr_markdown_()\n"
        "assert 'torch' not in sys.modules\n"
        "print(text)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    trace = lstm_latex.forward(lstm_latex.load(SEED))
    assert out == lstm_latex.render(trace, "markdown") + "\n"
    assert out.startswith("# A worked LSTM forward pass")
    assert "$$\n\\begin{aligned}" in out
