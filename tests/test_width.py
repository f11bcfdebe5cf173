"""--width: the text width to fit, and what is broken, elided further or refused to fit it; slides
split over frames; --compile's warnings. Without pdflatex: test_hosts.py compiles the hosts."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import SAMPLES, SEED
from networks import random_lstm

import lstm_latex
import lstm_latex.view
from lstm_latex.cells import CELLS
from lstm_latex.cli import main
from lstm_latex.compile import overfull_boxes
from lstm_latex.layout import WIDTH_PRESETS, Item, Layout, StateTable, Typeset, layout_at, text_width
from lstm_latex.slides import FRAMES, SPARE_ROWS, Deck, FrameSize, frames_of, line_rows, paragraph_latex
from lstm_latex.view import prose
from lstm_latex.view.prose import BREAK, formula, paragraph, quoted
from lstm_latex.view.records import Display, Glued, Line, Numbers, Part, StateTables, ended

NUMBERS = lstm_latex.NumberFormat()


def typeset(numbers: lstm_latex.NumberFormat = NUMBERS) -> Typeset:
    return Typeset(numbers, lambda text, gate: f"<{gate}>{text}", portable=False)


@pytest.mark.parametrize(
    ("text", "points"),
    [("345pt", 345.0), ("8.5cm", 8.5 / 2.54 * 72.27), ("3.4in", 3.4 * 72.27), ("120mm", 120 / 25.4 * 72.27)],
)
def test_a_width_is_a_tex_length(text: str, points: float) -> None:
    width = text_width(text)
    assert width.points == pytest.approx(points)
    assert width.digits(None) == pytest.approx(points / 5)  # a digit of a 10pt font is 5pt wide
    assert width.digits(8) == pytest.approx(points / 4)


def test_a_preset_is_its_class_text_width_in_its_font() -> None:
    assert text_width("a4") == WIDTH_PRESETS["a4"]
    assert text_width("twocolumn").points == 221.0  # \columnwidth of article's a4paper,twocolumn
    a5 = text_width("a5")
    assert a5.digits(None) == pytest.approx(330.86 / (0.5 * 10.95))  # KOMA's 11pt
    assert a5.digits(8) == pytest.approx(330.86 / 4)  # a template's own font size comes first


def usage_error(option: str, value: str) -> str:
    """The message of ``render --option value``, a usage error (exit 2, nothing written), which
    render(option=value) refuses too."""
    result = CliRunner().invoke(main, ["render", str(SEED), "--no-check", option, value])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"Invalid value for '{option}'" in result.stderr
    page: dict[str, Any] = {option.removeprefix("--"): value}
    with pytest.raises(lstm_latex.RenderError):
        lstm_latex.render(lstm_latex.forward(lstm_latex.load(SEED)), **page)
    return result.stderr


@pytest.mark.parametrize(("width", "says"), [("3furlong", "not a preset (a4, twocolumn, a5, beamer)"), ("1pt", "1pt")])
def test_a_bad_width_is_a_usage_error_naming_the_forms(width: str, says: str) -> None:
    message = usage_error("--width", width)
    assert says in message
    assert ("a length such as 8.5cm, 345pt, 3.4in or 120mm" in message) == (width == "3furlong")


def test_a_break_inside_a_parenthesis_closes_it_and_opens_it_again() -> None:
    f, c = np.array([0.5, 0.25]), np.array([-0.5, 1.0])
    matrix = NUMBERS.matrix
    items: list[Item] = [(f, "f"), r"\odot", r"\left(1 -", c, r"\odot", c, r"\right)", "=", f]
    assert Layout(typeset(), 1000).chain(items) == [
        rf"<f>{matrix(f)} \odot \left(1 - {matrix(c)} \odot {matrix(c)} \right) = {matrix(f)}"
    ]
    narrow = Layout(typeset(), 24).chain(items)  # f ⊙ (1 − c is 23 digits wide, ⊙ c) 13, = f 10.7
    assert narrow == [
        rf"<f>{matrix(f)} \odot \left(1 - {matrix(c)} \right.",
        rf"\left. {{}} \odot {matrix(c)} \right)",
        f"= {matrix(f)}",
    ]


def test_a_matrix_under_a_brace_and_text_after_the_last_one() -> None:
    a = np.array([1.0, 2.0])
    (line,) = Layout(typeset(), 1000).chain([a, "+", (a, None, r"\text{step } 2"), r"> 0\bigr]"])
    assert line == rf"{NUMBERS.matrix(a)} + \underbrace{{{NUMBERS.matrix(a)}}}_{{\text{{step }} 2}} > 0\bigr]"


def test_a_matrix_wider_than_the_text_is_elided_further_and_its_row_labels_with_it() -> None:
    wide = np.arange(256.0).reshape(16, 16) / 256
    numbers = lstm_latex.NumberFormat(max_size=16)
    at_a4 = typeset(numbers)
    layout = layout_at(at_a4, "a4", None)
    assert r"\cdots" in at_a4.matrix(wide)
    assert at_a4.width(wide) <= at_a4.room
    assert r"_{16 \times 16}" in at_a4.matrix(wide)  # the shape under the brace says what was elided
    rows = layout.rows(wide, list(range(1, 17)))
    assert len(rows) == len(at_a4.matrix(wide).split(r" \\ ")) < 16
    assert rows[0] == 1
    assert rows[-1] == 16
    unbounded = typeset(numbers)
    assert r"\cdots" not in unbounded.matrix(wide)  # without a width, --max-size 16 shows all 16


def test_a_matrix_that_cannot_fit_is_refused_saying_what_to_pass() -> None:
    result = CliRunner().invoke(main, ["render", str(SEED), "--no-check", "--sig", "17", "--width", "twocolumn"])
    assert result.exit_code == 1
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("Error: a matrix of shape (4, 2) is ")  # W_ii, the first matrix shown
    assert line.endswith("pass a wider --width, or fewer --precision or --sig digits")


def test_on_a_narrow_page_a_templates_line_opens_with_its_left_hand_side() -> None:
    # view.opening, which a template's own lines are written with: "x &= ..." in the left-hand
    # sides' column, "&x = ..." where they hang; a line continuing one opens at the alignment point.
    view = lstm_latex.view.step_view(Layout(typeset(), 30), CELLS["lstm"], lstm_latex.Selection(), 1)
    assert view.opening("x_{1}") == "&x_{1} ="
    assert view.opening(r"\lstmgatef{W_{hf}}", r"\leftarrow") == r"&\lstmgatef{W_{hf}} \leftarrow"
    assert view.opening("") == " &="
    wide = lstm_latex.view.step_view(Layout(typeset(), 60), CELLS["lstm"], lstm_latex.Selection(), 1)
    assert wide.opening("x_{1}") == "x_{1} &="


def test_a_hung_chain_starts_below_its_left_hand_side_only_when_it_is_beside_it() -> None:
    weight, vector = -np.ones((4, 4)) / 3, np.ones(4) / 3
    narrow = Layout(typeset(), 35)
    assert narrow.hang
    # output - target = ... is on its left-hand side's line: its first matrix does not fit beside it
    assert narrow.difference(weight, "", weight, weight)[0] == ""
    # W_1^T v_1 + ... = ... is on a line of its own, after the symbols: the whole width is its
    lines = narrow.transposed_products([weight], [vector], "i", vector)
    assert lines[0] == f"<i>{NUMBERS.matrix(weight.T)}"
    assert Layout(typeset(), 60).difference(weight, "", weight, weight)[0] != ""


def test_on_a_narrow_page_every_step_line_hangs_and_continues_at_the_margin() -> None:
    # The GRU's step: its states, its gates' chains and the reset gate's part, made as records.
    trace = lstm_latex.forward(lstm_latex.load(SAMPLES / "gru.json"))
    narrow = lstm_latex.render(trace, "snippet", width="twocolumn")
    assert "\n&x_{1} = " in narrow
    assert "x_{1} &=" not in narrow
    assert "\n&\\lstmgaten{W_{hn}} h_{0} + \\lstmgaten{b_{hn}} \\\\\n&= " in narrow
    assert r"&\quad {}" not in narrow  # no room for a quad
    assert "\n  &{} " in narrow
    wide = lstm_latex.render(trace, "snippet", width="a4")
    assert "\nx_{1} &= " in wide
    assert r"&\quad {}" in wide


def test_the_snippet_breaks_sooner_in_two_columns() -> None:
    trace = lstm_latex.forward(lstm_latex.load(SEED))
    wide, narrow = (lstm_latex.render(trace, "snippet", width=width) for width in ("a4", "twocolumn"))
    assert wide == lstm_latex.render(trace, "snippet")  # a4 is the snippet's own width
    assert narrow.count(r"\left. {}") > wide.count(r"\left. {}")
    assert r"c_{0} &= \begin{bmatrix*}" in narrow.replace("&c_{0} =", "c_{0} &=")  # a state a line


def _chain(rows: int, lines: int) -> Part:
    """A part of one display, with a sentence before it: ``lines`` lines, each two columns of ``rows`` numbers."""
    column = Numbers(np.full(rows, 0.5))
    chain = tuple(Line((), ("=", column, "+", column)) for _ in range(lines))
    return Part("Gate", (Display(ended(list(chain), ""), "Text before."),))


TWENTY_ROWS = FrameSize(307.29, 10 * (20 + SPARE_ROWS))  # a frame whose body the estimate fills with 20 rows of 10pt


def test_a_part_taller_than_a_frame_continues_on_the_next_at_a_line_of_its_display() -> None:
    assert line_rows(_chain(8, 1).displays[0].lines, typeset()) == pytest.approx(8.4)
    part = _chain(8, 5)  # five lines of 8 rows: more than a frame's 20
    frames = frames_of(part, typeset(), TWENTY_ROWS)
    # 1 + 2 x 8.4 rows a frame, of 20, the first below a line of text (1.1 rows more above its display)
    assert [[len(d.lines) for d in frame.displays] for frame in frames] == [[2], [2], [1]]
    assert [frame.continued for frame in frames] == [False, True, True]
    assert [d.text for frame in frames for d in frame.displays] == ["Text before.", "", ""]  # the sentence once
    for frame in frames:
        assert frame.displays[0].lines[-1].end == ""  # no empty slide at a frame's end
    shown = [line for frame in frames for d in frame.displays for line in d.lines]
    assert len(shown) == 5
    assert all(line.right is whole.right for line, whole in zip(shown, part.displays[0].lines, strict=True))
    (whole,) = frames_of(_chain(3, 2), typeset(), TWENTY_ROWS)  # what fits stays one frame
    assert not whole.continued
    assert [len(d.lines) for d in whole.displays] == [2]


def test_a_part_of_paragraphs_continues_between_its_paragraphs_and_its_display() -> None:
    # A line of text (1 row), a display of two lines of 7.4 rows (1 row above it, 1.1 more below
    # text): 17.9 of the frame's 20 rows; three paragraphs after it (a row each) go on the next.
    chain = replace(_chain(7, 2).displays[0], text="")
    before, sentence = paragraph("Text before."), paragraph("A sentence.")
    part = Part("Gate", (before, chain, sentence, BREAK, sentence, BREAK, sentence))
    frames = frames_of(part, typeset(), TWENTY_ROWS)
    assert [frame.blocks for frame in frames] == [(before, chain), (sentence, BREAK, sentence, BREAK, sentence)]
    assert [frame.continued for frame in frames] == [False, True]
    # three sentences a line apart are one paragraph of the page, a line of it: they stay
    (whole,) = frames_of(Part("Gate", (before, chain, sentence, sentence, sentence)), typeset(), TWENTY_ROWS)
    assert len(whole.blocks) == 5
    # a display of state tables is as tall as its longest table, with its header and rule
    table = StateTable(2, [("1", "0.5", "0.5")] * 12)
    tables = StateTables(((table, "h_{t}"), (StateTable(2, [("1", "0.5", "0.5")]), "c_{t}")))
    frames = frames_of(Part("", (before, tables, sentence)), typeset(), TWENTY_ROWS)  # 1 + 2.1 + 14.4 + 1 rows
    assert [frame.blocks for frame in frames] == [(before, tables, sentence)]
    frames = frames_of(Part("", (before, tables, tables)), typeset(), TWENTY_ROWS)
    assert [frame.blocks for frame in frames] == [(before, tables), (tables,)]


def test_a_paragraph_is_as_long_as_the_slides_print_it() -> None:
    trace = lstm_latex.forward(lstm_latex.load(SEED))
    slides = lstm_latex.render(trace, "beamer")
    printed = paragraph_latex(prose.follows_torch(trace))
    assert printed.startswith(r"The derivation follows \texttt{torch.\allowbreak{}nn.\allowbreak{}LSTM} step")
    assert printed in slides
    assert paragraph_latex(paragraph(quoted("50% & more"), formula("h_t"))) == r"50\% \& more$h_t$"


def test_a_line_is_as_tall_as_its_tallest_matrix_with_a_brace_under_an_elided_one() -> None:
    short, tall = Numbers(np.zeros(2)), Numbers(np.zeros(4))
    elided = Numbers(np.zeros(30))  # its first and last rows shown, dots between, its shape under a brace
    assert line_rows([Line((), ("=", short))], typeset()) == pytest.approx(2.4)
    assert line_rows([Line((), ("=", short, "+", tall))], typeset()) == pytest.approx(4.4)
    braced = len(NUMBERS.kept(30)) + 0.4 + 2.6
    assert line_rows([Line((), ("=", Glued(elided, ",")))], typeset()) == pytest.approx(braced)
    # a display's line written as several records, up to one that ends in a break, is one line
    assert line_rows([Line((), (short,), ""), Line((), (tall,), "break")], typeset()) == pytest.approx(4.4)
    # a line of a Layout's chain, LaTeX, says how tall its matrices print
    chain = Layout(typeset(), 1000.0)
    (line,) = chain.chain([np.zeros(2), "+", np.zeros(4)])
    assert line_rows([Line((), ("=", line))], chain.typeset) == pytest.approx(4.4)
    (under,) = chain.chain([(np.zeros(3), None, r"\text{shape}"), "=", np.zeros(2)])
    assert line_rows([Line((), ("=", under))], chain.typeset) == pytest.approx(3 + 0.4 + 2.6)


def test_a_frame_holds_what_its_deck_measures() -> None:
    part = _chain(4, 8)  # eight lines of 4.4 rows
    frames = {deck: len(frames_of(part, typeset(), frame)) for deck, frame in FRAMES.items()}
    # default, 4:3: 227.51pt in rows of 10pt, 21.75 the estimate's (4 lines a frame); metropolis,
    # 16:9: a shorter frame, 188.99pt, in rows of 11.5pt, 15.43 the estimate's (2 lines below the
    # sentence and the space before it, then 3 a frame)
    assert frames["default", "4:3"] == 2
    assert frames["metropolis", "16:9"] == 3
    assert all(frames["default", "4:3"] <= count <= frames["metropolis", "16:9"] for count in frames.values())


@pytest.mark.torch
def test_the_sample_decks_keep_their_frames() -> None:
    # How many frames each sample's slides have, in a deck of each theme at 16:9 and at 4:3: the
    # frames split from the view's records where they were split before; with the check on, as
    # the command renders them where torch is installed (its sentences take frames of their own).
    pytest.importorskip("torch")
    counts = {
        (sample, theme, aspect): lstm_latex.render(
            lstm_latex.derive(lstm_latex.load(SAMPLES / f"{sample}.json"), check=None),
            "beamer",
            deck=Deck(theme, aspect),
        ).count("\\begin{frame}")
        for sample in ("seed", "lstm_backward")
        for theme in ("default", "metropolis")
        for aspect in ("16:9", "4:3")
    }
    assert counts == {
        ("seed", "default", "16:9"): 17,
        ("seed", "default", "4:3"): 17,
        ("seed", "metropolis", "16:9"): 22,
        ("seed", "metropolis", "4:3"): 22,
        ("lstm_backward", "default", "16:9"): 68,
        ("lstm_backward", "default", "4:3"): 69,
        ("lstm_backward", "metropolis", "16:9"): 92,
        ("lstm_backward", "metropolis", "4:3"): 93,
    }


def test_wide_slides_are_split_not_shrunk_and_elided_for_a_frame_by_default(tmp_path: Path) -> None:
    trace = lstm_latex.forward(lstm_latex.load(random_lstm(3, 8, steps=1)))
    slides = lstm_latex.render(trace, "beamer")
    assert "shrink" not in slides
    assert r"\fontsize{8}{10}\selectfont" in slides
    assert "(continued)}" in slides
    weights = tmp_path / "h5.json"
    weights.write_text(json.dumps(random_lstm(2, 5, steps=1), default=np.ndarray.tolist), encoding="utf-8")
    args = ["render", str(weights), "--no-check"]
    for options, elided in [
        (["--template", "beamer"], True),
        (["--template", "frames"], True),
        (["--template", "beamer", "--max-size", "8"], False),
        ([], False),
    ]:
        result = CliRunner().invoke(main, [*args, *options])
        assert result.exit_code == 0, result.output
        assert (r"}_{5}" in result.stdout) is elided, options


def test_overfull_boxes_are_found_with_their_pages() -> None:
    log = (
        "(./derivation.tex [1{/usr/share/texlive/pdftex.map}]\n"
        "Overfull \\hbox (12.3pt too wide) in paragraph at lines 10--12\n"
        " []\\T1/cmr/m/n/10 Dérivation\n"
        "[2] [3\n\n]\n"
        "Overfull \\vbox (4.0pt too high) detected at line 40\n"
        "[4] (./derivation.aux) )\n"
    )
    assert overfull_boxes(log) == [
        "page 2: Overfull \\hbox (12.3pt too wide) in paragraph at lines 10--12",
        "page 4: Overfull \\vbox (4.0pt too high) detected at line 40",
    ]


@pytest.mark.parametrize(
    ("host", "width", "points", "font"),
    [
        ("article", r"\textwidth", 345.0, 10.0),
        ("memoir,11pt,a4paper", r"0.9\textwidth", 0.9 * 369, 10.95),
        ("article,a4paper,twocolumn", r"\linewidth", 221.0, 10.0),  # a column's
        ("article,a4paper,twocolumn", r".5\textwidth", 226.0, 10.0),  # half the page's 452pt
        ("amsart,twocolumn", r"\columnwidth", 175.0, 10.0),
        ("scrartcl", r"\linewidth", 418.25555, 10.95),  # KOMA's 11pt and A4 when none is given
        ("tufte-handout,12pt", r"\textwidth", 312.0, 10.0),  # Tufte's text is 10pt whatever the size
        ("article,12pt,fleqn,draft", "300pt", 300.0, 12.0),  # a length at the host's font; fleqn ignored
    ],
)
def test_a_width_may_be_a_part_of_the_hosts(host: str, width: str, points: float, font: float) -> None:
    page = text_width(width, lstm_latex.hosts.host(host))
    assert page.points == pytest.approx(points)
    assert page.font_size == font


def test_the_host_is_the_width_to_fit_and_a_length_of_it_needs_one() -> None:
    trace = lstm_latex.forward(lstm_latex.load(SEED))
    in_columns = lstm_latex.render(trace, "snippet", host="article,a4paper,twocolumn")
    assert in_columns == lstm_latex.render(trace, "snippet", width="twocolumn")  # 221pt at 10pt
    assert lstm_latex.render(trace, "snippet", host="memoir,12pt", width=r"0.8\linewidth") == lstm_latex.render(
        trace, "snippet", width=f"{0.8 * 383 * 10 / 12}pt"
    )  # 0.8 x 383pt of a 12pt font holds as many digits as 255.3pt of a 10pt one
    with pytest.raises(lstm_latex.RenderError, match=r"is a length of the host's: name its class with --host"):
        lstm_latex.render(trace, "snippet", width=r"0.9\textwidth")
    result = CliRunner().invoke(main, ["render", str(SEED), "--no-check", "--width", r"0.9\textwidth"])
    assert result.exit_code == 2  # a usage error, as any --width the command cannot measure
    assert result.stdout == ""
    assert r"Error: Invalid value for '--width': width '0.9\\textwidth' is a length of the host's" in result.stderr
    args = ["render", str(SEED), "--no-check", "--template", "snippet"]
    result = CliRunner().invoke(main, [*args, "--host", "memoir,12pt", "--width", r"0.8\linewidth"])
    assert result.exit_code == 0, result.output
    assert result.stdout == lstm_latex.render(trace, "snippet", host="memoir,12pt", width=r"0.8\linewidth")


@pytest.mark.parametrize(
    ("host", "says"),
    [
        ("letter", "no class 'letter' among the hosts: use one of article, report,"),
        ("article,9pt", "article at '9pt' is not among the hosts: use 10pt, 11pt, 12pt"),
        ("memoir,b5paper", "memoir on 'b5paper' is not among the hosts: use letterpaper, a4paper, a5paper"),
        ("tufte-handout,twocolumn", "tufte-handout has no twocolumn option"),
        ("article,\\relax", "host option '\\\\relax' is not a class option"),
        ("article," + "x" * 300, "more than 200"),
    ],
)
def test_a_bad_host_is_a_usage_error_saying_what_is_wrong(host: str, says: str) -> None:
    assert says in usage_error("--host", host)


def test_a_class_without_a_heading_level_is_refused_and_skipped() -> None:
    trace = lstm_latex.forward(lstm_latex.load(SEED))
    tufte = lstm_latex.render(trace, "snippet", host="tufte-handout")
    assert r"\subsubsection" not in tufte  # an error in Tufte's classes
    assert r"\subsection{Step \texorpdfstring{$t = 1$}{t = 1}}" in tufte
    assert r"\paragraph*{What torch returns}" in tufte  # the level below \subsection there
    with pytest.raises(lstm_latex.RenderError, match=r"tufte-handout has no \\subsubsection: use one of section,"):
        lstm_latex.render(trace, "snippet", host="tufte-handout", heading_level="subsubsection")
