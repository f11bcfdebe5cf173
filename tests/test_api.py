"""The public API as the README shows it, type-checked with the tests (mypy --strict)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SAMPLES, SEED

import lstm_latex


def test_the_readme_example_is_typed_down_to_a_gate() -> None:
    example = lstm_latex.load(SEED)
    trace = lstm_latex.forward(example).of(lstm_latex.LstmStep)
    activation = trace.directions[0].steps[0].i.activation  # mypy knows: an LstmStep's input gate
    assert activation.shape == (4,)
    assert ((activation > 0) & (activation < 1)).all()


def test_a_trace_of_another_cell_is_refused_by_of() -> None:
    trace = lstm_latex.forward(lstm_latex.load(SAMPLES / "gru.json"))
    with pytest.raises(TypeError, match="the trace holds GruStep records, not LstmStep"):
        trace.of(lstm_latex.LstmStep)
    step = trace.of(lstm_latex.GruStep).directions[0].steps[0]
    np.testing.assert_array_equal(step.h, step.new_term + step.keep_term)


def test_records_are_frozen() -> None:
    step = lstm_latex.forward(lstm_latex.load(SEED)).of(lstm_latex.LstmStep).directions[0].steps[0]
    with pytest.raises(AttributeError):
        step.h = np.zeros(4)  # type: ignore[misc]


def test_derive_runs_every_pass_and_render_prints_it_unchanged() -> None:
    example = lstm_latex.load(SAMPLES / "lstm_backward.json")
    derivation = lstm_latex.derive(example, hand=2)
    assert derivation.hand is not None
    assert derivation.check is None
    assert derivation.trace is derivation.hand.trace
    assert derivation.gradients is derivation.hand.gradients
    worked = lstm_latex.hand_pass(example, 2)
    assert lstm_latex.render(derivation, "snippet") == lstm_latex.render(worked.trace, "snippet", hand=worked)


def test_a_derivation_is_rendered_with_its_own_passes_only() -> None:
    derivation = lstm_latex.derive(lstm_latex.load(SAMPLES / "lstm_backward.json"))
    with pytest.raises(lstm_latex.RenderError, match="a Derivation holds its own"):
        lstm_latex.render(derivation, gradients=derivation.gradients)
