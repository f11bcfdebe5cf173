"""The notebook's numbers (torch 2.4, float32): the first golden test of the whole pipeline."""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import SEED

import lstm_latex

INPUT_AFFINE = {
    "i": [0.293, 0.107, 0.464, -0.317],
    "f": [-0.21, -0.35, -0.245, -0.212],
    "g": [-0.398, 0.095, 0.304, 0.129],
    "o": [0.272, -0.414, 0.112, -0.012],
}
HIDDEN_AFFINE = {
    "i": [-0.1792, -0.1739, -0.2158, 0.5111],
    "f": [-0.2676, -0.2717, -0.2245, -0.6617],
    "g": [0.032, 0.0187, 0.1448, -0.1486],
    "o": [-0.3265, -0.1123, 0.2516, 0.2659],
}
ACTIVATION = {
    "i": [0.52841933, 0.48328124, 0.56173341, 0.54837322],
    "f": [0.38281901, 0.34939491, 0.3847346, 0.29448499],
    "g": [-0.350488, 0.11321255, 0.42091212, -0.0195975],
    "o": [0.48637837, 0.37138027, 0.58991161, 0.56313619],
}
C = [-0.36512957, 0.16651987, -0.05595789, 0.1276612]
H = [-0.17009832, 0.06127686, -0.0329758, 0.07150263]


def golden_vectors() -> list[list[float]]:
    return [*INPUT_AFFINE.values(), *HIDDEN_AFFINE.values(), *ACTIVATION.values(), C, H]


@pytest.fixture(scope="module")
def step():  # type: ignore[no-untyped-def]
    trace = lstm_latex.forward(lstm_latex.load(SEED))
    (direction,) = trace.directions
    (only,) = direction.steps
    return only


@pytest.mark.parametrize("gate", "ifgo")
def test_gates_match_the_notebook(step, gate: str) -> None:  # type: ignore[no-untyped-def]
    record = getattr(step, gate)
    np.testing.assert_allclose(record.input_affine, INPUT_AFFINE[gate], atol=1e-6)
    np.testing.assert_allclose(record.hidden_affine, HIDDEN_AFFINE[gate], atol=1e-6)
    np.testing.assert_allclose(record.preactivation, np.add(INPUT_AFFINE[gate], HIDDEN_AFFINE[gate]), atol=1e-6)
    np.testing.assert_allclose(record.activation, ACTIVATION[gate], atol=1e-6)


def test_states_match_the_notebook(step) -> None:  # type: ignore[no-untyped-def]
    np.testing.assert_allclose(step.c, C, atol=1e-6)
    np.testing.assert_allclose(step.h, H, atol=1e-6)
    np.testing.assert_allclose(step.tanh_c, np.tanh(C), atol=1e-6)
    np.testing.assert_allclose(step.forget_term + step.input_term, step.c, atol=1e-15)


def test_results_have_torchs_unbatched_shapes() -> None:
    trace = lstm_latex.forward(lstm_latex.load(SEED))
    assert trace.output.shape == (1, 4)
    assert trace.h_n.shape == (1, 4)
    assert trace.c_n is not None
    assert trace.c_n.shape == (1, 4)
    np.testing.assert_allclose(trace.output[0], H, atol=1e-6)
    np.testing.assert_allclose(trace.c_n[0], C, atol=1e-6)


def test_compiled_pdf_shows_every_golden_number(latex) -> None:  # type: ignore[no-untyped-def]
    run = latex(lstm_latex.render(lstm_latex.forward(lstm_latex.load(SEED))))
    assert run.overfull == []
    words = set(re.findall(r"-?\d+\.\d+", run.text))
    missing = [f"{v:.4f}" for vector in golden_vectors() for v in vector if f"{v:.4f}" not in words]
    assert missing == []
