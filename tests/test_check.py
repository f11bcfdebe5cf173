"""The torch cross-check itself: it agrees where the trace is right and notices where it is not."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from conftest import SEED
from hypothesis import given, settings
from hypothesis import strategies as st

import lstm_latex
from lstm_latex.check import TOLERANCE, cross_check


def random_lstm(seed: int, layers: int, bidirectional: bool, proj_size: int, bias: bool) -> lstm_latex.Example:
    torch.manual_seed(seed)
    module = torch.nn.LSTM(3, 5, layers, bias=bias, bidirectional=bidirectional, proj_size=proj_size)
    rng = np.random.default_rng(seed)
    states = layers * (2 if bidirectional else 1)
    document = {
        "state_dict": {k: v.double().numpy() for k, v in module.state_dict().items()},
        "x": rng.normal(size=(4, 3)),
        "h0": rng.normal(size=(states, proj_size or 5)),
        "c0": rng.normal(size=(states, 5)),
    }
    return lstm_latex.load(document)


def test_the_seed_agrees_with_torch_in_float64() -> None:
    report = cross_check(lstm_latex.forward(lstm_latex.load(SEED)))
    assert report.agrees
    assert report.max_float64 <= TOLERANCE
    assert 0 < report.max_float32 < 1e-6  # float32 rounding shows, and is small
    assert [d.quantity for d in report.differences] == [
        "output", "h_n", "c_n", "h_t (layer 0, forward)", "c_t (layer 0, forward)",
    ]  # fmt: skip
    assert report.torch_version == torch.__version__


@pytest.mark.parametrize("layers", [1, 3])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("proj_size", [0, 2])
@pytest.mark.parametrize("bias", [True, False])
def test_every_lstm_variant_agrees_with_torch(layers: int, bidirectional: bool, proj_size: int, bias: bool) -> None:
    trace = lstm_latex.forward(random_lstm(layers * 7 + proj_size, layers, bidirectional, proj_size, bias))
    report = cross_check(trace)
    assert report.max_float64 <= TOLERANCE, report.differences
    assert len(report.differences) == 3 + 2 * layers * (2 if bidirectional else 1)


def test_a_wrong_trace_is_caught_with_both_values() -> None:
    trace = lstm_latex.forward(lstm_latex.load(SEED))
    output = trace.output.copy()
    output[0, 2] += 1e-6
    report = cross_check(dataclasses.replace(trace, output=output))
    assert not report.agrees
    (bad,) = [d for d in report.differences if d.float64 > TOLERANCE]
    assert bad.quantity == "output"
    assert bad.trace_value == output[0, 2]
    assert bad.torch_value == pytest.approx(output[0, 2] - 1e-6, abs=1e-12)


@settings(max_examples=30, deadline=None)
@given(
    input_size=st.integers(1, 4),
    hidden_size=st.integers(1, 5),
    steps=st.integers(1, 4),
    layers=st.integers(1, 2),
    bidirectional=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_random_sizes_agree_with_torch(
    input_size: int, hidden_size: int, steps: int, layers: int, bidirectional: bool, seed: int
) -> None:
    torch.manual_seed(seed)
    module = torch.nn.LSTM(input_size, hidden_size, layers, bidirectional=bidirectional)
    rng = np.random.default_rng(seed)
    states = layers * (2 if bidirectional else 1)
    document = {
        "state_dict": {k: v.double().numpy() for k, v in module.state_dict().items()},
        "x": rng.normal(size=(steps, input_size)),
        "h0": rng.normal(size=(states, hidden_size)),
        "c0": rng.normal(size=(states, hidden_size)),
    }
    trace = lstm_latex.forward(lstm_latex.load(document))
    report = cross_check(trace)
    assert report.max_float64 <= TOLERANCE, report.differences
    assert 0 < report.max_float32 < 1e-5
    # and against the module itself, not only against the one cross_check builds from the trace's parameters
    tensors = [torch.from_numpy(document[key]) for key in ("x", "h0", "c0")]
    with torch.no_grad():
        output, (h_n, c_n) = module.double()(tensors[0], (tensors[1], tensors[2]))
    np.testing.assert_allclose(trace.output, output.numpy(), rtol=0, atol=TOLERANCE)
    np.testing.assert_allclose(trace.h_n, h_n.numpy(), rtol=0, atol=TOLERANCE)
    np.testing.assert_allclose(trace.c_n, c_n.numpy(), rtol=0, atol=TOLERANCE)  # type: ignore[arg-type]


def test_the_report_is_a_table_and_a_mismatch_names_both_values() -> None:
    trace = lstm_latex.forward(lstm_latex.load(SEED))
    report = cross_check(trace)
    lines = report.table().splitlines()
    assert lines[0].split() == ["quantity", "float64", "float32"]
    assert lines[1].split()[0] == "output"
    assert float(lines[1].split()[1]) == pytest.approx(report.differences[0].float64, rel=0.01)
    assert lines[-1] == f"torch {torch.__version__} agrees in float64 (tolerance 1e-10 + 1e-12·|value|)"
    report.require_agreement()  # no error
    h_n = trace.h_n.copy()
    h_n[0, 3] = 0.5
    bad = cross_check(dataclasses.replace(trace, h_n=h_n))
    assert bad.table().splitlines()[-1].endswith("DISAGREES in float64 (tolerance 1e-10 + 1e-12·|value|)")
    with pytest.raises(lstm_latex.CheckError) as error:
        bad.require_agreement()
    assert str(error.value).startswith(
        f"the NumPy trace disagrees with torch {torch.__version__} in float64: h_n[0][3] is 0.5 here and 0.0715026"
    )
