"""The forward pass's machinery: W_hh read in blocks, and step records made from the trace's arrays."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
import torch

import lstm_latex
from lstm_latex.cells import common
from lstm_latex.check import TOLERANCE, cross_check
from lstm_latex.model import DirectionParams


def params_with(weight_hh: np.ndarray, bias_hh: np.ndarray | None) -> DirectionParams:
    return DirectionParams(0, False, np.zeros((weight_hh.shape[0], 1)), weight_hh, None, bias_hh, None)


@pytest.mark.parametrize(("block_bytes", "blocks"), [(1 << 20, 1), (4096, 5), (1, 5)])
@pytest.mark.parametrize("bias", [True, False])
def test_the_blocked_product_is_w_hh_h_plus_b_hh_at_every_call(
    block_bytes: int, blocks: int, bias: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(7)
    storage = rng.normal(size=(300 * 37 + 1,))
    weight = storage[1:].reshape(300, 37)  # a view that does not start on a cache line
    b = rng.normal(size=300) if bias else None
    # 1 MiB: one block; 4096 bytes: blocks of 64 rows (the least), the last one of 44 rows.
    monkeypatch.setattr(common, "BLOCK_BYTES", block_bytes)
    product = common.HiddenAffine(params_with(weight, b))
    assert product.blocks == blocks
    out = np.empty(300)
    for _ in range(3):  # the blocks are read forwards, backwards, forwards
        h = rng.normal(size=37)
        assert product(h, out) is out
        np.testing.assert_allclose(out, weight @ h + (0 if b is None else b), rtol=1e-14, atol=1e-14)


def test_empty_aligned_starts_on_a_cache_line() -> None:
    for shape in [(1,), (3, 5), (7, 3, 11)]:
        array = common.empty_aligned(shape)
        assert array.shape == shape
        assert array.dtype == np.float64
        assert array.ctypes.data % common.CACHE_LINE == 0
        assert array.flags.c_contiguous


def large_document(cell: str, hidden: int, bidirectional: bool) -> tuple[dict[str, Any], torch.nn.Module]:
    torch.manual_seed(hidden)
    options = {"num_layers": 2, "bidirectional": bidirectional}
    module: torch.nn.Module
    if cell == "lstm":
        module = torch.nn.LSTM(8, hidden, **options).double()
    elif cell == "gru":
        module = torch.nn.GRU(8, hidden, **options).double()
    else:
        module = torch.nn.RNN(8, hidden, nonlinearity="tanh", **options).double()
    x = np.random.default_rng(hidden).normal(size=(4, 8))
    state = {k: v.numpy() for k, v in module.state_dict().items()}
    return {"cell": cell, "state_dict": state, "x": x}, module


@pytest.mark.torch
@pytest.mark.parametrize(
    ("cell", "hidden", "bidirectional"),
    [("lstm", 512, False), ("gru", 300, True), ("rnn_tanh", 1100, True)],  # W_hh of 8, 2.2 and 9.7 MB
)
def test_layers_whose_w_hh_spans_many_blocks_agree_with_torch(cell: str, hidden: int, bidirectional: bool) -> None:
    document, module = large_document(cell, hidden, bidirectional)
    trace = lstm_latex.forward(lstm_latex.load(document))
    assert common.HiddenAffine(trace.directions[0].params).blocks > 1
    report = cross_check(trace)
    assert report.max_float64 <= TOLERANCE, report.differences
    with torch.no_grad():
        output = module(torch.from_numpy(document["x"]))[0].numpy()
    np.testing.assert_allclose(trace.output, output, rtol=0, atol=TOLERANCE)
    # Every gate's hidden affine part, read from the blocks in either order, is W_hh h_{t-1} + b_hh.
    for direction in trace.directions:
        params = direction.params
        assert params.bias_hh is not None
        for step in direction.steps:
            hidden_affine = np.concatenate([gate.hidden_affine for gate in step.gates])
            np.testing.assert_allclose(hidden_affine, params.weight_hh @ step.h_prev + params.bias_hh, atol=1e-12)


def test_step_records_are_a_sequence_in_the_order_the_steps_ran() -> None:
    document, _ = large_document("lstm", 3, bidirectional=True)
    document["x"] = np.random.default_rng(0).normal(size=(5, 8))
    trace = lstm_latex.forward(lstm_latex.load(document))
    forward, reverse = trace.directions[:2]
    assert [s.t for s in forward.steps] == [1, 2, 3, 4, 5]
    assert [s.t for s in reverse.steps] == [5, 4, 3, 2, 1]
    assert repr(reverse.steps) == "<5 LSTM steps, t = 5 to 1>"
    assert len(reverse.steps) == 5
    assert reverse.steps[-1].t == 1
    assert reverse.steps[-5].t == 5
    assert [s.t for s in reverse.steps[1:4]] == [4, 3, 2]
    assert [s.t for s in reverse.steps[::-2]] == [1, 3, 5]
    with pytest.raises(IndexError):
        reverse.steps[5]
    with pytest.raises(IndexError):
        reverse.steps[-6]
    for direction in (forward, reverse):
        steps = list(direction.steps)
        np.testing.assert_array_equal(steps[0].h_prev, trace.example.inputs.h0[int(direction.params.reverse)])
        for before, after in itertools.pairwise(steps):
            np.testing.assert_array_equal(after.h_prev, before.h)
            np.testing.assert_array_equal(after.c_prev, before.c)  # type: ignore[attr-defined]
        # A record read twice holds the same values; each step's h is the output at its t.
        for k, step in enumerate(steps):
            np.testing.assert_array_equal(direction.steps[k].h, step.h)
            np.testing.assert_array_equal(direction.output[step.t - 1], step.h)
