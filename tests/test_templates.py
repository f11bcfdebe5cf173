"""User templates, --compile, and the notebook display."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import cast

import pytest
from click.testing import CliRunner
from conftest import ROOT, SAMPLES, SEED

import lstm_latex
from lstm_latex.cli import main
from lstm_latex.output_formats import FORMATS, Format, named_by
from lstm_latex.render import GATE_COLORS

USER_TEMPLATES = SAMPLES / "templates"


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args))


@pytest.mark.latex
def test_the_sample_user_template_extends_the_document(latex) -> None:  # type: ignore[no-untyped-def]
    trace = lstm_latex.forward(lstm_latex.load(SEED))
    text = lstm_latex.render(trace, "handout", template_dir=USER_TEMPLATES)
    assert "exercise sheet" in text
    assert r"\section{Parameters}" not in text  # the block it overrides
    assert r"\section{Step \texorpdfstring{$t = 1$}{t = 1}}" in text  # the blocks it inherits
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
    assert (
        result.stderr
        == "Error: no template named 'nosuch' (looked for nosuch.tex.j2, nosuch.md.j2 and nosuch.html.j2)\n"
    )


@pytest.mark.parametrize(
    ("imported", "now"),
    [
        ("partials/gru.tex.j2", "partials/view.tex.j2's step(d, s) prints a step of any cell"),
        ("default:partials/exercise-lstm.tex.j2", "partials/exercise.tex.j2 prints a worksheet's questions"),
    ],
)
def test_a_template_importing_a_partial_that_went_is_told_what_prints_it_now(
    tmp_path: Path, imported: str, now: str
) -> None:
    (tmp_path / "old.tex.j2").write_text(
        f'((* extends "default:document.tex.j2" *))\n((* import "{imported}" as cell *))\n', encoding="utf-8"
    )
    result = run("render", str(SEED), "--no-check", "--template-dir", str(tmp_path), "--template", "old")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        f"Error: template {tmp_path / 'old.tex.j2'}, line 2: no template named '{imported}' any more: {now}"
    )
    assert result.stderr.endswith("(the documentation's Templates of an earlier version)\n")
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    "name",
    [
        "view",
        "markup",
        "markup.beamer.j2",
        "steps",
        "macros",
        "base",
        "partials/view",
        "default:partials/exercise.tex.j2",
    ],
)
def test_a_partial_is_refused_naming_the_templates(name: str) -> None:
    result = run("render", str(SEED), "--template", name)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"Error: {name!r} is a part of the built-in templates, not a document:"
        " use one of beamer, document, frames, html, markdown, markdown-snippet, snippet, worksheet\n"
    )


@pytest.mark.parametrize(
    ("options", "found", "written", "asked"),
    [
        (["--format", "latex", "--template", "markdown"], "markdown.md.j2", "markdown", "LaTeX"),
        (["--format", "markdown", "--template", "document"], "document.tex.j2", "latex", "Markdown"),
        (
            ["--format", "markdown", "--template-dir", str(USER_TEMPLATES), "--template", "handout"],
            "handout.tex.j2",
            "latex",
            "Markdown",
        ),
    ],
)
def test_a_template_of_the_other_format_is_refused(options: list[str], found: str, written: str, asked: str) -> None:
    result = run("render", str(SEED), *options)
    assert result.exit_code == 1
    assert result.stdout == ""
    names = {"latex": "LaTeX", "markdown": "Markdown"}
    assert result.stderr == (
        f"Error: template {found} writes {names[written]}, not {asked}:"
        f" pass --format {written} (output_format={written!r} in Python), or another template\n"
    )


def test_the_format_chooses_between_two_templates_of_one_name(tmp_path: Path) -> None:
    (tmp_path / "notes.tex.j2").write_text("LATEX\n")
    (tmp_path / "notes.md.j2").write_text("MARKDOWN\n")
    for output_format, text in [("latex", "LATEX\n"), ("markdown", "MARKDOWN\n")]:
        result = run(
            "render", str(SEED), "--template-dir", str(tmp_path), "--template", "notes", "--format", output_format
        )
        assert result.exit_code == 0, result.output
        assert result.stdout == text


def test_a_format_is_its_templates_and_one_registry_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A plain-text format: an entry template of its suffix, and one entry of FORMATS; no other Python.
    plain = Format("plain", "plain text", ".txt.j2", (".txt",), "notes", str.upper, True, "plain text")  # type: ignore[arg-type]
    monkeypatch.setitem(cast("dict[str, Format]", FORMATS), "plain", plain)
    (tmp_path / "notes.txt.j2").write_text(
        "((* set s = directions[0].trace.steps[0] *))((( title | text ))): ((( s.f.activation | mat | paint('f') )))\n"
    )
    trace = lstm_latex.forward(lstm_latex.load(SEED))
    text = lstm_latex.render(trace, "notes", template_dir=tmp_path, output_format="plain", title="a title")  # type: ignore[arg-type]
    f = lstm_latex.NumberFormat().layout(trace.directions[0].steps[0].gates[1].activation, portable=True)[0]
    assert text == f"A TITLE: {{\\color{{{GATE_COLORS['f']}}}{{{f}}}}}\n"
    assert named_by(".TXT") is plain


@pytest.mark.parametrize(
    ("source", "line", "message"),
    [
        ("((* block title *))\nbefore\n((( 1 / 0 )))\n((* endblock *))", 4, "ZeroDivisionError: division by zero"),
        (
            "((* block title *))\n((* macro deeper(n) *))((( deeper(n + 1) )))((* endmacro *))\n((( deeper(0) )))\n"
            "((* endblock *))",
            3,
            "RecursionError: maximum recursion depth exceeded",
        ),
        (
            "((* block title *))\n\n\n((( 'x' * 2 ** 62 )))\n((* endblock *))",
            5,
            "'*' would make more than 50,000,000 items",
        ),
        ("((* block title *))((( nosuch )))((* endblock *))", 2, "'nosuch' is undefined"),
        (
            "((* block title *))\n((* if *))\n((* endblock *))",
            3,
            "Expected an expression, got 'end of statement block'",
        ),
        ("((* block title *))\n((( 'caf\xe9' ))) \xff\n((* endblock *))", 3, "not UTF-8 text: byte 0xe9"),
    ],
    ids=["zero-division", "recursion", "memory", "undefined", "syntax", "not-utf-8"],
)
def test_an_error_in_a_users_template_is_one_line_naming_its_file_and_line(
    tmp_path: Path, source: str, line: int, message: str
) -> None:
    template = tmp_path / "mine.tex.j2"
    template.write_bytes(f'((* extends "default:document.tex.j2" *))\n{source}\n'.encode("latin-1"))
    result = run("render", str(SEED), "--no-check", "--template-dir", str(tmp_path), "--template", "mine")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"Error: template {template}, line {line}: {message}")  # recursion says more
    assert result.stderr.count("\n") == 1


@pytest.mark.latex
def test_compile_writes_the_pdf_beside_the_tex(tmp_path: Path) -> None:
    # Slides, whose LaTeX run leaves the most behind (.aux .log .nav .out .snm .toc), of a network
    # of one unit: a dozen pages.
    tiny = tmp_path / "tiny.json"
    tiny.write_text(
        json.dumps({"cell": "rnn_tanh", "state_dict": {"weight_ih_l0": [[0.5]], "weight_hh_l0": [[0.25]]}, "x": [[1]]})
    )
    out = tmp_path / "slides.tex"
    result = run("render", str(tiny), "--no-check", "--template", "beamer", "-o", str(out), "--compile")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "slides.pdf").read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["slides.pdf", "slides.tex", "tiny.json"]


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


def test_templates_find_a_gate_by_its_letter_and_its_activation_by_name() -> None:
    from lstm_latex.cells import CELLS

    assert [CELLS["lstm"].gate(k).function for k in "ifgo"] == ["sigmoid", "sigmoid", "tanh", "sigmoid"]
    assert [CELLS["gru"].gate(k).title for k in "rzn"] == ["reset gate", "update gate", "new gate"]
    assert [CELLS[name].gate("h").function for name in ("rnn_tanh", "rnn_relu")] == ["tanh", "relu"]
