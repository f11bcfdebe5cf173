"""The backward pass against torch autograd: every gradient, for every kind of network and loss."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from conftest import SEED
from hypothesis import given
from hypothesis import strategies as st
from test_properties import FAST, valid_documents

import lstm_latex
from lstm_latex.backprop import Gradients, backward
from lstm_latex.model import LOSSES

pytest.importorskip("torch")
import torch

pytestmark = pytest.mark.torch

ABSOLUTE, RELATIVE = 1e-10, 1e-12  # float64 against float64: only summation order differs


def with_loss(document: dict[str, Any], kind: str, seed: int, lr: float | None = None) -> lstm_latex.Example:
    """The document with a random target (or grad_output) of the output's shape, loaded as a file would be."""
    network = lstm_latex.load(document).network
    shape = (
        np.asarray(document["x"]).reshape(-1, network.input_size).shape[0],
        network.num_directions * network.output_size,
    )
    values = np.random.default_rng(seed).normal(size=shape).tolist()
    loss = {"grad_output": values} if kind == "grad_output" else {"target": values, "loss": kind}
    return lstm_latex.load({**document, **loss, **({} if lr is None else {"lr": lr})})


def autograd(example: lstm_latex.Example) -> dict[str, Any]:
    """torch's loss and .grad of every parameter and input, from the same network as one module."""
    network, inputs = example.network, example.inputs
    assert inputs.loss is not None
    cell = lstm_latex.cells.CELLS[network.cell]
    options: dict[str, Any] = {"num_layers": network.num_layers, "bias": network.bias}
    options |= {"bidirectional": network.bidirectional, **cell.torch_options}
    if cell.has_projection:
        options["proj_size"] = network.proj_size
    module = getattr(torch.nn, cell.torch_class)(network.input_size, network.hidden_size, **options).double()
    module.load_state_dict({k: torch.from_numpy(v) for k, v in network.state_dict().items()})
    x, h0 = (torch.tensor(a, requires_grad=True) for a in (inputs.x, inputs.h0))
    c0 = None if inputs.c0 is None else torch.tensor(inputs.c0, requires_grad=True)
    output = module(x, h0 if c0 is None else (h0, c0))[0]
    loss = inputs.loss
    if loss.grad_output is not None:
        value = (torch.from_numpy(loss.grad_output) * output).sum()
    else:
        assert loss.target is not None
        squares = (output - torch.from_numpy(loss.target)) ** 2
        value = {"half_sse": 0.5 * squares.sum(), "sse": squares.sum(), "mse": squares.mean()}[loss.kind]
    torch.autograd.backward(value)
    grads = {name: p.grad.numpy() for name, p in module.named_parameters() if p.grad is not None}
    grads |= {"x": x.grad, "h0": h0.grad} | ({} if c0 is None else {"c0": c0.grad})
    return {"loss": value.item(), **{k: np.asarray(v) for k, v in grads.items()}}


def assert_agrees(gradients: Gradients, expected: dict[str, Any]) -> None:
    assert gradients.value == pytest.approx(expected["loss"], rel=1e-12, abs=1e-12)
    ours = gradients.state_dict() | {"x": gradients.x, "h0": gradients.h0}
    if gradients.c0 is not None:
        ours["c0"] = gradients.c0
    assert sorted(ours) == sorted(k for k in expected if k != "loss")
    for name, value in ours.items():
        np.testing.assert_allclose(value, expected[name], rtol=RELATIVE, atol=ABSOLUTE, err_msg=name)


@pytest.mark.parametrize("kind", [*LOSSES, "grad_output"])
@pytest.mark.parametrize(
    ("cell", "layers", "bidirectional", "proj_size", "bias"),
    [
        ("lstm", 1, False, 0, True),
        ("lstm", 2, True, 2, True),
        ("lstm", 2, False, 0, False),
        ("gru", 1, False, 0, True),
        ("gru", 2, True, 0, False),
        ("rnn_tanh", 2, True, 0, True),
        ("rnn_relu", 1, False, 0, True),
        ("rnn_relu", 2, True, 0, False),
    ],
)
def test_every_gradient_agrees_with_autograd(
    kind: str, cell: str, layers: int, bidirectional: bool, proj_size: int, bias: bool
) -> None:
    torch.manual_seed(layers * 10 + proj_size)
    kinds = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn_tanh": torch.nn.RNN, "rnn_relu": torch.nn.RNN}
    options: dict[str, Any] = {"num_layers": layers, "bidirectional": bidirectional, "bias": bias}
    options |= {"proj_size": proj_size} if cell == "lstm" else {}
    options |= {"nonlinearity": cell.removeprefix("rnn_")} if cell.startswith("rnn_") else {}
    module = kinds[cell](3, 4, **options).double()
    rng = np.random.default_rng(layers)
    states = layers * (2 if bidirectional else 1)
    document: dict[str, Any] = {
        "cell": cell,
        "state_dict": {k: v.detach().numpy() for k, v in module.state_dict().items()},
        "x": rng.normal(size=(4, 3)),
        "h0": rng.normal(size=(states, proj_size or 4)),
    }
    if cell == "lstm":
        document["c0"] = rng.normal(size=(states, 4))
    example = with_loss(document, kind, seed=layers)
    assert_agrees(backward(lstm_latex.forward(example)), autograd(example))


@FAST
@given(valid_documents(), st.sampled_from([*LOSSES, "grad_output"]), st.integers(0, 2**16))
def test_random_networks_agree_with_autograd(document: dict[str, Any], kind: str, seed: int) -> None:
    example = with_loss(document, kind, seed)
    assert_agrees(backward(lstm_latex.forward(example)), autograd(example))


def test_one_sgd_step_moves_every_parameter_against_its_gradient() -> None:
    document = json.loads(SEED.read_text())
    example = with_loss(document, "half_sse", seed=0, lr=0.5)
    gradients = backward(lstm_latex.forward(example))
    updated = gradients.updated_state_dict()
    assert updated is not None
    parameters = example.network.state_dict()
    assert list(updated) == list(parameters)
    for name, value in updated.items():
        np.testing.assert_array_equal(value, parameters[name] - 0.5 * gradients.state_dict()[name])
    # A small enough step lowers the loss.
    stepped = with_loss({**document, "state_dict": updated}, "half_sse", seed=0, lr=0.5)
    assert backward(lstm_latex.forward(stepped)).value < gradients.value


def test_without_lr_there_is_no_update() -> None:
    example = with_loss(json.loads(SEED.read_text()), "sse", seed=0)
    assert backward(lstm_latex.forward(example)).updated_state_dict() is None
