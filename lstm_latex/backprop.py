"""The backward pass: backpropagation through time, the layers from the top, each direction's steps
in the reverse of the order they ran, every gradient kept.

Notation: L the loss, δ_t a step's gradients of its gates' preactivations stacked in torch's order
(G·H,), Δ the matrix whose rows are δ_t, X the matrix whose rows are x_t.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from .cells import CELLS, Cell, Grad, LstmStep, Step
from .cells.common import Rounding, exact
from .errors import InputError
from .model import Array, DirectionParams, DirectionTrace, GateGrad, Loss, Trace


@dataclass(frozen=True)
class DirectionGradients:
    """The gradients of one layer and direction: every step's, and its parameters' sums over the steps."""

    params: DirectionParams
    steps: tuple[Grad, ...]  # in the order the backward pass ran them: the reverse of the forward's
    weight_ih: Array  # ∂L/∂W_ih = Σ_t δ_t x_tᵀ = Δᵀ X, (G·H, I)
    weight_hh: Array  # ∂L/∂W_hh = Σ_t δ^h_t h_{t-1}ᵀ, (G·H, H_out); δ^h_t = δ_t but for a GRU's n, r_t ⊙ δ_n
    bias_ih: Array | None  # ∂L/∂b_ih = Σ_t δ_t, (G·H,)
    bias_hh: Array | None  # ∂L/∂b_hh = Σ_t δ^h_t, (G·H,)
    weight_hr: Array | None  # ∂L/∂W_hr = Σ_t ∂L/∂h_t (o_t ⊙ tanh(c_t))ᵀ, (H_out, H)
    h0: Array  # ∂L/∂h_0 (the initial state this direction read), (H_out,)
    c0: Array | None  # ∂L/∂c_0, (H,), LSTM only
    updated: DirectionParams | None = None  # after one step of SGD with the loss's lr, W − lr ∂L/∂W; None without lr

    def as_params(self) -> DirectionParams:
        """The parameters' gradients in the shape of the parameters: to cut per gate, as they are."""
        return DirectionParams(
            self.params.layer,
            self.params.reverse,
            self.weight_ih,
            self.weight_hh,
            self.bias_ih,
            self.bias_hh,
            self.weight_hr,
        )

    def state_dict(self) -> dict[str, Array]:
        """The parameters' gradients under torch's names, in torch's order."""
        return self.as_params().state_dict()


@dataclass(frozen=True)
class Gradients:
    """The backward pass of a trace: the loss, the gradient of every intermediate, parameter and input."""

    loss: Loss
    value: float  # L
    error: Array | None  # output − target, (T, D·H_out); None for a grad_output
    d_output: Array  # ∂L/∂output, (T, D·H_out)
    directions: tuple[DirectionGradients, ...]  # in the order of Trace.directions
    x: Array  # ∂L/∂x, (T, I)
    h0: Array  # ∂L/∂h0, (L·D, H_out)
    c0: Array | None  # ∂L/∂c0, (L·D, H), LSTM only

    def state_dict(self) -> dict[str, Array]:
        """∂L/∂ of every parameter, under torch's names, in torch's order: what ``.grad`` holds."""
        return {name: array for d in self.directions for name, array in d.state_dict().items()}

    def updated_state_dict(self) -> dict[str, Array] | None:
        """One step of SGD with the loss's learning rate, W − lr ∂L/∂W for every parameter; None without lr."""
        if self.loss.lr is None:
            return None
        return {name: array for d in self.directions if d.updated for name, array in d.updated.state_dict().items()}


def loss_value(loss: Loss, output: Array, rounded: Rounding = exact) -> float:
    """L of the output: ½ Σ (y − target)², Σ (y − target)², their mean, or Σ grad_output ⊙ y."""
    if loss.grad_output is not None:
        return float(rounded(np.asarray(np.sum(loss.grad_output * output))))
    assert loss.target is not None
    squares = (output - loss.target) ** 2
    value = {"half_sse": 0.5 * squares.sum(), "sse": squares.sum(), "mse": squares.mean()}[loss.kind]
    return float(rounded(np.asarray(value)))


def loss_gradient(loss: Loss, error: Array | None) -> Array:
    """∂L/∂output, (T, D·H_out), of the output's ``error`` (y − target): itself, 2 (y − target),
    2 (y − target) / N, or grad_output."""
    if loss.grad_output is not None:
        return loss.grad_output
    assert error is not None
    return {"half_sse": error, "sse": 2.0 * error, "mse": 2.0 * error / error.size}[loss.kind]


def descended(params: DirectionParams, gradients: DirectionGradients, lr: float, rounded: Rounding) -> DirectionParams:
    """The parameters after one step of SGD: W − lr ∂L/∂W for each."""

    def descend(parameter: Array, gradient: Array) -> Array:
        return rounded(parameter - lr * gradient)

    def step(parameter: Array | None, gradient: Array | None) -> Array | None:
        return None if parameter is None or gradient is None else descend(parameter, gradient)

    weight_ih, weight_hh = (
        descend(params.weight_ih, gradients.weight_ih),
        descend(params.weight_hh, gradients.weight_hh),
    )
    biases = step(params.bias_ih, gradients.bias_ih), step(params.bias_hh, gradients.bias_hh)
    weight_hr = step(params.weight_hr, gradients.weight_hr)
    return DirectionParams(params.layer, params.reverse, weight_ih, weight_hh, *biases, weight_hr)


def backward(trace: Trace[Step], rounded: Rounding = exact) -> Gradients:
    """Backpropagate the example's loss through ``trace``, in float64.

    The top layer's ∂L/∂output comes from the loss; each layer's ∂L/∂x_t, summed over its
    directions, is the output gradient of the layer below. ``rounded`` is applied to every value
    computed (see cells.common.Rounding): exact by default; lstm_latex.hand rounds. Raises
    InputError when the example has no target or grad_output, and when the loss, a gradient or
    the parameters after the step of SGD (with the loss's lr) overflow float64.
    """
    example = trace.example
    loss = example.inputs.loss
    if loss is None:
        raise InputError("no loss to differentiate: give a target (or grad_output)").within(example.source)
    try:
        # Finite but huge values can overflow to inf: refused by name below, without NumPy's warnings.
        with np.errstate(over="ignore", invalid="ignore"):
            return _backward(trace, loss, rounded)
    except InputError as error:
        raise error.within(example.source) from None


def _backward(trace: Trace[Step], loss: Loss, rounded: Rounding) -> Gradients:
    network = trace.example.network
    cell = CELLS[network.cell]
    value = loss_value(loss, trace.output, rounded)
    if not math.isfinite(value):
        why = "grad_output too large" if loss.grad_output is not None else "the output and target too far apart"
        raise InputError(f"the loss L overflows float64: {why}")
    error = None if loss.target is None else rounded(trace.output - loss.target)
    d_output = rounded(loss_gradient(loss, error))  # (T, D·H_out), finite where L is
    found: dict[int, DirectionGradients] = {}
    d_layer_output = d_output
    for layer in reversed(range(network.num_layers)):
        d_layer_input = None
        for k in range(network.num_directions):
            index = layer * network.num_directions + k
            size = network.output_size
            d_direction_output = d_layer_output[:, k * size : (k + 1) * size]
            gradients = _backward_direction(cell, trace.directions[index], d_direction_output, rounded)
            dx = np.stack([step.dx for step in sorted(gradients.steps, key=lambda g: g.t)])  # (T, layer's input)
            d_layer_input = dx if d_layer_input is None else rounded(d_layer_input + dx)
            found[index] = gradients
        assert d_layer_input is not None
        _require_finite(d_layer_input, f"∂L/∂x_t of layer {layer}", _TOO_LARGE)
        d_layer_output = d_layer_input  # the layer below's ∂L/∂output (T, D·H_out), or ∂L/∂x (T, I)
    directions = tuple(found[index] for index in range(len(trace.directions)))
    if loss.lr is not None:
        lr = loss.lr
        directions = tuple(dataclasses.replace(d, updated=descended(d.params, d, lr, rounded)) for d in directions)
    result = Gradients(
        loss=loss,
        value=value,
        error=error,
        d_output=d_output,
        directions=directions,
        x=d_layer_output,
        h0=np.stack([d.h0 for d in directions]),
        c0=np.stack([d.c0 for d in directions if d.c0 is not None]) if cell.has_cell_state else None,
    )
    for name, parameter in (result.updated_state_dict() or {}).items():
        if not np.isfinite(parameter).all():
            raise InputError(f"the step of SGD overflows float64 ({name} − lr ∂L/∂{name}): lr too large")
    return result


_TOO_LARGE = "weights, inputs, target or grad_output too large"

# How a message names each gradient of a step (cells' *Grad records), by field.
_GRADIENT_NAMES = {
    "dh_output": "∂L/∂h_t through the output",
    "dh_next": "∂L/∂h_t through the next step",
    "dh": "∂L/∂h_t",
    "dh_unprojected": "∂L/∂(o_t ⊙ tanh(c_t))",
    "dc_next": "∂L/∂c_t through the next step",
    "dc": "∂L/∂c_t",
    "dh_prev_kept": "∂L/∂h_{t-1} through z_t ⊙ h_{t-1}",
    "dh_prev_gates": "∂L/∂h_{t-1} through the gates",
    "dh_prev": "∂L/∂h_{t-1}",
    "dc_prev": "∂L/∂c_{t-1}",
    "dx": "∂L/∂x_t",
}


def _require_finite(array: Array, name: str, why: str) -> None:
    """Every gradient must be a float64 number: inf or nan would print as text no one can check."""
    if not np.isfinite(array).all():
        raise InputError(f"the backward pass overflows float64 ({name}): {why}")


def _require_finite_step(grad: Grad, params: DirectionParams) -> None:
    """Every gradient of one step, in the order the step computes them, named as the document does."""
    where = f"at layer {params.layer}{' reverse' if params.reverse else ''}, t = {grad.t}"
    for field in dataclasses.fields(grad):
        value = getattr(grad, field.name)
        if isinstance(value, GateGrad):
            _require_finite(value.activation, f"∂L/∂{value.name}_t {where}", _TOO_LARGE)
            _require_finite(
                np.concatenate([value.preactivation, value.hidden_affine]), f"δ_{value.name} {where}", _TOO_LARGE
            )
        elif isinstance(value, np.ndarray):
            _require_finite(value, f"{_GRADIENT_NAMES.get(field.name, field.name)} {where}", _TOO_LARGE)


def _backward_direction(
    cell: Cell, direction: DirectionTrace[Step], d_output: Array, rounded: Rounding
) -> DirectionGradients:
    """One direction's steps from the last one run to the first; ``d_output`` (T, H_out) in time order."""
    params = direction.params
    dh_next = np.zeros(d_output.shape[1])  # ∂L/∂h_t from a step after the last: none
    dc_next = np.zeros(params.weight_hh.shape[0] // len(cell.gates)) if cell.has_cell_state else None
    steps = direction.steps[::-1]
    grads = []
    for step in steps:
        grad = cell.backward(params, step, d_output[step.t - 1], dh_next, dc_next, rounded)
        _require_finite_step(grad, params)
        grads.append(grad)
        dh_next, dc_next = grad.dh_prev, grad.dc_prev
    input_deltas = np.stack([np.concatenate([g.input_affine for g in grad.gates]) for grad in grads])  # Δ, (T, G·H)
    hidden_deltas = np.stack([np.concatenate([g.hidden_affine for g in grad.gates]) for grad in grads])
    xs = np.stack([step.x for step in steps])  # X, in the same order as Δ
    h_prevs = np.stack([step.h_prev for step in steps])
    weight_hr = None
    if params.weight_hr is not None:
        unprojected = np.stack(
            [s.h_unprojected for s in steps if isinstance(s, LstmStep) and s.h_unprojected is not None]
        )
        weight_hr = rounded(np.stack([grad.dh for grad in grads]).T @ unprojected)
    has_bias = params.bias_ih is not None
    gradients = DirectionGradients(
        params=params,
        steps=tuple(grads),
        weight_ih=rounded(input_deltas.T @ xs),
        weight_hh=rounded(hidden_deltas.T @ h_prevs),
        bias_ih=rounded(input_deltas.sum(axis=0)) if has_bias else None,
        bias_hh=rounded(hidden_deltas.sum(axis=0)) if has_bias else None,
        weight_hr=weight_hr,
        h0=dh_next,
        c0=dc_next,
    )
    for name, gradient in gradients.state_dict().items():  # sums over the steps
        _require_finite(gradient, f"∂L/∂{name}", _TOO_LARGE)
    return gradients
