"""The snippet fits every text width a user may have: rendered at --width W and set in a column
exactly W wide, no line, matrix or table is wider, from 155pt (the narrowest --width takes) to 2000pt."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from conftest import SAMPLES, LatexRun

import lstm_latex
from lstm_latex.latex import NumberFormat

# Every 6pt over the widths people have (a two-column paper's 221pt to an 11pt report's 390pt,
# and beyond), and a few from the narrowest --width takes to the widest.
WIDTHS = [*range(200, 451, 6), 155, 160, 175, 190, 500, 600, 800, 1100, 1500, 2000]


def sweep(derivation: lstm_latex.Derivation, widths: list[int]) -> str:
    """One document holding the snippet rendered at each width, each on pages of its own in a
    column that wide: the paragraphs and displays of a group whose \\hsize is W are set W wide, as
    in a host whose text is W wide (\\linewidth, \\columnwidth and \\textwidth say so too)."""
    inputs = "\n".join(
        rf"\clearpage\typeout{{WIDTH {width}}}\begingroup"
        rf"\hsize={width}pt \linewidth=\hsize \columnwidth=\hsize \textwidth=\hsize"
        rf"\input{{w{width}}}\par\endgroup"
        for width in widths
    )
    return rf"""\documentclass{{article}}
\usepackage[paperwidth=2100pt,paperheight=800pt,textwidth=2000pt,textheight=700pt]{{geometry}}
\usepackage{{amsmath,amssymb,mathtools}}
\usepackage{{xcolor}}
\begin{{document}}
{inputs}
\clearpage
\end{{document}}
"""


def overfull_by_width(run: LatexRun) -> dict[int, list[str]]:
    """The overfull boxes of a sweep's log, by the width whose pages they are on."""
    found: dict[int, list[str]] = {}
    width = 0
    for line in run.log.splitlines():
        marker = re.match(r"WIDTH (\d+)$", line)
        if marker:
            width = int(marker[1])
        elif line.startswith("Overfull"):
            found.setdefault(width, []).append(line)
    return found


# The backward sample (an LSTM(2, 4), as the seed, over T = 2 with a target): its first step
# forward and backward, whose chains back are the longest (they add step 2's terms), its results,
# loss and sums, in two documents, every other width each: two workers compile them at once.
BACKWARD = SAMPLES / "lstm_backward.json"


@pytest.mark.parametrize(
    ("sample", "widths"),
    [
        (BACKWARD, WIDTHS[0::2]),
        (BACKWARD, WIDTHS[1::2]),
        # a layer's input of six (both directions below) in two columns: W_ig starts below "= tanh("
        (SAMPLES / "stacked_bidirectional_lstm.json", [218, 224, 226, 228, 230, 236]),
    ],
    ids=["backward-1", "backward-2", "stacked-two-columns"],
)
def test_the_snippet_fits_every_width(latex, tmp_path: Path, sample: Path, widths: list[int]) -> None:  # type: ignore[no-untyped-def]
    # with the check on when torch is installed, as the command renders: its sentence is on the page;
    # the first step of each layer and direction (a later step is laid out as the first)
    derivation = lstm_latex.derive(lstm_latex.load(sample), check=None)
    shown = lstm_latex.Selection.parse(steps="1")
    for width in widths:
        text = lstm_latex.render(derivation, "snippet", width=f"{width}pt", selection=shown)
        (tmp_path / f"w{width}.tex").write_text(text, encoding="utf-8")
    run = latex(sweep(derivation, widths), name="sweep")
    assert run.log.count("WIDTH") == len(widths)
    assert overfull_by_width(run) == {}


def test_a_matrix_is_as_wide_as_its_layout_says(latex) -> None:  # type: ignore[no-untyped-def]
    # TeX's \wd of each matrix in a 10pt display, against NumberFormat.layout's width (a digit 5pt):
    # rows 1 to 8, columns 1 to 9, signs, points, dots of elided rows and columns, a power of ten
    rng = np.random.default_rng(7)
    matrices = []
    for rows, columns in [(1, 1), (2, 1), (4, 1), (8, 1), (1, 4), (2, 2), (3, 5), (4, 4), (9, 9), (20, 3)]:
        for scale in (1.0, -1.0, 1e-5, -300.0):
            values = scale * rng.uniform(-0.1 if scale > 0 else -1, 1, (rows, columns))
            for numbers in (NumberFormat(), NumberFormat(max_size=3), NumberFormat(precision=2)):
                matrices.append(numbers.layout(values[:, 0] if columns == 1 else values))
    boxes = "\n".join(rf"\setbox0\hbox{{$\displaystyle {text}$}}\typeout{{WD \the\wd0}}" for text, _ in matrices)
    run = latex(
        "\\documentclass{article}\\usepackage{amsmath,mathtools}\\setcounter{MaxMatrixCols}{20}"
        f"\\begin{{document}}\n{boxes}\n\\end{{document}}\n"
    )
    measured = [float(points) / 5 for points in re.findall(r"^WD ([\d.]+)pt$", run.log, flags=re.MULTILINE)]
    assert len(measured) == len(matrices)
    for (text, width), real in zip(matrices, measured, strict=True):
        assert real - 0.01 <= width <= real + 0.01, text  # never narrower than it prints, nor wider
