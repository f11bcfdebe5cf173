"""Every template compiles with real pdflatex, with no error and no overfull box."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from conftest import SAMPLES, SEED, joined

import lstm_latex

# What a lecture-notes preamble is promised to need for the snippet (see the snippet's header).
PLAIN_ARTICLE = r"""\documentclass{article}
\usepackage{amsmath,amssymb,mathtools}
\usepackage{xcolor}
\begin{document}
Some lecture notes before the derivation.
\input{derivation}
And after it.
\end{document}
"""


def test_the_snippet_says_what_it_needs() -> None:
    snippet = lstm_latex.render(lstm_latex.forward(lstm_latex.load(SEED)), "snippet")
    header = snippet.splitlines()[:5]
    assert any(r"\usepackage{amsmath,amssymb,mathtools}" in line for line in header)
    assert any(r"\usepackage{xcolor}" in line for line in header)


SAMPLE_NAMES = sorted(p.name for p in SAMPLES.glob("*.json"))


def last_output(trace: lstm_latex.Trace[lstm_latex.Step]) -> str:
    """The last layer's final h_t as the results print it (and pdftotext reads it)."""
    return f"{trace.output[-1, 0]:.4f}"


@pytest.mark.latex
def test_every_sample_compiles_as_a_document(latex) -> None:  # type: ignore[no-untyped-def]
    # One pdflatex run: the documents share their preamble, each body on pages of its own.
    traces = [lstm_latex.forward(lstm_latex.load(SAMPLES / sample)) for sample in SAMPLE_NAMES]
    document = latex(joined([lstm_latex.render(trace) for trace in traces]), name="document")
    assert document.overfull == []
    assert " ".join(document.text.split()).count("rounded to 4 decimal places") == len(traces)
    for trace in traces:
        assert last_output(trace) in document.text


def test_every_samples_snippet_compiles_in_lecture_notes(latex, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # One set of notes holding each sample's snippet in turn (for more hosts: test_hosts.py), of its
    # first step (every step fits as a document: above) and its results.
    traces = [lstm_latex.forward(lstm_latex.load(SAMPLES / sample)) for sample in SAMPLE_NAMES]
    first = lstm_latex.Selection.parse(steps="1")
    for k, trace in enumerate(traces):
        text = lstm_latex.render(trace, "snippet", selection=first)
        (tmp_path / f"derivation{k}.tex").write_text(text, encoding="utf-8")
    inputs = "\n".join(rf"\input{{derivation{k}}}" for k in range(len(traces)))
    notes = latex(PLAIN_ARTICLE.replace(r"\input{derivation}", inputs), name="notes")
    assert notes.overfull == []
    assert notes.text.index("Some lecture notes") < notes.text.index("Step t = 1") < notes.text.index("And after it.")
    assert notes.text.count("Step t = 1") >= len(traces)
    for trace in traces:
        assert last_output(trace) in notes.text


def test_more_than_ten_columns_raise_amsmaths_limit(latex) -> None:  # type: ignore[no-untyped-def]
    # amsmath allows 10 columns by default: without MaxMatrixCols, "! Extra alignment tab has been changed".
    rng = np.random.default_rng(12)
    example = lstm_latex.load(
        {
            "state_dict": {"weight_ih_l0": rng.uniform(-1, 1, (8, 12)), "weight_hh_l0": rng.uniform(-1, 1, (8, 2))},
            "x": rng.uniform(-1, 1, (1, 12)),
        }
    )
    style = lstm_latex.Style(numbers=lstm_latex.NumberFormat(precision=2, max_size=12))
    for template in ("document", "snippet"):
        source = lstm_latex.render(lstm_latex.forward(example), template, style=style)
        assert r"\setcounter{MaxMatrixCols}{12}" in source
        if template == "snippet":
            source = PLAIN_ARTICLE.replace(r"\input{derivation}", source)
        run = latex(source, name=template)
        twelfth = example.network.directions[0].weight_ih[0, 11]  # the last column made it onto the page
        assert f"{twelfth:.2f}" in run.text


# --compile works in a directory of its own: only the PDF (and, on failure, the log) comes back.


def render_compiled(output: Path, *options: str):  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from lstm_latex.cli import main

    # The network's part alone: these tests are about the compile, not the derivation.
    args = ["render", str(SEED), "--no-check", "--part", "network", "-o", str(output), "--compile", *options]
    return CliRunner().invoke(main, args)


def test_compile_needs_a_tex_suffix_and_touches_nothing_else(tmp_path: Path) -> None:
    others = {"thesis.pdf": b"%PDF the thesis", "thesis.aux": b"aux", "thesis.toc": b"toc", "notes.tex": b"notes"}
    for name, content in others.items():
        (tmp_path / name).write_bytes(content)
    for output in ("thesis.derivation", "notes"):
        result = render_compiled(tmp_path / output)
        assert result.exit_code == 1
        assert result.stderr == "Error: --compile needs -o FILE.tex and LaTeX output, to write the PDF beside it\n"
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == others


@pytest.mark.latex
@pytest.mark.parametrize("name", ["-shell-escape.tex", "\\immediate\\write18{touch pwned}.tex", "thesis.tex"])
def test_compile_passes_a_name_that_can_only_be_a_name(tmp_path: Path, name: str) -> None:
    (tmp_path / "thesis.aux").write_bytes(b"the thesis's own aux")
    result = render_compiled(tmp_path / name)
    assert result.exit_code == 0, result.output
    pdf = (tmp_path / name).with_suffix(".pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name, pdf.name, "thesis.aux"])
    assert (tmp_path / "thesis.aux").read_bytes() == b"the thesis's own aux"


@pytest.mark.latex
def test_compile_reads_latin_1_in_pdflatexs_messages_and_warns_of_each_overfull_box(tmp_path: Path) -> None:
    # A template of the user's that runs off the page on purpose, under a title pdflatex's log
    # quotes in Latin-1 (the overfull line's text).
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "wide.tex.j2").write_text(
        '((* extends "default:document.tex.j2" *))((* block title *))Before it.\\newpage\n'
        "\\noindent ((( title | tex ))) \\rule{700pt}{1pt}\n\n((* endblock title *))\n",
        encoding="utf-8",
    )
    title = "Dérivation très détaillée"
    out = tmp_path / "out"
    out.mkdir()
    result = render_compiled(
        out / "derivation.tex", "--title", title, "--template-dir", str(templates), "--template", "wide"
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["derivation.pdf", "derivation.tex"]
    (warning,) = result.stderr.splitlines()
    assert re.fullmatch(
        rf"Warning: {re.escape(str(out / 'derivation.tex'))}, page 2: Overfull \\hbox \([\d.]+pt too wide\)"
        r" in paragraph at lines \d+--\d+",
        warning,
    ), warning
