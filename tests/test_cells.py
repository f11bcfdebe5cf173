"""Every cell type, stacked and bidirectional, with and without bias or projection, against torch."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from conftest import SAMPLES

import lstm_latex
from lstm_latex.check import TOLERANCE, cross_check
from lstm_latex.model import Array
from lstm_latex.serialize import trace_to_dict

pytest.importorskip("torch")
import torch

pytestmark = pytest.mark.torch

CELL_TYPES = ["lstm", "gru", "rnn_tanh", "rnn_relu"]


def torch_module(cell: str, input_size: int, hidden: int, layers: int, bidirectional: bool, proj: int, bias: bool):  # type: ignore[no-untyped-def]
    options: dict[str, Any] = {"num_layers": layers, "bias": bias, "bidirectional": bidirectional}
    if cell == "lstm":
        return torch.nn.LSTM(input_size, hidden, proj_size=proj, **options).double()
    if cell == "gru":
        return torch.nn.GRU(input_size, hidden, **options).double()
    return torch.nn.RNN(input_size, hidden, nonlinearity=cell.removeprefix("rnn_"), **options).double()


def configurations() -> list[tuple[str, int, bool, int, bool, int]]:
    """A seeded grid: every cell, layer count, direction count and bias, and projections for the LSTM,
    with sizes and sequence lengths drawn at random."""
    rng = np.random.default_rng(2024)
    grid = []
    for cell in CELL_TYPES:
        for layers in (1, 2, 3):
            for bidirectional in (False, True):
                for bias in (True, False):
                    for proj in (0, 1) if cell == "lstm" else (0,):
                        grid.append((cell, layers, bidirectional, int(proj), bias, int(rng.integers(1 << 30))))
    return grid


@pytest.mark.parametrize(("cell", "layers", "bidirectional", "projected", "bias", "seed"), configurations())
def test_every_variant_agrees_with_torch(
    cell: str, layers: int, bidirectional: bool, projected: int, bias: bool, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    input_size, hidden, steps = (int(n) for n in rng.integers(1, 5, size=3))
    proj = int(rng.integers(1, hidden)) if projected and hidden > 1 else 0  # torch: proj_size < hidden_size
    torch.manual_seed(seed)
    module = torch_module(cell, input_size, hidden, layers, bidirectional, proj, bias)
    states = layers * (2 if bidirectional else 1)
    document: dict[str, Any] = {
        "cell": cell,
        "state_dict": {k: v.numpy() for k, v in module.state_dict().items()},
        "x": rng.normal(size=(steps, input_size)),
        "h0": rng.normal(size=(states, proj or hidden)),
    }
    if cell == "lstm":
        document["c0"] = rng.normal(size=(states, hidden))
    trace = lstm_latex.forward(lstm_latex.load(document))

    report = cross_check(trace)
    assert report.max_float64 <= TOLERANCE, report.differences
    assert len(report.differences) == (3 if cell == "lstm" else 2) + (2 if cell == "lstm" else 1) * states

    # The trace JSON holds torch's values in torch's shapes for an unbatched input.
    x = torch.from_numpy(document["x"])
    h0 = torch.from_numpy(document["h0"])
    with torch.no_grad():
        if cell == "lstm":
            output, (h_n, c_n) = module(x, (h0, torch.from_numpy(document["c0"])))
        else:
            output, h_n = module(x, h0)
    traced = json.loads(json.dumps(trace_to_dict(trace)))
    assert (
        np.array(traced["output"]).shape
        == tuple(output.shape)
        == (steps, (2 if bidirectional else 1) * (proj or hidden))
    )
    assert np.array(traced["h_n"]).shape == tuple(h_n.shape) == (states, proj or hidden)
    np.testing.assert_allclose(traced["output"], output.numpy(), rtol=0, atol=TOLERANCE)
    np.testing.assert_allclose(traced["h_n"], h_n.numpy(), rtol=0, atol=TOLERANCE)
    if cell == "lstm":
        assert np.array(traced["c_n"]).shape == tuple(c_n.shape) == (states, hidden)
        np.testing.assert_allclose(traced["c_n"], c_n.numpy(), rtol=0, atol=TOLERANCE)
    else:
        assert "c_n" not in traced
    assert [(e["layer"], e["direction"]) for e in traced["layers"]] == [
        (layer, direction) for layer in range(layers) for direction in ("forward", "reverse")[: 1 + bidirectional]
    ]
    for entry in traced["layers"]:
        ts = [s["t"] for s in entry["steps"]]
        assert ts == (list(range(steps, 0, -1)) if entry["direction"] == "reverse" else list(range(1, steps + 1)))


def test_a_gru_step_matches_torchs_documented_equations() -> None:
    """Recompute one GRU step by hand from torch's weights and its documentation's equations."""
    torch.manual_seed(3)
    module = torch.nn.GRU(2, 3).double()
    x, h0 = np.array([[0.5, -1.0]]), np.array([[0.2, -0.3, 0.4]])
    trace = lstm_latex.forward(
        lstm_latex.load(
            {"cell": "gru", "state_dict": {k: v.numpy() for k, v in module.state_dict().items()}, "x": x, "h0": h0}
        )
    )
    (step,) = trace.of(lstm_latex.GruStep).directions[0].steps
    state = {key: value.numpy() for key, value in module.state_dict().items()}
    w_ih, w_hh, b_ih, b_hh = (state[key] for key in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"))
    (w_ir, w_iz, w_in), (w_hr, w_hz, w_hn) = np.split(w_ih, 3), np.split(w_hh, 3)
    (b_ir, b_iz, b_in), (b_hr, b_hz, b_hn) = np.split(b_ih, 3), np.split(b_hh, 3)
    h = h0[0]

    def sigmoid(v: Array) -> Array:
        return 1 / (1 + np.exp(-v))

    r = sigmoid(w_ir @ x[0] + b_ir + w_hr @ h + b_hr)
    z = sigmoid(w_iz @ x[0] + b_iz + w_hz @ h + b_hz)
    n = np.tanh(w_in @ x[0] + b_in + r * (w_hn @ h + b_hn))
    expected = (1 - z) * n + z * h
    np.testing.assert_allclose(step.r.activation, r, atol=1e-14)
    np.testing.assert_allclose(step.z.activation, z, atol=1e-14)
    np.testing.assert_allclose(step.n.hidden_affine, w_hn @ h + b_hn, atol=1e-14)
    np.testing.assert_allclose(step.reset_hidden, r * (w_hn @ h + b_hn), atol=1e-14)
    np.testing.assert_allclose(step.n.preactivation, w_in @ x[0] + b_in + r * (w_hn @ h + b_hn), atol=1e-14)
    np.testing.assert_allclose(step.n.activation, n, atol=1e-14)
    np.testing.assert_allclose(step.one_minus_z, 1 - z, atol=1e-14)
    np.testing.assert_allclose(step.new_term, (1 - z) * n, atol=1e-14)
    np.testing.assert_allclose(step.keep_term, z * h, atol=1e-14)
    np.testing.assert_allclose(step.h, expected, atol=1e-14)
    with torch.no_grad():
        _, h_n = module(torch.from_numpy(x), torch.from_numpy(h0))
    np.testing.assert_allclose(step.h, h_n.numpy()[0], atol=1e-14)


def test_relu_rnn_clips_at_zero_and_keeps_the_preactivation() -> None:
    document = json.loads((SAMPLES / "rnn_relu.json").read_text())
    trace = lstm_latex.forward(lstm_latex.load(SAMPLES / "rnn_relu.json")).of(lstm_latex.RnnStep)
    (step, _) = trace.directions[0].steps
    w, u = np.array(document["state_dict"]["weight_ih_l0"]), np.array(document["state_dict"]["weight_hh_l0"])
    b = np.array(document["state_dict"]["bias_ih_l0"]) + np.array(document["state_dict"]["bias_hh_l0"])
    preactivation = w @ document["x"][0] + u @ document["h0"][0] + b
    np.testing.assert_allclose(step.affine.preactivation, preactivation, atol=1e-15)
    np.testing.assert_array_equal(step.h, np.maximum(step.affine.preactivation, 0))
    assert (preactivation < 0).any()  # the sample shows the clipping


@pytest.mark.parametrize("cell", ["gru", "rnn_tanh", "rnn_relu"])
def test_cell_module_key_names_load_as_one_layer(cell: str) -> None:
    torch.manual_seed(5)
    if cell == "gru":
        module: torch.nn.Module = torch.nn.GRUCell(3, 2).double()
    else:
        module = torch.nn.RNNCell(3, 2, nonlinearity=cell.removeprefix("rnn_")).double()
    state = {k: v.numpy() for k, v in module.state_dict().items()}
    assert sorted(state) == ["bias_hh", "bias_ih", "weight_hh", "weight_ih"]
    x = np.array([[0.3, -0.2, 0.9]])
    trace = lstm_latex.forward(lstm_latex.load({"cell": cell, "state_dict": state, "x": x}))
    assert trace.example.network.num_layers == 1
    with torch.no_grad():
        expected = module(torch.from_numpy(x[0]), torch.zeros(2, dtype=torch.float64)).numpy()
    np.testing.assert_allclose(trace.h_n[0], expected, atol=1e-14)
