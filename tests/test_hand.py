"""Hand arithmetic: every printed value is the rounding of its operation on the printed operands.

The property is checked against an oracle of its own: each value is recomputed in exact decimal
arithmetic (σ and tanh to 50 digits) from its operands as the document prints them, rounded half
away from zero, and compared with the value as the document prints it. No torch needed.
"""

from __future__ import annotations

import functools
import json
import operator
from collections.abc import Callable, Iterable, Iterator
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from click.testing import CliRunner

import lstm_latex
from lstm_latex.cells import CELLS, GruGrad, GruStep, LstmGrad, LstmStep, RnnGrad, RnnStep
from lstm_latex.cli import main
from lstm_latex.latex import NumberFormat
from lstm_latex.model import Array
from lstm_latex.serialize import trace_to_dict

Decimals = npt.NDArray[np.object_]  # an array of Decimal

GATES = {"lstm": 4, "gru": 3, "rnn_tanh": 1, "rnn_relu": 1}


def document(
    cell: str,
    *,
    seed: int,
    steps: int = 2,
    layers: int = 1,
    bidirectional: bool = False,
    proj_size: int = 0,
    bias: bool = True,
    loss: str | None = "half_sse",
    lr: float | None = None,
) -> dict[str, Any]:
    """A network of 2 inputs and 3 hidden units in the JSON format, its numbers with 6 decimals (so
    that rounding them is part of the work), with a loss (or grad_output) unless ``loss`` is None."""
    rng = np.random.default_rng(seed)
    hidden, directions = 3, 2 if bidirectional else 1
    out = proj_size or hidden

    def values(*shape: int) -> list[Any]:
        listed: list[Any] = np.round(rng.uniform(-1, 1, shape), 6).tolist()
        return listed

    state: dict[str, Any] = {}
    for layer in range(layers):
        for suffix in ["", "_reverse"][:directions]:
            columns = 2 if layer == 0 else directions * out
            state[f"weight_ih_l{layer}{suffix}"] = values(GATES[cell] * hidden, columns)
            state[f"weight_hh_l{layer}{suffix}"] = values(GATES[cell] * hidden, out)
            if bias:
                state[f"bias_ih_l{layer}{suffix}"] = values(GATES[cell] * hidden)
                state[f"bias_hh_l{layer}{suffix}"] = values(GATES[cell] * hidden)
            if proj_size:
                state[f"weight_hr_l{layer}{suffix}"] = values(proj_size, hidden)
    result: dict[str, Any] = {"cell": cell, "state_dict": state, "x": values(steps, 2)}
    result["h0"] = values(layers * directions, out)
    if cell == "lstm":
        result["c0"] = values(layers * directions, hidden)
    if loss == "grad_output":
        result["grad_output"] = values(steps, directions * out)
    elif loss is not None:
        result |= {"target": values(steps, directions * out), "loss": loss}
    if lr is not None:
        result["lr"] = lr
    return result


def as_decimal(latex: str) -> Decimal:
    """A number as the document prints it, ``0.1`` or ``2.5 \\times 10^{-5}``, as a Decimal."""
    mantissa, _, power = latex.partition(r" \times 10^")
    return Decimal(mantissa).scaleb(int(power.strip("{}")) if power else 0)


class Paper:
    """Arithmetic on paper at ``decimals`` decimals: numbers as the document prints them, exact
    decimal operations on them, and the rounding half away from zero."""

    def __init__(self, decimals: int) -> None:
        self.numbers = NumberFormat(precision=decimals)
        self.unit = Decimal(1).scaleb(-decimals)

    def printed(self, array: Array) -> Decimals:
        """The numbers as the document prints them (Decimal raises on anything but plain decimals)."""
        return each(lambda value: Decimal(self.numbers.number(value)), array)

    def rounded(self, exact: Decimals) -> Decimals:
        return each(lambda value: value.quantize(self.unit, ROUND_HALF_UP), exact)

    def check(self, printed: Array, exact: Decimals, what: str) -> None:
        """``printed`` (a record's array) is ``exact``, rounded; and its float64 is that decimal's."""
        shown, expected = self.printed(printed), self.rounded(exact)
        assert shown.shape == expected.shape, what
        assert (shown == expected).all(), f"{what}: printed {shown.tolist()}, by hand {expected.tolist()}"
        assert np.array_equal(np.asarray(printed, dtype=float), expected.astype(float)), what


def each(function: Callable[[Any], Decimal], array: Any) -> Decimals:
    """``function`` of every entry of ``array``, as an array of Decimal."""
    result: Decimals = np.vectorize(function, otypes=[object])(np.asarray(array))
    return result


def total(terms: Iterable[Decimals]) -> Decimals:
    return functools.reduce(operator.add, terms)


def sigmoid(z: Decimals) -> Decimals:
    return each(lambda v: 1 / (1 + (-v).exp()), z)


def tanh(z: Decimals) -> Decimals:
    return each(lambda v: 1 - 2 / ((2 * v).exp() + 1), z)


def relu(z: Decimals) -> Decimals:
    return each(lambda v: max(v, Decimal(0)), z)


ACTIVATIONS: dict[str, Callable[[Decimals], Decimals]] = {r"\sigma": sigmoid, r"\tanh": tanh}
ACTIVATIONS[r"\operatorname{ReLU}"] = relu


def derivative(activation: str, value: Decimals, preactivation: Decimals) -> Decimals:
    """The activation's derivative as the document writes it with the printed forward values."""
    found: Decimals
    if activation == r"\sigma":
        found = value * (1 - value)
    elif activation == r"\tanh":
        found = 1 - value * value
    else:
        found = each(lambda z: Decimal(1 if z > 0 else 0), preactivation)
    return found


def check_by_hand(worked: lstm_latex.HandPass, original: lstm_latex.Example) -> None:
    """Every value of ``worked`` follows from the printed values it is computed from."""
    with localcontext() as context:
        context.prec = 50
        _check_by_hand(worked, original, Paper(worked.decimals))


def _check_by_hand(worked: lstm_latex.HandPass, original: lstm_latex.Example, paper: Paper) -> None:
    p = paper.printed
    trace = worked.trace
    network, inputs = trace.example.network, trace.example.inputs
    cell = CELLS[network.cell]
    in_file = np.vectorize(lambda value: Decimal(repr(value)), otypes=[object])  # the numbers as the file has them

    # The parameters and inputs: the file's numbers, rounded.
    for given, hand in zip(original.network.directions, network.directions, strict=True):
        for name, array in given.state_dict().items():
            paper.check(hand.state_dict()[name], in_file(array), name)
    paper.check(inputs.x, in_file(original.inputs.x), "x")
    paper.check(inputs.h0, in_file(original.inputs.h0), "h0")
    if inputs.c0 is not None:
        assert original.inputs.c0 is not None
        paper.check(inputs.c0, in_file(original.inputs.c0), "c0")

    layer_input = p(inputs.x)
    for layer in range(network.num_layers):
        outputs = []
        for k in range(network.num_directions):
            index = layer * network.num_directions + k
            direction = trace.directions[index]
            h, c = p(inputs.h0[index]), None if inputs.c0 is None else p(inputs.c0[index])
            for s in direction.steps:
                where = f"layer {layer} direction {k} t = {s.t}"
                assert (p(s.x) == layer_input[s.t - 1]).all(), where
                assert (p(s.h_prev) == h).all(), where
                _check_gates(paper, cell.gates, direction.gates, s, where)
                if isinstance(s, LstmStep):
                    assert c is not None
                    assert (p(s.c_prev) == c).all(), where
                    _check_lstm(paper, direction.params.weight_hr, s, where)
                elif isinstance(s, GruStep):
                    _check_gru(paper, s, where)
                h, c = p(s.h), None if s.c is None else p(s.c)
            outputs.append(p(direction.output))
        layer_input = np.concatenate(outputs, axis=1)
    assert (p(trace.output) == layer_input).all()
    if worked.gradients is not None:
        _check_backward(paper, worked.gradients, trace)


def _check_gates(paper: Paper, kinds: Any, gates: Any, s: Any, where: str) -> None:
    p = paper.printed
    for kind, gp, gate in zip(kinds, gates, s.gates, strict=True):
        what = f"{where}, gate {gate.name}"
        bias_i = 0 if gp.bias_i is None else p(gp.bias_i)
        bias_h = 0 if gp.bias_h is None else p(gp.bias_h)
        paper.check(gate.input_affine, p(gp.weight_i) @ p(s.x) + bias_i, what + " W x + b")
        paper.check(gate.hidden_affine, p(gp.weight_h) @ p(s.h_prev) + bias_h, what + " W h + b")
        hidden_part = p(s.reset_hidden) if isinstance(s, GruStep) and gate.name == "n" else p(gate.hidden_affine)
        paper.check(gate.preactivation, p(gate.input_affine) + hidden_part, what + " preactivation")
        paper.check(gate.activation, ACTIVATIONS[kind.activation](p(gate.preactivation)), what + " activation")


def _check_lstm(paper: Paper, weight_hr: Array | None, s: LstmStep, where: str) -> None:
    p = paper.printed
    paper.check(s.forget_term, p(s.f.activation) * p(s.c_prev), where + " f ⊙ c_prev")
    paper.check(s.input_term, p(s.i.activation) * p(s.g.activation), where + " i ⊙ g")
    paper.check(s.c, p(s.forget_term) + p(s.input_term), where + " c")
    paper.check(s.tanh_c, tanh(p(s.c)), where + " tanh(c)")
    gated = p(s.o.activation) * p(s.tanh_c)
    if weight_hr is None:
        paper.check(s.h, gated, where + " h")
    else:
        assert s.h_unprojected is not None
        paper.check(s.h_unprojected, gated, where + " o ⊙ tanh(c)")
        paper.check(s.h, p(weight_hr) @ p(s.h_unprojected), where + " W_hr h")


def _check_gru(paper: Paper, s: GruStep, where: str) -> None:
    p = paper.printed
    paper.check(s.reset_hidden, p(s.r.activation) * p(s.n.hidden_affine), where + " r ⊙ (W h + b)")
    paper.check(s.one_minus_z, 1 - p(s.z.activation), where + " 1 - z")
    paper.check(s.new_term, p(s.one_minus_z) * p(s.n.activation), where + " (1 - z) ⊙ n")
    paper.check(s.keep_term, p(s.z.activation) * p(s.h_prev), where + " z ⊙ h_prev")
    paper.check(s.h, p(s.new_term) + p(s.keep_term), where + " h")


def _check_backward(paper: Paper, gradients: lstm_latex.Gradients, trace: lstm_latex.Trace[Any]) -> None:
    p = paper.printed
    network, loss = trace.example.network, gradients.loss
    cell = CELLS[network.cell]
    output = p(trace.output)
    if loss.grad_output is not None:
        assert (p(gradients.d_output) == p(loss.grad_output)).all()
        paper.check(np.array(gradients.value), np.sum(p(loss.grad_output) * output), "L")
    else:
        assert loss.target is not None
        error = output - p(loss.target)  # printed as output − target
        size = error.size
        paper.check(
            np.array(gradients.value),
            {"half_sse": Decimal("0.5"), "sse": 1, "mse": Decimal(1) / size}[loss.kind] * np.sum(error * error),
            "L",
        )
        factor = {"half_sse": 1, "sse": 2, "mse": Decimal(2) / size}[loss.kind]
        paper.check(gradients.d_output, factor * error, "∂L/∂output")

    d_layer_output = p(gradients.d_output)
    for layer in reversed(range(network.num_layers)):
        d_layer_input = None
        for k in range(network.num_directions):
            index = layer * network.num_directions + k
            d_trace, d_grads = trace.directions[index], gradients.directions[index]
            size = network.output_size
            d_output = d_layer_output[:, k * size : (k + 1) * size]
            forward = {s.t: s for s in d_trace.steps}
            dh_next: Decimals = np.zeros(size, dtype=object)
            dc_next: Decimals | None = np.zeros(network.hidden_size, dtype=object)
            for g in d_grads.steps:
                s, where = forward[g.t], f"backward layer {layer} direction {k} t = {g.t}"
                assert (p(g.dh_output) == d_output[g.t - 1]).all(), where
                assert (p(g.dh_next) == dh_next).all(), where
                paper.check(g.dh, p(g.dh_output) + p(g.dh_next), where + " ∂L/∂h")
                if isinstance(g, LstmGrad):
                    assert isinstance(s, LstmStep)
                    assert (p(g.dc_next) == dc_next).all(), where
                    _check_lstm_backward(paper, d_trace.params.weight_hr, s, g, where)
                elif isinstance(g, GruGrad):
                    assert isinstance(s, GruStep)
                    _check_gru_backward(paper, s, g, where)
                else:
                    assert isinstance(g, RnnGrad)
                    assert isinstance(s, RnnStep)
                    kind = cell.gates[0].activation
                    delta = p(g.dh) * derivative(kind, p(s.h), p(s.affine.preactivation))
                    paper.check(g.affine.preactivation, delta, where + " δ")
                for side, weights, result in (("hidden", "weight_h", g.dh_prev), ("input", "weight_i", g.dx)):
                    if isinstance(g, GruGrad) and side == "hidden":
                        result = g.dh_prev_gates
                    sent = total(
                        p(getattr(gp, weights)).T @ p(getattr(gg, side + "_affine"))
                        for gp, gg in zip(d_trace.gates, g.gates, strict=True)
                    )
                    paper.check(result, sent, f"{where} Σ W_{side[0]}kᵀ δ_k")
                dh_next = p(g.dh_prev)
                dc_next = None if g.dc_prev is None else p(g.dc_prev)
            paper.check(d_grads.h0, dh_next, f"∂L/∂h0 {index}")
            _check_parameter_gradients(paper, d_trace, d_grads, f"layer {layer} direction {k}")
            if d_grads.c0 is not None:
                assert dc_next is not None
                paper.check(d_grads.c0, dc_next, f"∂L/∂c0 {index}")
            dx = np.stack([p(g.dx) for g in sorted(d_grads.steps, key=lambda g: g.t)])
            d_layer_input = dx if d_layer_input is None else paper.rounded(d_layer_input + dx)
        assert d_layer_input is not None
        d_layer_output = d_layer_input
    assert (p(gradients.x) == d_layer_output).all()
    updated = gradients.updated_state_dict()
    if updated is not None:
        assert loss.lr is not None
        lr = as_decimal(paper.numbers.exact(loss.lr))  # as printed
        state, grads = network.state_dict(), gradients.state_dict()
        for name, array in updated.items():
            paper.check(array, p(state[name]) - lr * p(grads[name]), f"{name} after SGD")


def _check_lstm_backward(paper: Paper, weight_hr: Array | None, s: LstmStep, g: LstmGrad, where: str) -> None:
    p = paper.printed
    gated = p(g.dh)
    if weight_hr is not None:
        assert g.dh_unprojected is not None
        paper.check(g.dh_unprojected, p(weight_hr).T @ p(g.dh), where + " W_hrᵀ ∂L/∂h")
        gated = p(g.dh_unprojected)
    tanh_c = p(s.tanh_c)
    paper.check(g.o.activation, gated * tanh_c, where + " ∂L/∂o")
    paper.check(g.dc, p(g.dc_next) + gated * p(s.o.activation) * (1 - tanh_c * tanh_c), where + " ∂L/∂c")
    for grad, factor in ((g.i, s.g.activation), (g.f, s.c_prev), (g.g, s.i.activation)):
        paper.check(grad.activation, p(g.dc) * p(factor), f"{where} ∂L/∂{grad.name}")
    for grad, gate in zip(g.gates, s.gates, strict=True):
        kind = r"\tanh" if gate.name == "g" else r"\sigma"
        delta = p(grad.activation) * derivative(kind, p(gate.activation), p(gate.preactivation))
        paper.check(grad.preactivation, delta, f"{where} δ_{gate.name}")
        assert grad.input_affine is grad.preactivation
        assert grad.hidden_affine is grad.preactivation
    assert g.dc_prev is not None
    paper.check(g.dc_prev, p(s.f.activation) * p(g.dc), where + " f ⊙ ∂L/∂c")


def _check_gru_backward(paper: Paper, s: GruStep, g: GruGrad, where: str) -> None:
    p = paper.printed
    paper.check(g.n.activation, p(g.dh) * p(s.one_minus_z), where + " ∂L/∂n")
    paper.check(g.n.preactivation, p(g.n.activation) * (1 - p(s.n.activation) * p(s.n.activation)), where + " δ_n")
    paper.check(g.n.hidden_affine, p(s.r.activation) * p(g.n.preactivation), where + " r ⊙ δ_n")
    paper.check(g.z.activation, p(g.dh) * (p(s.h_prev) - p(s.n.activation)), where + " ∂L/∂z")
    paper.check(g.r.activation, p(g.n.preactivation) * p(s.n.hidden_affine), where + " ∂L/∂r")
    for grad, gate in ((g.z, s.z), (g.r, s.r)):
        delta = p(grad.activation) * p(gate.activation) * (1 - p(gate.activation))
        paper.check(grad.preactivation, delta, f"{where} δ_{gate.name}")
    paper.check(g.dh_prev_kept, p(g.dh) * p(s.z.activation), where + " ∂L/∂h ⊙ z")
    paper.check(g.dh_prev, p(g.dh_prev_kept) + p(g.dh_prev_gates), where + " ∂L/∂h_prev")


def _check_parameter_gradients(paper: Paper, d_trace: Any, d_grads: Any, where: str) -> None:
    """Each parameter's gradient, the rounding of the sum over the steps of the printed terms."""
    p = paper.printed
    forward = {s.t: s for s in d_trace.steps}
    steps = [(forward[g.t], g) for g in sorted(d_grads.steps, key=lambda g: g.t)]
    for side, vector, weight, bias in (
        ("input", "x", "weight_ih", "bias_ih"),
        ("hidden", "h_prev", "weight_hh", "bias_hh"),
    ):
        deltas = [np.concatenate([p(getattr(gg, side + "_affine")) for gg in g.gates]) for _, g in steps]
        outer = total(np.outer(delta, p(getattr(s, vector))) for delta, (s, _) in zip(deltas, steps, strict=True))
        paper.check(getattr(d_grads, weight), outer, f"{where} ∂L/∂{weight}")
        if getattr(d_grads, bias) is not None:
            paper.check(getattr(d_grads, bias), total(deltas), f"{where} ∂L/∂{bias}")
    if d_grads.weight_hr is not None:
        outer = total(np.outer(p(g.dh), p(s.h_unprojected)) for s, g in steps)
        paper.check(d_grads.weight_hr, outer, f"{where} ∂L/∂W_hr")


# Each cell at 1 decimal, where ties to round half away from zero are common, and at 4, where a
# value left unrounded shows in its last bits.
CASES = {
    "lstm": document("lstm", seed=1, lr=0.1),
    "lstm, projected, stacked and bidirectional": document(
        "lstm", seed=2, layers=2, bidirectional=True, proj_size=2, loss="mse", lr=0.5
    ),
    "gru, stacked and bidirectional": document("gru", seed=3, layers=2, bidirectional=True, loss="sse", lr=0.25),
    "gru without biases": document("gru", seed=4, bias=False, loss="grad_output"),
    "rnn_tanh": document("rnn_tanh", seed=5, steps=3, lr=0.1),
    "rnn_relu, stacked": document("rnn_relu", seed=6, layers=2, loss="grad_output", lr=1.0),
    "lstm, forward only": document("lstm", seed=7, loss=None),
    "lstm, an η of many digits": document("lstm", seed=8, lr=0.12345649),
    "rnn_tanh, a small η": document("rnn_tanh", seed=9, loss="sse", lr=1e-5),
}
DECIMALS = {"lstm": 1, "gru without biases": 1, "rnn_tanh": 1, "lstm, forward only": 2}  # the others: 4


@pytest.mark.parametrize("case", list(CASES))
def test_every_value_is_worked_from_the_printed_values(case: str) -> None:
    decimals = DECIMALS.get(case, 4)
    example = lstm_latex.load(CASES[case])
    worked = lstm_latex.hand_pass(example, decimals)
    assert (worked.gradients is None) == (example.inputs.loss is None)
    check_by_hand(worked, example)


# A 1-input, 1-hidden LSTM step with 1-decimal numbers, worked to 2 decimals by hand (gates i, f, g, o).
REFERENCE = {
    "cell": "lstm",
    "state_dict": {
        "weight_ih_l0": [[0.5], [0.3], [0.8], [-0.2]],
        "weight_hh_l0": [[0.1], [-0.3], [0.2], [0.0]],
        "bias_ih_l0": [0.1, 0.2, 0.0, 0.1],
        "bias_hh_l0": [0.0, 0.1, -0.1, 0.0],
    },
    "x": [[0.5]],
    "h0": [[0.2]],
    "c0": [[0.4]],
}


def test_a_step_worked_by_hand() -> None:
    worked = lstm_latex.hand_pass(lstm_latex.load(REFERENCE), 2)
    s = worked.trace.of(lstm_latex.LstmStep).directions[0].steps[0]
    # W_ik x + b_ik, W_hk h + b_hk, their sum and the activation, with x = 0.5 and h_0 = 0.2:
    # i: 0.5·0.5 + 0.1 = 0.35, 0.1·0.2 + 0.0 = 0.02, 0.37, σ(0.37) = 0.591459… → 0.59
    # f: 0.3·0.5 + 0.2 = 0.35, −0.3·0.2 + 0.1 = 0.04, 0.39, σ(0.39) = 0.596283… → 0.60
    # g: 0.8·0.5 + 0.0 = 0.40, 0.2·0.2 − 0.1 = −0.06, 0.34, tanh(0.34) = 0.327477… → 0.33
    # o: −0.2·0.5 + 0.1 = 0.00, 0.0·0.2 + 0.0 = 0.00, 0.00, σ(0) = 0.5 → 0.50
    expected = {"i": (0.35, 0.02, 0.37, 0.59), "f": (0.35, 0.04, 0.39, 0.60)}
    expected |= {"g": (0.40, -0.06, 0.34, 0.33), "o": (0.0, 0.0, 0.0, 0.50)}
    for gate in s.gates:
        found = (gate.input_affine, gate.hidden_affine, gate.preactivation, gate.activation)
        assert [float(value[0]) for value in found] == list(expected[gate.name]), gate.name
    # f ⊙ c_0 = 0.60·0.4 = 0.24; i ⊙ g = 0.59·0.33 = 0.1947 → 0.19; c_1 = 0.24 + 0.19 = 0.43;
    # tanh(0.43) = 0.405321… → 0.41; h_1 = 0.50·0.41 = 0.205 → 0.21, half away from zero (the float
    # 0.205 is 0.20499999…, which rounded on its binary value would be 0.20).
    found_states = (s.forget_term, s.input_term, s.c, s.tanh_c, s.h)
    assert [float(value[0]) for value in found_states] == [0.24, 0.19, 0.43, 0.41, 0.21]
    # Exactly: c_1 = 0.596283·0.4 + 0.591459·0.327477 = 0.432203, h_1 = 0.5·tanh(0.432203) = 0.203580:
    # h_1 strays most, by 0.21 − 0.203580 = 0.006420.
    assert worked.largest_difference == pytest.approx(0.006420, abs=1e-6)


def _numbers(tree: Any) -> Iterator[float]:
    """The numbers of a JSON tree, depth first."""
    if isinstance(tree, dict):
        for value in tree.values():
            yield from _numbers(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from _numbers(value)
    elif isinstance(tree, float):
        yield tree


def test_the_largest_difference_is_over_every_printed_value() -> None:
    example = lstm_latex.load(CASES["lstm, projected, stacked and bidirectional"])
    worked = lstm_latex.hand_pass(example, 2)
    exact = lstm_latex.forward(example)
    exact_gradients = lstm_latex.backward(exact)
    assert worked.gradients is not None
    assert example.inputs.loss is not None
    hand_tree, exact_tree = (
        trace_to_dict(t, None, g) for t, g in ((worked.trace, worked.gradients), (exact, exact_gradients))
    )
    differences = [abs(a - b) for a, b in zip(_numbers(hand_tree), _numbers(exact_tree), strict=True)]
    # and what the trace JSON leaves out: the parameters, the target, and output − target
    state = worked.trace.example.network.state_dict()
    differences += [float(np.abs(state[name] - array).max()) for name, array in example.network.state_dict().items()]
    hand_loss = worked.gradients.loss
    assert hand_loss.target is not None
    assert example.inputs.loss.target is not None
    differences.append(float(np.abs(hand_loss.target - example.inputs.loss.target).max()))
    hand_error, exact_error = worked.trace.output - hand_loss.target, exact.output - example.inputs.loss.target
    differences.append(float(np.abs(hand_error - exact_error).max()))
    assert worked.largest_difference == max(differences) > 0.001


REFERENCE_BACKWARD = {**REFERENCE, "target": [[0.5]], "lr": 0.1}


@pytest.mark.parametrize("template", ["document", "snippet", "beamer", "frames", "markdown", "markdown-snippet"])
def test_every_format_states_the_rule_and_the_largest_difference(template: str) -> None:
    worked = lstm_latex.hand_pass(lstm_latex.load(REFERENCE_BACKWARD), 2)
    text = lstm_latex.render(worked.trace, template, hand=worked)
    rule = text.index("half away\nfrom zero on its decimal value")
    assert rule < text.index("Parameters")  # in the network's section, at the start
    assert "rounded to 2 decimal places" in text[:rule]
    assert "worked by hand arithmetic to 2 decimal places" in text
    difference = NumberFormat(significant=2).number(worked.largest_difference)
    assert f"forward and backward, is ${difference}$." in text
    assert "for display only" not in text


def test_the_document_prints_the_hand_values() -> None:
    worked = lstm_latex.hand_pass(lstm_latex.load(REFERENCE_BACKWARD), 2)
    text = lstm_latex.render(worked.trace, "markdown", hand=worked, style=lstm_latex.Style(NumberFormat(precision=7)))
    s = worked.trace.of(lstm_latex.LstmStep).directions[0].steps[0]
    matrix = [NumberFormat(precision=2).matrix(array, portable=True) for array in (s.forget_term, s.input_term, s.c)]
    assert f"&= {matrix[0]} + {matrix[1]} = {matrix[2]}" in text  # the chain c_t = f ⊙ c + i ⊙ g ends so
    assert "0.2100000" not in text  # the hand values' decimals, whatever the style's


def test_a_hand_document_compiles(latex: Callable[[str], Any]) -> None:
    worked = lstm_latex.hand_pass(lstm_latex.load(REFERENCE_BACKWARD), 1)
    run = latex(lstm_latex.render(worked.trace, hand=worked))
    assert run.overfull == []
    text = " ".join(run.text.split())
    assert "Hand arithmetic" in text
    assert "rounded to 1 decimal place," in text


def test_the_api_refuses_what_it_cannot_do() -> None:
    example = lstm_latex.load(REFERENCE)
    with pytest.raises(lstm_latex.InputError, match="0 to 12 decimals, not 13"):
        lstm_latex.hand_pass(example, 13)
    worked = lstm_latex.hand_pass(example, 2)
    with pytest.raises(lstm_latex.RenderError, match="another trace"):
        lstm_latex.render(lstm_latex.forward(example), hand=worked)
    with pytest.raises(lstm_latex.RenderError, match="fixed decimals, not significant digits"):
        lstm_latex.render(worked.trace, hand=worked, style=lstm_latex.Style(NumberFormat(significant=3)))
    huge = {**REFERENCE, "x": [[1e11]]}
    with pytest.raises(lstm_latex.InputError, match=r"^<dict>: hand arithmetic reaches 1e\+11"):
        lstm_latex.hand_pass(lstm_latex.load(huge), 2)


def run(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), input=input)


def test_render_and_trace_hand() -> None:
    given = json.dumps(REFERENCE_BACKWARD)
    worked = lstm_latex.hand_pass(lstm_latex.load(REFERENCE_BACKWARD), 2)
    rendered = run("render", "-", "--hand", "--precision", "2", "--no-check", "--format", "markdown", input=given)
    assert rendered.exit_code == 0, rendered.output
    assert rendered.stdout == lstm_latex.render(worked.trace, "markdown", hand=worked)
    traced = run("trace", "-", "--hand", "--precision", "2", "--no-check", input=given)
    assert traced.exit_code == 0, traced.output
    found = json.loads(traced.stdout)
    assert found["hand"]["decimals"] == 2
    assert "half away from zero" in found["hand"]["rule"]
    assert found["hand"]["largest_difference"] == worked.largest_difference
    assert found["output"] == [[0.21]]
    assert found["loss"]["value"] == 0.04  # ½ (0.21 − 0.5)² = 0.04205 → 0.04
    expected = trace_to_dict(worked.trace, None, worked.gradients) | {"hand": found["hand"]}
    assert found == json.loads(json.dumps(expected))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["render", "--hand", "--sig", "3"],
            "Error: --hand works to --precision decimals, not to --sig significant digits\n",
        ),
        (["trace", "--precision", "3"], "Error: --precision sets the decimals of --hand: give --hand too\n"),
        (
            ["render", "--hand"],
            "Error: <stdin>: hand arithmetic reaches 1e+11: it writes every value with decimals, below 1e+10\n",
        ),
    ],
)
def test_the_cli_refuses_in_one_line(args: list[str], message: str) -> None:
    result = run(*args, "--no-check", "-", input=json.dumps({**REFERENCE, "x": [[1e11]]}))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == message
