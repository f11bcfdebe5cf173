"""The Markdown in notebooks: made a PDF by pandoc, traces and examples displayed in Jupyter, and
the Markdown snippet for a cell."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from browser import opened
from conftest import ROOT, SAMPLES, SEED
from networks import random_lstm

import lstm_latex
from lstm_latex.cells import CELLS

if TYPE_CHECKING:
    from playwright.sync_api import Browser

# The colours xcolor knows without options (no dvipsnames), each also one of CSS's names.
XCOLOR_AND_CSS = {"red", "green", "blue", "cyan", "magenta", "yellow", "black", "gray", "brown", "lime"}
XCOLOR_AND_CSS |= {"olive", "orange", "pink", "purple", "teal", "violet"}


def math_blocks(markdown: str) -> list[str]:
    return re.findall(r"^\$\$\n(.*?)\n\$\$$", markdown, flags=re.MULTILINE | re.DOTALL)


def test_every_gate_colour_is_a_name_css_and_xcolor_both_know() -> None:
    names = {gate.name: gate.named_color for cell in CELLS.values() for gate in cell.gates}
    assert set(names.values()) <= XCOLOR_AND_CSS
    assert len({names["i"], names["f"], names["g"], names["o"]}) == 4  # an LSTM's gates apart


def test_the_markdown_becomes_a_pdf_through_pandoc(latex, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The Markdown as a notebook's or a blog's reader turns it into a PDF: pandoc's LaTeX (its
    default template, which loads xcolor) compiled with pdflatex. Every cell's colours and the
    backward pass are in it."""
    pypandoc = pytest.importorskip("pypandoc", reason="pandoc comes with the test extra: pypandoc-binary")
    samples = [SAMPLES / "lstm_backward.json", SAMPLES / "gru.json"]
    traces = [lstm_latex.forward(lstm_latex.load(sample)) for sample in samples]
    # At the text width of pandoc's page, an article's: a4 (the default fits a web page's column).
    markdown = "\n\n".join(lstm_latex.render(trace, "markdown", width="a4") for trace in traces)
    assert not any("#" in block for block in math_blocks(markdown))  # xcolor's "Illegal parameter number"
    (tmp_path / "notebook.md").write_text(markdown, encoding="utf-8")
    subprocess.run(
        [pypandoc.get_pandoc_path(), "notebook.md", "--standalone", "-o", "notebook.tex"], cwd=tmp_path, check=True
    )
    run = latex((tmp_path / "notebook.tex").read_text(encoding="utf-8"), name="notebook")
    assert "Undefined color" not in run.log
    assert run.overfull == []
    assert "W_{ii}" not in run.text  # typeset, not printed as source
    for trace in traces:  # each network's last h_t, in the results as the PDF shows them
        assert f"{trace.output[-1, 0]:.4f}" in run.text


# What nbconvert's LaTeX template (jupyter nbconvert --to pdf) gives the Markdown pandoc turns into
# LaTeX: its packages, and pandoc's \tightlist, but not the `none` counter of pandoc's own template.
NBCONVERT_PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[T1]{fontenc}
\usepackage{amsmath,amssymb,xcolor,longtable,booktabs,array,calc,graphicx,hyperref}
\usepackage[a4paper,margin=1in]{geometry}
\providecommand{\tightlist}{\setlength{\itemsep}{0pt}\setlength{\parskip}{0pt}}
"""


def test_the_markdown_becomes_a_pdf_as_nbconvert_makes_it(latex) -> None:  # type: ignore[no-untyped-def]
    """`jupyter nbconvert --to pdf`: each Markdown cell and output through pandoc into LaTeX, in
    nbconvert's own document. pandoc 3.8 and later write a table without a caption into
    ``{\\def\\LTcaptype{none} ...}``, which a recent longtable steps as a counter that only
    pandoc's own template defines: "No counter 'none' defined". (The longtable here may be older and
    ignore it: the LaTeX is checked for it.) The network's sizes are a list."""
    pypandoc = pytest.importorskip("pypandoc", reason="pandoc comes with the test extra: pypandoc-binary")
    example = lstm_latex.load(SAMPLES / "lstm_backward.json")
    cells = [example._repr_markdown_(), lstm_latex.forward(example)._repr_markdown_()]
    body = "\n".join(
        pypandoc.convert_text(cell, "latex", format="markdown+tex_math_double_backslash") for cell in cells
    )
    assert "\\LTcaptype" not in body
    run = latex(NBCONVERT_PREAMBLE + "\\begin{document}\n" + body + "\n\\end{document}\n", name="notebook")
    assert "Undefined color" not in run.log
    assert "hidden size: 4" in run.text
    assert "W_{ii}" not in run.text  # typeset, not printed as source


def test_pandoc_writes_every_display_as_mathml() -> None:
    r"""pandoc's HTML with --mathml (and without a math engine) reads the math itself: it knows the
    colour switch {\color{name}{...}} (and prints it uncoloured), not \textcolor, which it left as TeX
    on the page."""
    pypandoc = pytest.importorskip("pypandoc", reason="pandoc comes with the test extra: pypandoc-binary")
    trace = lstm_latex.forward(lstm_latex.load(SAMPLES / "lstm_backward.json"))
    markdown = lstm_latex.render(trace, "markdown")
    assert "\\textcolor" not in markdown  # nor does MathJax 2.7 know it, which nbconvert's HTML ships
    run = subprocess.run(
        [pypandoc.get_pandoc_path(), "--from", "markdown", "--to", "html", "--mathml"],
        input=markdown,
        capture_output=True,
        text=True,
        check=True,
    )
    assert run.stderr == ""  # pandoc warns of each display it could not convert
    assert run.stdout.count('<math display="block"') == len(math_blocks(markdown)) > 20
    assert "\\" not in re.sub(r"<annotation.*?</annotation>", "", run.stdout, flags=re.DOTALL)


def test_a_long_trace_displays_its_first_steps_and_says_how_many_are_left_out() -> None:
    trace = lstm_latex.forward(lstm_latex.load(random_lstm(2, 2, steps=150, bidirectional=True)))
    with pytest.raises(lstm_latex.RenderError, match="300 step blocks"):
        lstm_latex.render(trace, "markdown")
    shown = trace._repr_markdown_()
    assert shown.startswith('> Too long to show whole: `lstm_latex.render(trace, "markdown", max_steps=0)`')
    assert "\nShown here: the first 50 of the T = 150 steps each direction ran. " in shown
    assert len(re.findall(r"^#+ Step \$t = \d+\$$", shown, flags=re.MULTILINE)) == 100
    assert "### Step $t = 50$" in shown  # the forward direction's first 50
    assert "### Step $t = 101$" in shown  # the reverse direction's, from t = 150 down
    assert "### Step $t = 51$" not in shown
    assert shown.count("The other 100 steps of this direction are left out here.") == 2
    assert "## Results" in shown


def test_a_short_trace_displays_every_step() -> None:
    trace = lstm_latex.forward(lstm_latex.load(SEED))
    assert trace._repr_markdown_() == lstm_latex.render(trace, "markdown")


def test_a_long_backward_pass_displays_its_first_steps() -> None:
    document = random_lstm(2, 2, steps=120)
    document["target"] = [[0.0, 0.0]] * 120
    shown = lstm_latex.forward(lstm_latex.load(document))._repr_markdown_()
    assert "The other 20 steps of this direction are left out here." in shown
    assert "The other 20 backward steps of this direction are left out here." in shown
    assert "## Step $t = 120$, backward" in shown
    assert "## Step $t = 20$, backward" not in shown


def test_an_example_displays_as_its_network() -> None:
    example = lstm_latex.load(SAMPLES / "lstm_backward.json")
    shown = example._repr_markdown_()
    assert shown.startswith("**A `torch.nn.LSTM` (LSTM) from ")
    assert "\n- hidden size: 4\n" in shown
    assert "\n- steps T: 2\n" in shown
    assert "\n- backward pass: half_sse loss\n" in shown
    assert "array(" not in shown


def test_the_markdown_snippet_has_no_title_and_its_headings_one_level_down() -> None:
    trace = lstm_latex.forward(lstm_latex.load(SEED))
    document = lstm_latex.render(trace, "markdown")
    snippet = lstm_latex.render(trace, "markdown-snippet")
    assert "A worked" not in snippet
    headings = re.findall(r"^(#+) (.*)$", snippet, flags=re.MULTILINE)
    assert [(len(marks), text) for marks, text in headings] == [
        (len(marks) + 1, text) for marks, text in re.findall(r"^(#+) (.*)$", document, flags=re.MULTILINE)[1:]
    ]
    titled = lstm_latex.render(trace, "markdown-snippet", title="Our *LSTM*")
    assert re.findall(r"^#+ .*$", titled, flags=re.MULTILINE)[:2] == [r"### Our \*LSTM\*", "#### The network"]
    assert math_blocks(snippet) == math_blocks(document)


def test_markdown_honours_the_heading_level(tmp_path: Path) -> None:
    trace = lstm_latex.forward(lstm_latex.load(SEED))
    none = lstm_latex.render(trace, "markdown-snippet", heading_level="none")
    assert re.findall(r"^#", none, flags=re.MULTILINE) == []
    assert "**The network**" in none
    deep = lstm_latex.render(trace, "markdown", heading_level="subsubsection")
    assert "#### The network" in deep
    assert "##### What torch returns" in deep


MATHJAX2 = ROOT / "node_modules" / "mathjax" / "MathJax.js"
# What MathJax 2 left of each formula once it typeset the page: the text of each, as rendered (an
# unknown macro such as \textcolor is printed as its name, in red), and its errors.
TYPESET = """() => new Promise((done) => MathJax.Hub.Queue(() => done({
  rendered: MathJax.Hub.getAllJax().map((jax) => document.getElementById(jax.inputID + "-Frame").textContent),
  errors: document.querySelectorAll(".MathJax_Error, .mjx-merror").length,
})))"""


@pytest.mark.katex
@pytest.mark.browser
def test_mathjax_2_typesets_every_formula_as_nbconvert_and_jupyter_show_them(browser: Browser, tmp_path: Path) -> None:
    r"""MathJax 2.7, which `jupyter nbconvert --to html` ships and Jupyter's notebook displays math
    with, typesets every formula of the Markdown (a trace's _repr_markdown_ is the same Markdown):
    its colours are written {\color{name}{...}}, which MathJax 2 knows; \textcolor, the form the
    Markdown had before, it does not (a last formula, the test's proof that it can fail)."""
    pypandoc = pytest.importorskip("pypandoc", reason="pandoc comes with the test extra: pypandoc-binary")
    if not MATHJAX2.is_file():
        pytest.skip("MathJax 2 is not installed: run `make katex` (npm ci)")
    derivation = lstm_latex.derive(lstm_latex.load(SAMPLES / "lstm_backward.json"), check=False)
    shown = lstm_latex.Selection.parse(parts="equations,backward", steps="1", gates="f,g")  # every kind of formula
    markdown = lstm_latex.render(derivation, "markdown", selection=shown)
    markdown += "\n$$\n\\textcolor{red}{x_t}\n$$\n"
    page = tmp_path / "notebook.html"
    mathjax = f"--mathjax={MATHJAX2.as_uri()}?config=TeX-AMS_CHTML"
    subprocess.run(
        [
            pypandoc.get_pandoc_path(),
            "--to",
            "html",
            "--standalone",
            mathjax,
            "--metadata",
            "title=A notebook",
            "-o",
            page,
        ],
        input=markdown,
        text=True,
        check=True,
    )
    with opened(browser, page) as (tab, console):
        tab.wait_for_function("() => window.MathJax && MathJax.isReady")
        found = tab.evaluate(TYPESET)
        assert console == []
    *formulas, textcolor = found["rendered"]
    inline = re.findall(r"(?<![$\\])\$[^$\n]+\$(?!\$)", markdown)
    assert len(formulas) == len(math_blocks(markdown)) - 1 + len(inline) > 20
    assert found["errors"] == 0
    assert [text for text in formulas if "\\" in text] == []  # every macro known
    assert "\\textcolor" in textcolor
