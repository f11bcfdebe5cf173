"""Every template compiles with real pdflatex, with no error and no overfull box."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SAMPLES, SEED

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


def test_the_seed_document_compiles_and_fits_the_page(latex) -> None:  # type: ignore[no-untyped-def]
    run = latex(lstm_latex.render(lstm_latex.forward(lstm_latex.load(SEED))))
    assert run.overfull == []
    assert "Values are rounded" in run.text or "rounded to 4 decimal places" in run.text


def test_the_snippet_compiles_inside_a_plain_article(latex, tmp_path) -> None:  # type: ignore[no-untyped-def]
    snippet = lstm_latex.render(lstm_latex.forward(lstm_latex.load(SEED)), "snippet")
    (tmp_path / "derivation.tex").write_text(snippet, encoding="utf-8")
    run = latex(PLAIN_ARTICLE, name="notes")
    assert "Some lecture notes" in run.text
    assert "And after it." in run.text
    assert "0.5284" in run.text


def test_the_snippet_says_what_it_needs() -> None:
    snippet = lstm_latex.render(lstm_latex.forward(lstm_latex.load(SEED)), "snippet")
    header = snippet.splitlines()[:5]
    assert any(r"\usepackage{amsmath,amssymb,mathtools}" in line for line in header)
    assert any(r"\usepackage{xcolor}" in line for line in header)


@pytest.mark.latex
@pytest.mark.parametrize("sample", sorted(p.name for p in SAMPLES.glob("*.json")))
def test_every_sample_compiles_as_a_document_and_as_a_snippet(latex, tmp_path, sample: str) -> None:  # type: ignore[no-untyped-def]
    trace = lstm_latex.forward(lstm_latex.load(SAMPLES / sample))
    document = latex(lstm_latex.render(trace), name="document")
    assert document.overfull == []
    (tmp_path / "derivation.tex").write_text(lstm_latex.render(trace, "snippet"), encoding="utf-8")
    notes = latex(PLAIN_ARTICLE, name="notes")
    assert notes.overfull == []
    # The last layer's final h_t is printed in the results, as the compiled text shows it.
    last = f"{trace.output[-1, 0]:.4f}"
    assert last in document.text
    assert last in notes.text


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
