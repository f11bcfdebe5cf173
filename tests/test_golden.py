"""Rendered output is reviewed as text: `make golden` rewrites tests/golden/, the diff shows what changed."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SAMPLES, SEED

import lstm_latex

GOLDEN = Path(__file__).parent / "golden"
CASES = {
    "seed.document.tex": (SEED, "document"),
    "seed.snippet.tex": (SEED, "snippet"),
    "gru.document.tex": (SAMPLES / "gru.json", "document"),
    "rnn_tanh.document.tex": (SAMPLES / "rnn_tanh.json", "document"),
    "rnn_relu.snippet.tex": (SAMPLES / "rnn_relu.json", "snippet"),
    "stacked_bidirectional_lstm.document.tex": (SAMPLES / "stacked_bidirectional_lstm.json", "document"),
    "seed.beamer.tex": (SEED, "beamer"),
    "seed.md": (SEED, "markdown"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_rendered_output_matches_the_golden_file(name: str, update_golden: bool) -> None:
    source, template = CASES[name]
    text = lstm_latex.render(lstm_latex.forward(lstm_latex.load(source)), template)
    golden = GOLDEN / name
    if update_golden:
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), f"no golden file {name}: run `make golden` and review it"
    assert text == golden.read_text(encoding="utf-8")
