"""The backward pass against torch autograd: every gradient, for every kind of network and loss."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import SAMPLES, SEED, joined
from hypothesis import given
from hypothesis import strategies as st
from networks import random_lstm, with_target
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


def test_the_document_shows_the_loss_every_gradient_and_the_sgd_step() -> None:
    example = lstm_latex.load(SAMPLES / "lstm_backward.json")
    trace = lstm_latex.forward(example)
    gradients = backward(trace)
    text = lstm_latex.render(trace)  # the example's target: the backward pass is derived too
    numbers = lstm_latex.NumberFormat()
    assert "A worked LSTM forward and backward pass" in text
    assert rf"L &= \tfrac{{1}}{{2}} \sum_t \lVert y_t - y^{{*}}_t \rVert^2 = {numbers.number(gradients.value)}" in text
    for d in gradients.directions:
        for grad in d.steps:
            assert numbers.matrix(grad.dh) in text  # ∂L/∂h_t of every step
            for gate in grad.gates:
                assert numbers.matrix(gate.preactivation) in text  # every δ
    rows = np.split(gradients.directions[0].weight_hh, 4)  # ∂L/∂W_hk, per gate
    assert all(numbers.matrix(row) in text for row in rows)
    updated = gradients.updated_state_dict()
    assert updated is not None
    assert numbers.matrix(np.split(updated["weight_ih_l0"], 4)[1]) in text  # W_if after the step
    assert r"\eta = 0.1" in text


def test_without_a_target_the_document_is_the_forward_pass_alone() -> None:
    document = json.loads((SAMPLES / "lstm_backward.json").read_text())
    for key in ("target", "loss", "lr"):
        del document[key]
    text = lstm_latex.render(lstm_latex.forward(lstm_latex.load(document)))
    assert "backward" not in text
    assert r"\partial L" not in text


def test_backward_documents_compile_and_fit_the_page(latex) -> None:  # type: ignore[no-untyped-def]
    # Given a target: a stacked bidirectional LSTM's and a ReLU RNN's documents, and a GRU's snippet
    # (in the documents' preamble), in one pdflatex run. samples/lstm_backward.json compiles as
    # every sample does: tests/test_compile.py, test_formats.py.
    def derived(sample: str) -> lstm_latex.Trace[lstm_latex.Step]:
        return lstm_latex.forward(lstm_latex.load(with_target(sample)))

    documents = [lstm_latex.render(derived(sample)) for sample in ("stacked_bidirectional_lstm.json", "rnn_relu.json")]
    snippet = lstm_latex.render(derived("gru.json"), "snippet")
    run = latex(joined([*documents, f"\\begin{{document}}\n{snippet}\\end{{document}}\n"]))
    assert run.overfull == []
    assert run.text.count("The backward pass") >= 3


def test_export_keeps_the_target_loss_and_learning_rate(tmp_path: Path) -> None:
    from lstm_latex.serialize import network_to_json

    example = lstm_latex.load(SAMPLES / "lstm_backward.json")
    path = tmp_path / "exported.json"
    path.write_text(network_to_json(example.network, example.inputs))
    again = lstm_latex.load(path)
    ours, theirs = (backward(lstm_latex.forward(e)) for e in (example, again))
    assert theirs.value == ours.value
    assert theirs.loss.kind == "half_sse"
    assert theirs.loss.lr == 0.1
    for name, gradient in ours.state_dict().items():
        np.testing.assert_array_equal(theirs.state_dict()[name], gradient)


def test_gradients_keep_the_inputs_own_key_names_as_torchs_grad_does() -> None:
    from lstm_latex.serialize import trace_to_dict

    torch.manual_seed(2)
    cell = torch.nn.LSTMCell(2, 3).double()
    x, target = torch.tensor([[0.5, -0.2]]), torch.tensor([[0.1, 0.2, -0.3]], dtype=torch.float64)
    document = {"state_dict": {k: v.detach().numpy() for k, v in cell.state_dict().items()}}
    example = lstm_latex.load(document | {"x": x.tolist(), "target": target.tolist(), "lr": 0.5})
    trace = lstm_latex.forward(example)
    traced = trace_to_dict(trace, gradients=backward(trace))
    h, _ = cell(x.double()[0])
    torch.autograd.backward(0.5 * ((h - target[0]) ** 2).sum())
    expected = {name: p.grad for name, p in cell.named_parameters()}
    assert list(traced["grad"]["state_dict"]) == list(expected) == ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]
    for name, gradient in expected.items():
        assert gradient is not None
        np.testing.assert_allclose(traced["grad"]["state_dict"][name], gradient.numpy(), rtol=0, atol=ABSOLUTE)
    assert list(traced["updated_state_dict"]) == list(expected)


def test_a_wide_layers_backward_pass_is_elided_and_fits_the_page(latex) -> None:  # type: ignore[no-untyped-def]
    document = random_lstm(3, 9, steps=9)  # H = 9 and T = 9: matrices and sums over the steps elided
    document["target"] = np.random.default_rng(0).uniform(-1, 1, (9, 9))
    text = lstm_latex.render(lstm_latex.forward(lstm_latex.load(document)))
    assert r"+ \cdots" in text  # the sums over the nine steps keep their first and last terms
    run = latex(text)
    assert run.overfull == []
