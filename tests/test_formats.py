"""Typesetting at every size and in every format: the page width, elision, colour, numbers."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import SAMPLES, SEED, as_handout, joined
from networks import random_lstm

import lstm_latex
from lstm_latex.cli import main


def trace_of(source: object) -> lstm_latex.Trace[lstm_latex.Step]:
    return lstm_latex.forward(lstm_latex.load(source))


# Each cell's partial as slides. The backward pass's frames are compiled in a deck of their own
# (test_hosts.py); rnn_relu differs from rnn_tanh in one word, and the stacked, bidirectional
# sample's labels are the documents' (test_compile.py).
@pytest.mark.latex
def test_each_cell_compiles_as_slides(latex) -> None:  # type: ignore[no-untyped-def]
    # As a document and as a snippet: test_compile.py. The first step of each layer and direction:
    # a later step is laid out as the first. A slide for each line of a chain (a pause ends every
    # line, in every cell's chains): the LSTM's and the GRU's as a handout, a page a frame, in one
    # deck; the smallest, the RNN's, overlays and all.
    def slides(name: str) -> str:
        trace = trace_of(SAMPLES / f"{name}.json")
        return lstm_latex.render(trace, "beamer", selection=lstm_latex.Selection.parse(steps="1"))

    handout = latex(joined([as_handout(slides(name)) for name in ("seed", "gru")]), name="handout")
    overlays = latex(slides("rnn_tanh"), name="slides")
    for deck, gates in ((handout, ["Forget gate", "Reset gate"]), (overlays, [])):
        assert deck.overfull == []
        assert "Step t = 1" in deck.text
        assert [gate for gate in gates if gate not in deck.text] == []


@pytest.mark.latex
@pytest.mark.parametrize("hidden_size", [9])  # elided to 7 rows, with \vdots and the shape: the tallest
def test_slides_of_a_wider_network_fit_their_frames(hidden_size: int, latex) -> None:  # type: ignore[no-untyped-def]
    # Past a hidden size of about 4 a chain is taller than a 16:9 frame: beamer would report an
    # Overfull \vbox and cut the chain off; it continues on the next frame instead, at the same
    # 8pt, never shrunk. (As a handout: a frame's overlays are laid out alike.)
    trace = trace_of(random_lstm(3, hidden_size, steps=1))
    slides = latex(as_handout(lstm_latex.render(trace, "beamer")), name="slides")
    assert slides.overfull == []
    assert "Input gate (continued)" in slides.text
    assert lstm_latex.NumberFormat().number(trace.directions[0].steps[0].h[-1]) in slides.text.replace(" ", "")


# The widest default case (every column shown), every entry as wide as it prints, the widest
# elided (3 columns, dots, 3 columns), tall and wide weights, and a second layer.
WIDE_CASES: list[tuple[int, int, dict[str, Any]]] = [
    (8, 8, {}),
    (8, 8, {"negative": True}),
    (9, 9, {"negative": True}),
    (3, 8, {}),
    (8, 3, {}),
    (4, 8, {"num_layers": 2}),
]


@pytest.mark.latex
def test_no_line_is_wider_than_the_page(latex) -> None:  # type: ignore[no-untyped-def]
    # One pdflatex run: the documents share their preamble, so their bodies go under the first's.
    documents = [
        lstm_latex.render(trace_of(random_lstm(inputs, hidden, **options))) for inputs, hidden, options in WIDE_CASES
    ]
    preambles, bodies = zip(*(document.split("\\begin{document}") for document in documents), strict=True)
    assert len(set(preambles)) == 1
    body = "\\clearpage\n".join(body.replace("\\end{document}", "") for body in bodies)
    run = latex(f"{preambles[0]}\\begin{{document}}{body}\\end{{document}}\n")
    assert run.overfull == []
    assert run.text.count("Step t = 1") == len(WIDE_CASES) + 1  # the second layer's too


@pytest.mark.latex
def test_a_256_unit_lstm_is_elided_and_fits_the_page(latex) -> None:  # type: ignore[no-untyped-def]
    trace = trace_of(random_lstm(64, 256, steps=2))
    assert trace.directions[0].steps[1].h.shape == (256,)  # the trace keeps every value
    text = lstm_latex.render(trace)
    assert r"_{256 \times 64}" in text
    assert r"_{256 \times 256}" in text
    assert r"\vdots & \vdots & \vdots & \ddots & \vdots" in text
    run = latex(text)
    assert run.overfull == []
    h = trace.directions[0].steps[1].h
    assert lstm_latex.NumberFormat().number(h[-1]) in run.text.replace(" ", "")


def test_no_color_leaves_no_textcolor_in_any_format() -> None:
    trace = trace_of(SEED)
    for template in ("document", "snippet", "beamer", "markdown"):
        plain = lstm_latex.render(trace, template, style=lstm_latex.Style(color=False))
        assert "textcolor" not in plain
        assert r"\color{" not in plain
        assert "providecolor" not in plain
        # LaTeX's colour macros; on a web page, the switch MathJax 2 knows too
        painted = r"{\color{" if template == "markdown" else r"\textcolor{"
        assert painted in lstm_latex.render(trace, template)


@pytest.mark.parametrize("template", ["document", "snippet", "beamer"])
def test_no_color_in_latex_is_the_same_text_without_the_gate_macros(template: str) -> None:
    trace = trace_of(SAMPLES / "gru.json")
    colored = lstm_latex.render(trace, template)
    plain = lstm_latex.render(trace, template, style=lstm_latex.Style(color=False))
    definitions = [line for line in colored.splitlines() if line.startswith((r"\providecolor", r"\providecommand*"))]
    assert definitions == [
        line
        for k, color in zip("rzn", ["D55E00", "0072B2", "009E73"], strict=True)
        for line in (
            rf"\providecolor{{lstmlatex{k}}}{{HTML}}{{{color}}}",
            rf"\providecommand*{{\lstmgate{k}}}[1]{{\textcolor{{lstmlatex{k}}}{{#1}}}}",
        )
    ]
    assert "lstmgate" not in plain
    said = "% Each gate's colour is a macro, such as \\lstmgatei{...}: define it first to print it otherwise.\n"
    assert (said in colored, said in plain) == (template == "snippet", False)
    without_definitions = "".join(
        line for line in colored.replace(said, "").splitlines(keepends=True) if line.rstrip("\n") not in definitions
    )
    assert _unwrapped(without_definitions, r"\lstmgate") == plain


def _unwrapped(text: str, macro: str) -> str:
    """``text`` with each ``macro``LETTER{argument} replaced by its argument."""
    out, at = [], 0
    while (start := text.find(macro, at)) >= 0:
        out.append(text[at:start])
        depth, end = 0, start + len(macro) + 1  # past the gate's letter, at the brace
        while True:
            depth += {"{": 1, "}": -1}.get(text[end], 0)
            if depth == 0:
                break
            end += 1
        out.append(_unwrapped(text[start + len(macro) + 2 : end], macro))
        at = end + 1
    return "".join(out) + text[at:]


def test_a_document_that_defines_a_gate_macro_first_keeps_its_own(latex, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "derivation.tex").write_text(lstm_latex.render(trace_of(SEED), "snippet"), encoding="utf-8")
    notes = r"""\documentclass{article}
\usepackage{amsmath,amssymb,mathtools}
\usepackage{xcolor}
\newcommand*{\lstmgatei}[1]{\underline{#1}}
\begin{document}
\input{derivation}
\end{document}
"""
    run = latex(notes, name="notes")
    assert "0.5284" in run.text


def test_each_gate_has_its_colour_in_the_equations_and_the_numbers() -> None:
    trace = trace_of(SEED)
    text = lstm_latex.render(trace)
    forget = lstm_latex.NumberFormat().matrix(trace.directions[0].steps[0].gates[1].activation)
    assert r"\providecommand*{\lstmgatef}[1]{\textcolor{lstmlatexf}{#1}}" in text  # the forget gate's macro
    assert r"\lstmgatef{f_{t}}" in text  # the equations
    assert r"\lstmgatef{f_{1}}" in text  # the chain's symbols
    assert rf"\lstmgatef{{{forget}}}" in text  # and f_1's numbers, in the same colour
    assert text.count("textcolor") == 4  # in the macros' definitions only
    markdown = lstm_latex.render(trace_of(SEED), "markdown")
    assert r"{\color{red}{f_{t}}}" in markdown


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args))


def test_sig_sets_significant_digits() -> None:
    result = run("render", str(SEED), "--sig", "2")
    assert result.exit_code == 0, result.output
    assert r"\begin{bmatrix*}[r] 0.53 \\ 0.48 \\ 0.56 \\ 0.55 \end{bmatrix*}" in result.stdout
    assert "2 significant digits" in result.stdout


def test_precision_and_sig_exclude_each_other() -> None:
    result = run("render", str(SEED), "--sig", "2", "--precision", "3")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == "Error: --precision and --sig exclude each other: give one of them\n"


def test_max_size_elides_earlier() -> None:
    result = run("render", str(SEED), "--max-size", "3")
    assert result.exit_code == 0, result.output
    assert r"\begin{bmatrix*}[r] -0.5000 \\ \vdots \\ -0.0600 \end{bmatrix*}}_{4}" in result.stdout


def test_no_color_option() -> None:
    result = run("render", str(SEED), "--no-color", "--template", "beamer")
    assert result.exit_code == 0, result.output
    assert "textcolor" not in result.stdout


def test_markdown_has_display_math_and_no_latex_preamble() -> None:
    result = run("render", str(SEED), "--format", "markdown")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith("# A worked LSTM forward pass\n")
    assert r"\documentclass" not in text
    assert r"\section" not in text
    assert "bmatrix*" not in text
    assert len(re.findall(r"^\$\$$", text, flags=re.MULTILINE)) % 2 == 0
    assert r"\left[\begin{array}{r} 0.5284 \\ 0.4833 \\ 0.5617 \\ 0.5484 \end{array}\right]" in text
