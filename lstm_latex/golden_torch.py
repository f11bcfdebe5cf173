"""Every intermediate of a forward pass as torch computes it in a given dtype: a step loop of torch's
own operations, in the order torch's native kernels run them, so that its h_t and c_t are those of
torch.nn.LSTM, GRU and RNN (bit for bit with the native kernels; oneDNN's fused ones, which torch
picks on some CPUs, round an ulp apart). With a target or grad_output, autograd's gradients through
the same loop, each reading of a state a tensor of its own so that its gradient is the trace's part.

The values are named as the trace names them (lstm_latex.golden): ``gates/i/input_affine``,
``forget_term``, ``c``, ``h``, ... Imported only when golden vectors are written: it imports torch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from .model import Array, DirectionParams, Example

Tensor = torch.Tensor
# (the direction's parameters, W_ih x_t + b_ih, h_{t-1}, c_{t-1} or None) -> the step's values, by name
TorchStep = Callable[[dict[str, Tensor], Tensor, Tensor, "Tensor | None"], dict[str, Tensor]]


def _gate(
    name: str, input_affine: Tensor, hidden_affine: Tensor, preactivation: Tensor, activation: Tensor
) -> dict[str, Tensor]:
    parts = {"input_affine": input_affine, "hidden_affine": hidden_affine}
    parts |= {"preactivation": preactivation, "activation": activation}
    return {f"gates/{name}/{part}": value for part, value in parts.items()}


def lstm_step(p: dict[str, Tensor], x_affine: Tensor, h_prev: Tensor, c_prev: Tensor | None) -> dict[str, Tensor]:
    """i, f, g, o = σ, σ, tanh, σ of (W_ih x_t + b_ih) + (W_hh h_{t-1} + b_hh); c_t = f ⊙ c_{t-1} + i ⊙ g;
    h_t = o ⊙ tanh(c_t) (with W_hr: h_t = W_hr (o ⊙ tanh(c_t)))."""
    assert c_prev is not None
    h_affine = F.linear(h_prev, p["weight_hh"], p.get("bias_hh"))  # (1, 4H)
    values: dict[str, Tensor] = {}
    activations = []
    functions = (torch.sigmoid, torch.sigmoid, torch.tanh, torch.sigmoid)
    for name, function, x_k, h_k in zip("ifgo", functions, x_affine.chunk(4, 1), h_affine.chunk(4, 1), strict=True):
        preactivation = x_k + h_k
        activation = function(preactivation)
        values |= _gate(name, x_k, h_k, preactivation, activation)
        activations.append(activation)
    i, f, g, o = activations
    forget_term = f * c_prev
    input_term = i * g
    c = forget_term + input_term
    tanh_c = c.tanh()
    h = o * tanh_c
    values |= {"forget_term": forget_term, "input_term": input_term, "c": c, "tanh_c": tanh_c}
    if "weight_hr" in p:
        values["h_unprojected"], h = h, F.linear(h, p["weight_hr"])
    return values | {"h": h}


def gru_step(p: dict[str, Tensor], x_affine: Tensor, h_prev: Tensor, c_prev: Tensor | None) -> dict[str, Tensor]:
    """r, z = σ(W_i· x_t + b_i· + W_h· h_{t-1} + b_h·); n = tanh(W_in x_t + b_in + r ⊙ (W_hn h_{t-1} + b_hn));
    h_t = (h_{t-1} − n) ⊙ z + n, torch's arrangement of (1 − z) ⊙ n + z ⊙ h_{t-1}, whose terms are kept too."""
    # h_{t-1} read twice, by the gates and by (h_{t-1} − n) ⊙ z: each reading's gradient is kept apart
    kept, read = h_prev.view_as(h_prev), h_prev.view_as(h_prev)
    h_affine = F.linear(read, p["weight_hh"], p.get("bias_hh"))  # (1, 3H)
    x_r, x_z, x_n = x_affine.chunk(3, 1)
    h_r, h_z, h_n = h_affine.chunk(3, 1)
    r_pre, z_pre = x_r + h_r, x_z + h_z
    r, z = r_pre.sigmoid(), z_pre.sigmoid()
    reset_hidden = h_n * r
    n_pre = x_n + reset_hidden
    n = n_pre.tanh()
    one_minus_z = 1 - z
    values = _gate("r", x_r, h_r, r_pre, r) | _gate("z", x_z, h_z, z_pre, z) | _gate("n", x_n, h_n, n_pre, n)
    values |= {"reset_hidden": reset_hidden, "one_minus_z": one_minus_z}
    values |= {"new_term": one_minus_z * n, "keep_term": z * h_prev}
    values |= {"_h_prev_kept": kept, "_h_prev_gates": read}
    return values | {"h": (kept - n) * z + n}


def _rnn_step(activation: Callable[[Tensor], Tensor]) -> TorchStep:
    def step(p: dict[str, Tensor], x_affine: Tensor, h_prev: Tensor, c_prev: Tensor | None) -> dict[str, Tensor]:
        """h_t = activation(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)."""
        h_affine = F.linear(h_prev, p["weight_hh"], p.get("bias_hh"))
        preactivation = x_affine + h_affine
        h = activation(preactivation)
        return _gate("h", x_affine, h_affine, preactivation, h) | {"h": h}

    return step


STEPS: dict[str, TorchStep] = {
    "lstm": lstm_step,
    "gru": gru_step,
    "rnn_tanh": _rnn_step(torch.tanh),
    "rnn_relu": _rnn_step(torch.relu),
}

DTYPES = {"float32": torch.float32, "float64": torch.float64}


def torch_values(example: Example, dtype: str) -> dict[str, Array]:
    """Every intermediate of ``example``'s forward pass computed by torch in ``dtype``, by path: for each
    layer and direction ``{layer}/{direction}/{name}`` stacked over time ((T, ·), row t − 1 for step t),
    and ``output``, ``h_n``, ``c_n``; with a target or grad_output, also ``loss`` and autograd's gradient
    of each under ``grad/`` (``grad/weights/weight_ih_l0``, ``grad/x``, ``grad/0/forward/dh``, ...).
    NumPy arrays of ``dtype``."""
    network, inputs = example.network, example.inputs
    kind = DTYPES[dtype]
    differentiate = inputs.loss is not None

    def leaf(array: Array) -> Tensor:
        return torch.from_numpy(np.ascontiguousarray(array)).to(kind).requires_grad_(differentiate)

    x, h0 = leaf(inputs.x), leaf(inputs.h0)
    c0 = None if inputs.c0 is None else leaf(inputs.c0)
    runs: list[_Run] = []
    with torch.set_grad_enabled(differentiate):
        layer_input = x  # (T, I)
        for layer in range(network.num_layers):
            outputs = []
            for d in range(network.num_directions):
                index = layer * network.num_directions + d
                states = (h0[index : index + 1], None if c0 is None else c0[index : index + 1])
                run = _run(network.cell, network.directions[index], layer_input, *states, leaf)
                runs.append(run)
                outputs.append(torch.cat([run.outputs[t] for t in range(len(run.steps))]))
            layer_input = _kept(torch.cat(outputs, dim=1))  # (T, D·H_out)
        values: dict[str, Tensor] = {}
        for run in runs:
            values |= run.values()
        values |= {"output": layer_input, "h_n": torch.cat([run.final("h") for run in runs])}
        if c0 is not None:
            values["c_n"] = torch.cat([run.final("c") for run in runs])
        if inputs.loss is not None:
            from .check import _torch_loss  # the check's loss: the same in float64 and here

            values["loss"] = loss = _torch_loss(inputs.loss, layer_input)
            torch.autograd.backward(loss)
            values["grad/output"] = _grad(layer_input)
            values |= {f"grad/weights/{name}": _grad(weight) for run in runs for name, weight in run.weights.items()}
            values |= {"grad/x": _grad(x), "grad/h0": _grad(h0)} | ({} if c0 is None else {"grad/c0": _grad(c0)})
            for run in runs:
                values |= run.gradients()
    return {path: value.detach().numpy() for path, value in values.items()}


def _kept(tensor: Tensor) -> Tensor:
    """``tensor``, keeping its gradient when one is computed."""
    if tensor.requires_grad:
        tensor.retain_grad()
    return tensor


def _grad(tensor: Tensor) -> Tensor:
    """The gradient of ``tensor``: zero where the loss does not reach it."""
    return torch.zeros_like(tensor) if tensor.grad is None else tensor.grad


@dataclass(frozen=True)
class _Run:
    """One layer and direction run a step at a time, each tensor kept for its gradient. Each reading
    of a state is a tensor of its own, so that its gradient is the part that flows through it."""

    params: DirectionParams
    weights: dict[str, Tensor]  # under torch's names: weight_ih_l0, ...
    reading: Tensor  # the direction's own reading of the layer's input, (T, ·)
    steps: dict[int, dict[str, Tensor]]  # step t's values (t from 0), by name
    reads: dict[int, dict[str, Tensor]]  # h_{t-1} (and c_{t-1}) as step t read them
    outputs: dict[int, Tensor]  # h_t as the output, or the layer above, reads it

    @property
    def prefix(self) -> str:
        return f"{self.params.layer}/{'reverse' if self.params.reverse else 'forward'}/"

    def final(self, name: str) -> Tensor:
        return self.steps[0 if self.params.reverse else len(self.steps) - 1][name]

    def values(self) -> dict[str, Tensor]:
        """The forward pass's values, by path, stacked over time."""
        names = [name for name in self.steps[0] if not name.startswith("_")]
        times = range(len(self.steps))
        stacked = {"x": self.reading} | {
            name + "_prev": torch.cat([self.reads[t][name] for t in times]) for name in self.reads[0]
        }
        stacked |= {name: torch.cat([self.steps[t][name] for t in times]) for name in names}
        return {self.prefix + name: value for name, value in stacked.items()}

    def gradients(self) -> dict[str, Tensor]:
        """The gradients of each step's values, by the trace's backward names, stacked over time."""
        found = [self._gradients(t) for t in range(len(self.steps))]
        return {f"grad/{self.prefix}{name}": torch.cat([each[name] for each in found]) for name in found[0]}

    def _gradients(self, t: int) -> dict[str, Tensor]:
        step, read = self.steps[t], self.reads[t]
        following = self.reads.get(t - 1 if self.params.reverse else t + 1)  # what the next step ran read
        found = {"dh_output": _grad(self.outputs[t])}
        found["dh_next"] = torch.zeros_like(step["h"]) if following is None else _grad(following["h"])
        found["dh"] = _grad(step["h"])
        if "h_unprojected" in step:
            found["dh_unprojected"] = _grad(step["h_unprojected"])
        if "c" in step:
            found["dc_next"] = torch.zeros_like(step["c"]) if following is None else _grad(following["c"])
            found["dc"] = _grad(step["c"])
        found |= {name: _grad(value) for name, value in step.items() if name.startswith("gates/")}
        if "_h_prev_kept" in step:
            found |= {"dh_prev_kept": _grad(step["_h_prev_kept"]), "dh_prev_gates": _grad(step["_h_prev_gates"])}
        found |= {f"d{name}_prev": _grad(value) for name, value in read.items()}
        found["dx"] = _grad(self.reading)[t : t + 1]
        return found


def _run(
    cell: str,
    params: DirectionParams,
    layer_input: Tensor,
    h0: Tensor,
    c0: Tensor | None,
    leaf: Callable[[Array], Tensor],
) -> _Run:
    weights = {name: leaf(array) for name, array in params.state_dict().items()}
    p = {name.removesuffix(params.suffix): weight for name, weight in weights.items()}
    reading = _kept(layer_input.view_as(layer_input))
    x_affine = F.linear(reading, p["weight_ih"], p.get("bias_ih"))  # (T, G·H): every step at once, as torch
    seq_len = layer_input.shape[0]
    steps, reads, outputs = {}, {}, {}
    h, c = h0, c0
    for t in range(seq_len - 1, -1, -1) if params.reverse else range(seq_len):
        reads[t] = {"h": _kept(h.view_as(h))} | ({} if c is None else {"c": _kept(c.view_as(c))})
        found = STEPS[cell](p, x_affine[t : t + 1], reads[t]["h"], reads[t].get("c"))
        steps[t] = {name: _kept(value) for name, value in found.items()}
        h, c = steps[t]["h"], steps[t].get("c")
        outputs[t] = _kept(h.view_as(h))
    return _Run(params, weights, reading, steps, reads, outputs)
