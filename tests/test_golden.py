"""Rendered output is reviewed as text: `make golden` rewrites tests/golden/, the diff shows what changed."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import SAMPLES, SEED

import lstm_latex
from lstm_latex.generate import NetworkSpec, new_network
from lstm_latex.output_formats import OutputFormat
from lstm_latex.worksheet import Worksheet, given_variant, make_worksheet

GOLDEN = Path(__file__).parent / "golden"
BACKWARD = SAMPLES / "lstm_backward.json"


def rendered(source: Path | dict[str, object], template: str) -> Callable[[], str]:
    return lambda: lstm_latex.render(lstm_latex.forward(lstm_latex.load(source)), template)


def by_hand(source: Path, template: str, decimals: int) -> Callable[[], str]:
    def text() -> str:
        worked = lstm_latex.hand_pass(lstm_latex.load(source), decimals)
        return lstm_latex.render(worked.trace, template, hand=worked)

    return text


def drawn(seed: int, **spec: Any) -> dict[str, object]:
    """A network with a target drawn from ``seed`` as `lstm-latex new --target` draws it."""
    document: dict[str, object] = json.loads(new_network(NetworkSpec(target=True, **spec), seed))
    return document


def rendered_at(source: Path, template: str, width: str) -> Callable[[], str]:
    return lambda: lstm_latex.render(lstm_latex.forward(lstm_latex.load(source)), template, width=width)


def worksheet(source: Path, output_format: OutputFormat, part: Callable[[Worksheet], str]) -> Callable[[], str]:
    return lambda: part(make_worksheet([given_variant(lstm_latex.load(source))], output_format=output_format))


CASES: dict[str, Callable[[], str]] = {
    "seed.document.tex": rendered(SEED, "document"),
    "seed.snippet.tex": rendered(SEED, "snippet"),
    "gru.document.tex": rendered(SAMPLES / "gru.json", "document"),
    "rnn_tanh.document.tex": rendered(SAMPLES / "rnn_tanh.json", "document"),
    "rnn_relu.snippet.tex": rendered(SAMPLES / "rnn_relu.json", "snippet"),
    "stacked_bidirectional_lstm.document.tex": rendered(SAMPLES / "stacked_bidirectional_lstm.json", "document"),
    "seed.beamer.tex": rendered(SEED, "beamer"),
    "seed.md": rendered(SEED, "markdown"),
    # the backward pass, in each format
    "lstm_backward.document.tex": rendered(BACKWARD, "document"),
    "lstm_backward.beamer.tex": rendered(BACKWARD, "beamer"),
    "lstm_backward.md": rendered(BACKWARD, "markdown"),
    # hand arithmetic: every number rounded as it is worked, forward and backward
    "seed.hand.document.tex": by_hand(SEED, "document", 2),
    "lstm_backward.hand.snippet.tex": by_hand(BACKWARD, "snippet", 3),
    # the backward pass of each cell, of a projection, a stacked bidirectional network and a narrow page
    "projected_lstm_backward.snippet.tex": rendered(drawn(7, hidden_size=3, proj_size=2, lr=0.5), "snippet"),
    "gru_backward.document.tex": rendered(drawn(3, cell="gru", lr=0.25), "document"),
    "gru_backward.md": rendered(drawn(3, cell="gru"), "markdown"),
    "rnn_relu_backward.snippet.tex": rendered(drawn(5, cell="rnn_relu", loss="sse"), "snippet"),
    "stacked_bidirectional_backward.document.tex": rendered(
        drawn(11, layers=2, bidirectional=True, seq_len=3, loss="mse"), "document"
    ),
    "lstm_backward.twocolumn.snippet.tex": rendered_at(BACKWARD, "snippet", "twocolumn"),
    # a worksheet: the sheet and its key, and the key in Markdown
    "lstm_backward.worksheet.sheet.tex": worksheet(BACKWARD, "latex", lambda made: made.sheet),
    "lstm_backward.worksheet.key.tex": worksheet(BACKWARD, "latex", lambda made: made.key),
    "lstm_backward.worksheet.key.md": worksheet(BACKWARD, "markdown", lambda made: made.key),
    "gru.worksheet.sheet.md": worksheet(SAMPLES / "gru.json", "markdown", lambda made: made.sheet),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_rendered_output_matches_the_golden_file(name: str, update_golden: bool) -> None:
    text = CASES[name]()
    golden = GOLDEN / name
    if update_golden:
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), f"no golden file {name}: run `make golden` and review it"
    assert text == golden.read_text(encoding="utf-8")
