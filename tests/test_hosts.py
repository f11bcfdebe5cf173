"""The snippet and the frames inside the documents people already write: their classes, their own
headings, hyperref, a beamer deck of their own."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import SAMPLES, SEED, LatexRun
from networks import random_lstm

import lstm_latex
from lstm_latex.cli import main
from lstm_latex.slides import FRAMES, Deck, FrameSize

SECTIONING = re.compile(r"\\(section|subsection|subsubsection|paragraph|subparagraph)\*?\{")


def _commands(text: str) -> list[str]:
    return SECTIONING.findall(text)


@pytest.fixture(scope="module")
def seed() -> lstm_latex.Derivation:
    """The seed as the command renders it: checked when torch is installed, the check's sentence on the page."""
    return lstm_latex.derive(lstm_latex.load(SEED), check=None)


@pytest.fixture(scope="module")
def backward_step() -> lstm_latex.Derivation:
    """The backward sample as the command derives it (checked when torch is installed)."""
    return lstm_latex.derive(lstm_latex.load(BACKWARD), check=None)


def test_the_document_keeps_its_sections_and_the_snippet_sits_one_level_below(seed) -> None:  # type: ignore[no-untyped-def]
    document = lstm_latex.render(seed)
    snippet = lstm_latex.render(seed, "snippet")
    assert _commands(document)[:3] == ["section", "paragraph", "section"]
    assert "section" not in _commands(snippet)
    assert _commands(snippet)[:3] == ["subsection", "paragraph", "subsection"]
    assert r"\subsection{Step \texorpdfstring{$t = 1$}{t = 1}}" in snippet


@pytest.mark.parametrize(
    ("level", "top", "inner", "parts"),
    [
        ("section", "section", "subsection", "paragraph"),  # the document's, as it always was
        ("subsection", "subsection", "subsubsection", "paragraph"),
        ("subsubsection", "subsubsection", "paragraph", "subparagraph"),
        ("paragraph", "paragraph", "subparagraph", None),
    ],
)
def test_each_heading_level_puts_the_inner_headings_below_it(seed, level, top, inner, parts) -> None:  # type: ignore[no-untyped-def]
    text = lstm_latex.render(seed, "snippet", heading_level=level)
    commands = set(_commands(text))
    assert rf"\{top}{{Step \texorpdfstring{{$t = 1$}}{{t = 1}}}}" in text
    assert rf"\{inner}*{{What torch returns}}" in text
    assert commands == {top, inner} | ({parts} if parts else set())
    if parts is None:  # nothing below \subparagraph: the gates' titles are bold and run in
        assert r"\par\smallskip\noindent\textbf{Input gate}\quad" in text


def test_heading_level_none_writes_no_sectioning_command(seed) -> None:  # type: ignore[no-untyped-def]
    text = lstm_latex.render(seed, "snippet", heading_level="none")
    assert _commands(text) == []
    assert r"\noindent{\large\bfseries Step $t = 1$\par}" in text
    assert r"\noindent\textbf{Input gate}\quad" in text


def test_a_snippet_title_is_its_heading_and_the_derivation_goes_one_level_down(seed) -> None:  # type: ignore[no-untyped-def]
    text = lstm_latex.render(seed, "snippet", title="LSTM & co", heading_level="section")
    assert _commands(text)[:3] == ["section", "subsection", "paragraph"]
    assert text.count(r"\section{") == 1
    assert r"\section{LSTM \& co}" in text
    assert r"\subsection{The network}" in text
    untitled = lstm_latex.render(seed, "snippet")
    assert "A worked" not in untitled  # without --title a snippet has no title of its own


def test_the_frames_are_only_frames_with_subsections_for_the_decks_outline(seed) -> None:  # type: ignore[no-untyped-def]
    frames = lstm_latex.render(seed, "frames")
    assert r"\documentclass" not in frames
    assert r"\begin{document}" not in frames
    assert r"\end{document}" not in frames
    assert r"\titlepage" not in frames
    assert set(_commands(frames)) == {"subsection", "subsubsection"}  # the parts are frames
    assert frames.count(r"\begin{frame}") == lstm_latex.render(seed, "beamer").count(r"\begin{frame}") - 1
    assert _commands(lstm_latex.render(seed, "frames", heading_level="none")) == []
    titled = lstm_latex.render(seed, "frames", title="LSTM & co")
    assert _commands(titled)[:2] == ["subsection", "subsubsection"]
    assert "\\subsection{LSTM \\& co}\n\\begin{frame}\n\\centering\\Large\\bfseries LSTM \\& co\n\\end{frame}" in titled


def test_an_unknown_heading_level_is_refused(seed) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(lstm_latex.RenderError, match="no heading level 'chapter'"):
        lstm_latex.render(seed, "snippet", heading_level="chapter")  # type: ignore[arg-type]
    result = CliRunner().invoke(main, ["render", str(SEED), "--no-check", "--heading-level", "chapter"])
    assert result.exit_code == 2
    assert "'chapter' is not one of" in result.stderr


def test_the_cli_passes_the_heading_level_and_the_title() -> None:
    args = ["render", str(SEED), "--no-check", "--template", "snippet", "--heading-level", "subsubsection"]
    result = CliRunner().invoke(main, [*args, "--title", "Worked example"])
    assert result.exit_code == 0, result.output
    assert _commands(result.stdout)[:2] == ["subsubsection", "paragraph"]
    assert r"\subsubsection{Worked example}" in result.stdout


# A host document: its class and options, its own packages, what its author wrote before \input,
# and the snippet's render, at the --width of the class or for the --host it names: the backward
# sample's, whose forward steps are the seed's kind (an LSTM(2, 4), checked), and whose backward
# pass has the most headings with math, "Step $t = 2$, backward", and the widest chains, where the
# host's width is measured; the seed's in book. Its first step, forward and backward, and the
# sums: a later step is laid out as the first, whose chains back are the longest (they add step 2's
# terms). Each loads hyperref,
# last as its documentation asks, and the snippet's packages.
# newtx (newtxmath) is not among them: its fonts are in texlive-fonts-extra, 500 MB.
HOSTS: dict[str, tuple[str, str, str, str, dict[str, Any]]] = {
    "article": ("article", "", "", r"\tableofcontents\section{Recurrent networks}", {"width": "a4"}),
    "twocolumn": (
        "article",
        "a4paper,twocolumn",
        "",
        r"\section{Recurrent networks}",
        {"title": "A worked example", "width": "twocolumn"},
    ),
    "scrartcl": (
        "scrartcl",
        "a5paper",
        "",
        r"\section{Recurrent networks}",
        {"heading_level": "subsubsection", "width": "a5"},
    ),
    "report": ("report", "", "", r"\chapter{Sequences}\section{Recurrent networks}", {"heading_level": "none"}),
    "book": ("book", "", "", r"\chapter{Sequences}\section{Recurrent networks}", {"heading_level": "paragraph"}),
    "memoir": (
        "memoir",
        "11pt,a4paper",
        "",
        r"\chapter{Sequences}",
        {"host": "memoir,11pt,a4paper", "heading_level": "section"},
    ),
    "amsart": ("amsart", "", "", r"\section{Recurrent networks}", {"host": "amsart"}),
    "amsart-twocolumn": ("amsart", "twocolumn", "", r"\section{Recurrent networks}", {"host": "amsart,twocolumn"}),
    "tufte-handout": ("tufte-handout", "", "", r"\section{Recurrent networks}", {"host": "tufte-handout"}),
    "fleqn": ("article", "fleqn", "", r"\section{Recurrent networks}", {"host": "article,fleqn"}),
    "12pt": ("article", "12pt,a4paper", "", r"\section{Recurrent networks}", {"host": "article,12pt,a4paper"}),
    "mathpazo": ("article", "", r"\usepackage{mathpazo}", r"\section{Recurrent networks}", {"host": "article"}),
    # newtxmath after amsmath, and with its own AMS symbols: amssymb after it is an error of newtx's
    "newtx": (
        "article",
        "",
        r"\usepackage{amsmath}\usepackage{newtxtext,newtxmath}",
        r"\section{Recurrent networks}",
        {"host": "article"},
    ),
    "microtype": (
        "article",
        "",
        r"\usepackage{lmodern}\usepackage[T1]{fontenc}\usepackage{microtype}",
        r"\section{Recurrent networks}",
        {"host": "article,a4paper", "width": r"\linewidth"},
    ),
}
BACKWARD = SAMPLES / "lstm_backward.json"
FIRST_STEP = lstm_latex.Selection.parse(steps="1")


def _found(name: str) -> bool:
    return subprocess.run(["kpsewhich", name], capture_output=True, check=False).returncode == 0


@pytest.mark.parametrize("host", list(HOSTS))
def test_the_snippet_fits_each_class_with_hyperref(latex, tmp_path: Path, host: str, seed, backward_step) -> None:  # type: ignore[no-untyped-def]
    cls, options, packages, before, render_options = HOSTS[host]
    if "newtx" in packages and shutil.which("kpsewhich") and not _found("newtxmath.sty"):
        pytest.skip("newtx is in Debian's texlive-fonts-extra (500 MB), which make tex does not install")
    # derived with the check on when torch is installed, as the command renders: its sentence is on the page
    derivations = {SEED: seed} if cls == "book" else {BACKWARD: backward_step}
    for sample, derivation in derivations.items():
        text = lstm_latex.render(derivation, "snippet", selection=FIRST_STEP, **render_options)
        (tmp_path / f"{sample.stem}.tex").write_text(text, encoding="utf-8")
    samples = list(derivations)
    if host == "article":  # and --max-size 16 on H = 16: what does not fit is elided further, never off the page
        wide = lstm_latex.forward(lstm_latex.load(random_lstm(16, 16, steps=1, negative=True)))
        style = lstm_latex.Style(numbers=lstm_latex.NumberFormat(max_size=16))
        (tmp_path / "wide.tex").write_text(
            lstm_latex.render(wide, "snippet", style=style, width="a4"), encoding="utf-8"
        )
    inputs = "\n".join(
        rf"\input{{{name}}}" for name in [s.stem for s in samples] + (["wide"] if host == "article" else [])
    )
    symbols = "" if "newtxmath" in packages else r"\usepackage{amssymb}"  # newtxmath has its own
    run = latex(
        rf"""\documentclass[{options}]{{{cls}}}
{packages}
\usepackage{{amsmath,mathtools}}{symbols}
\usepackage{{xcolor}}
\usepackage{{hyperref}}
\begin{{document}}
\makeatletter\typeout{{HOST \strip@pt\textwidth, \strip@pt\linewidth, \f@size}}\makeatother
{before}
Some notes before the derivation.
{inputs}
And after it.
\end{{document}}
""",
        name="notes",
    )
    assert "Token not allowed in a PDF string" not in run.log
    assert "And after it." in run.text
    assert run.overfull == []  # every chain, matrix and table within the column
    if "host" in render_options:  # the widths and font --host says are the class's
        assert reported(run) == pytest.approx(_measured(render_options["host"]), abs=1e-5)
    if host == "article":  # the derivation's parts are numbered inside the author's section
        toc = (tmp_path / "notes.toc").read_text(encoding="latin-1")
        assert r"{\numberline {1.1}The network}" in toc
        assert r"{\numberline {2}" not in toc


# A theme FRAMES has not, its frame measured as README's Slides says: Warsaw at 4:3.
MEASURED = {("Warsaw", "4:3"): FrameSize(307.29, 220.99)}


@pytest.mark.parametrize(("theme", "aspect"), [*FRAMES, *MEASURED])
def test_the_frames_fit_a_beamer_deck_of_each_theme_and_shape(  # type: ignore[no-untyped-def]
    latex, tmp_path: Path, seed, backward_step, theme: str, aspect: str
) -> None:
    # The seed's frames and the backward pass's, told the deck they go in (a theme not measured
    # with its frame's size); as a handout, a page a frame (a frame's overlays are laid out alike).
    deck = Deck(theme, aspect, MEASURED.get((theme, aspect)))
    frames = lstm_latex.render(seed, "frames", title="A worked example", deck=deck)
    (tmp_path / "frames.tex").write_text(frames, encoding="utf-8")
    # The backward pass's frames of its first step (the others are laid out alike) and its sums:
    # its forward frames are the seed's kind, an LSTM(2, 4); of its gates, the forget gate's (the
    # input and output gates' are laid out alike, a sigmoid's) and the cell candidate's (a tanh's).
    first = lstm_latex.Selection.parse(parts="backward", steps="1", gates="f,g")
    backward = lstm_latex.render(backward_step, "frames", deck=deck, selection=first)
    (tmp_path / "backward.tex").write_text(backward, encoding="utf-8")
    run = latex(
        rf"""\documentclass[handout,aspectratio={deck.aspect_ratio}]{{beamer}}
\usetheme{{{theme}}}
\usepackage{{amsmath,amssymb,mathtools}}
\begin{{document}}
\section{{Recurrent networks}}
\begin{{frame}}{{Before the derivation}}
Our own frame.
\end{{frame}}
\input{{frames}}
\input{{backward}}
\begin{{frame}}{{After it}}
The end.
\end{{frame}}
\end{{document}}
""",
        name="deck",
    )
    assert "Token not allowed in a PDF string" not in run.log
    assert "Our own frame." in run.text
    assert "The end." in run.text
    assert "A worked example" in run.text
    assert "Step t = 1: Cell state" in run.text  # the step in the frame's title, which every theme shows
    assert "The backward pass, Step t = 1, backward: Forget gate" in run.text
    assert "The backward pass, Step t = 1, backward: Cell candidate" in run.text
    assert run.overfull == []  # no frame wider or taller than the deck's (a row cut off at the bottom), none shrunk
    assert "shrink" not in frames


@pytest.mark.parametrize("theme", ["default", "metropolis"])  # the narrowest frames: Madrid's is wider
def test_eight_columns_fit_a_4_3_frame(latex, theme: str) -> None:  # type: ignore[no-untyped-def]
    # The API shows up to 8 columns (the command, 4): on a frame each matrix is elided to fit a
    # chain's line beside a gradient's left-hand side: output − target's are elided too. Of the
    # gates, a sigmoid's and the tanh's (the input and output gates' are laid out as the forget gate's).
    document = random_lstm(2, 8, steps=2)
    document["target"] = [
        [0.5, -0.25, 0.75, -1.0, 0.125, 0.0, 1.0, -0.5],
        [-0.5, 0.25, -0.75, 1.0, -0.125, 0.5, 0.0, 1.0],
    ]
    derivation = lstm_latex.derive(lstm_latex.load(document), check=False)
    backward = lstm_latex.Selection.parse(parts="backward", steps="2", gates="f,g")
    frames = lstm_latex.render(derivation, "frames", deck=Deck(theme, "4:3"), selection=backward)
    assert r"\text{output} - \text{target} &= \underbrace{" in frames  # elided
    deck = rf"""\documentclass[handout,aspectratio=43]{{beamer}}
\usetheme{{{theme}}}
\usepackage{{amsmath,amssymb,mathtools}}
\begin{{document}}
{frames}
\end{{document}}
"""
    assert latex(deck, name="wide").overfull == []


def test_the_beamer_template_writes_the_deck_asked_for_and_frames_name_theirs(seed) -> None:  # type: ignore[no-untyped-def]
    default = lstm_latex.render(seed, "beamer")
    assert default.startswith("\\documentclass[aspectratio=169,10pt]{beamer}\n\\usepackage[T1]{fontenc}\n")
    madrid = lstm_latex.render(seed, "beamer", deck=Deck("Madrid", "4:3"))
    assert madrid.startswith("\\documentclass[aspectratio=43,10pt]{beamer}\n\\usetheme{Madrid}\n")
    frames = lstm_latex.render(seed, "frames", deck=Deck("metropolis"))
    assert "% a 4:3 deck of the metropolis theme (render with --theme and --aspect for another)" in frames
    assert "\\framesubtitle" not in default + frames  # metropolis shows none: the step is in the title
    assert "\\begin{frame}{\\lstmlatexwhere: Input gate}" in frames
    # How tall the deck's frame is: each of the seed's four gates' chains fits a frame of the
    # default theme at 16:9 (210pt high), not one of Madrid's (196pt), nor one of metropolis's, whose
    # lines are 11.5pt apart.
    trace = lstm_latex.forward(lstm_latex.load(SEED))
    continued = {
        theme: lstm_latex.render(trace, "beamer", deck=Deck(theme, "16:9")).count("(continued)}")
        for theme in ("default", "Madrid", "metropolis")
    }
    assert continued == {"default": 0, "Madrid": 4, "metropolis": 4}


@pytest.mark.parametrize(
    ("deck", "says"),
    [
        ({"theme": "Warsaw"}, "no beamer theme 'Warsaw' measured: use one of default, Madrid, metropolis"),
        ({"aspect": "16:10"}, "no aspect ratio '16:10': use one of 4:3, 16:9"),
        (
            {"theme": "a}b", "size": FrameSize(300.0, 200.0)},
            "no beamer theme 'a}b': a theme's name is letters and digits",
        ),
    ],
)
def test_a_deck_not_measured_is_refused(deck: dict[str, Any], says: str) -> None:
    with pytest.raises(lstm_latex.RenderError, match=re.escape(says)):
        Deck(**deck)


def test_theme_and_aspect_are_options_of_the_slides(tmp_path: Path) -> None:
    args = ["render", str(SEED), "--no-check"]
    result = CliRunner().invoke(main, [*args, "--template", "beamer", "--theme", "metropolis", "--aspect", "4:3"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("\\documentclass[aspectratio=43,10pt]{beamer}\n\\usetheme{metropolis}\n")
    bad = CliRunner().invoke(main, [*args, "--template", "frames", "--theme", "Warsaw"])
    assert bad.exit_code == 2
    assert bad.stderr.endswith(
        "Error: --theme Warsaw is not measured: use one of default, Madrid, metropolis,"
        " or give the size of its frame with --frame-width and --frame-height\n"
    )
    # a theme not measured, with its frame's size (MEASURED): written, and its frames that size
    size = ["--frame-width", "307.29", "--frame-height", "220.99"]
    warsaw = CliRunner().invoke(main, [*args, "--template", "beamer", "--theme", "Warsaw", "--aspect", "4:3", *size])
    assert warsaw.exit_code == 0, warsaw.output
    assert warsaw.stdout == lstm_latex.render(
        lstm_latex.derive(lstm_latex.load(SEED)),
        "beamer",
        deck=Deck("Warsaw", "4:3", MEASURED["Warsaw", "4:3"]),
    )
    assert warsaw.stdout.startswith("\\documentclass[aspectratio=43,10pt]{beamer}\n\\usetheme{Warsaw}\n")
    for given, says in [
        (
            ["--theme", "Warsaw", "--frame-width", "307.29"],
            "--frame-width and --frame-height say the deck's frame together: give both",
        ),
        (["--theme", "War}saw", *size], "--theme: no beamer theme 'War}saw': a theme's name is letters and digits"),
    ]:
        wrong = CliRunner().invoke(main, [*args, "--template", "beamer", *given])
        assert wrong.exit_code in (1, 2)
        assert wrong.stdout == ""
        assert wrong.stderr.endswith(f"Error: {says}\n")
    narrow = CliRunner().invoke(main, [*args, "--template", "beamer", "--frame-width", "20", "--frame-height", "200"])
    assert narrow.exit_code == 2
    assert "'--frame-width': 20.0 is not in the range 100<=x<=2000" in narrow.stderr
    document = CliRunner().invoke(main, [*args, "--aspect", "16:9"])
    assert document.exit_code == 1
    assert document.stdout == ""
    assert document.stderr == "Error: --theme and --aspect say the deck of slides: give --template beamer or frames\n"


def test_a_title_with_dollars_stays_text_in_a_heading(seed) -> None:  # type: ignore[no-untyped-def]
    text = lstm_latex.render(seed, "snippet", title="Costs $5 \\$ or $x$")
    assert r"\subsection{Costs \$5 \textbackslash{}\$ or \$x\$}" in text


def test_a_hosts_own_gate_colour_is_kept(latex, tmp_path: Path, seed) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "seed.tex").write_text(lstm_latex.render(seed, "snippet"), encoding="utf-8")
    run = latex(
        r"""\documentclass{article}
\usepackage{amsmath,amssymb,mathtools}
\usepackage{xcolor}
\definecolor{lstmlatexi}{HTML}{123456}
\begin{document}
\input{seed}
\extractcolorspecs{lstmlatexi}{\model}{\spec}\par lstmlatexi is \model:\spec.
\extractcolorspecs{lstmlatexf}{\model}{\spec}\par lstmlatexf is \model:\spec.
\end{document}
""",
        name="notes",
    )
    assert "lstmlatexi is rgb:0.0706,0.20392,0.33725." in run.text  # the host's 123456, not the snippet's 0072B2
    assert "lstmlatexf is rgb:0.8353,0.36864,0." in run.text  # the snippet's own D55E00, where the host has none


# (and those the hosts above name with --host: memoir 11pt, amsart, tufte-handout, article's)
@pytest.mark.parametrize("named", ["article,11pt,a4paper", "memoir,12pt", "scrartcl,10pt,letterpaper,twocolumn"])
def test_a_hosts_widths_and_font_are_what_pdflatex_reports(latex, named: str) -> None:  # type: ignore[no-untyped-def]
    cls, _, options = named.partition(",")
    run = latex(
        rf"""\documentclass[{options}]{{{cls}}}
\makeatletter
\begin{{document}}
\typeout{{HOST \strip@pt\textwidth, \strip@pt\linewidth, \f@size}}
\end{{document}}
"""
    )
    assert reported(run) == pytest.approx(_measured(named), abs=1e-5)


def reported(run: LatexRun) -> list[float]:
    """The text width, line width and font size a document's HOST line reports, in pt."""
    (line,) = re.findall(r"^HOST (.*)$", run.log, flags=re.MULTILINE)
    return [float(value) for value in line.split(", ")]


def _measured(named: str) -> list[float]:
    host = lstm_latex.hosts.host(named)
    return [host.text_width, host.line_width, host.font_size]
