"""Every intermediate of a forward pass as torch computes it in a given dtype: a step loop of torch's
own operations, in the order torch's native kernels run them, so that its h_t and c_t are those of
torch.nn.LSTM, GRU and RNN (bit for bit with the native kernels; oneDNN's fused ones, which torch
picks on some CPUs, round an ulp apart).

The values are named as the trace names them (lstm_latex.golden): ``gates/i/input_affine``,
``forget_term``, ``c``, ``h``, ... Imported only when golden vectors are written: it imports torch.
"""

from __future__ import annotations

from collections.abc import Callable

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
    h_affine = F.linear(h_prev, p["weight_hh"], p.get("bias_hh"))  # (1, 3H)
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
    return values | {"h": (h_prev - n) * z + n}


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
    and ``output``, ``h_n``, ``c_n``; as NumPy arrays of ``dtype``."""
    network, inputs = example.network, example.inputs
    kind = DTYPES[dtype]

    def tensor(array: Array) -> Tensor:
        return torch.from_numpy(np.ascontiguousarray(array)).to(kind)

    values: dict[str, Tensor] = {}
    layer_input = tensor(inputs.x)  # (T, I)
    seq_len = layer_input.shape[0]
    finals: list[dict[str, Tensor]] = []
    with torch.no_grad():
        for layer in range(network.num_layers):
            outputs = []
            for d in range(network.num_directions):
                index = layer * network.num_directions + d
                params = network.directions[index]
                p = {name: tensor(array) for name, array in _parameters(params).items()}
                x_affine = F.linear(
                    layer_input, p["weight_ih"], p.get("bias_ih")
                )  # (T, G·H): every step at once, as torch
                h = tensor(inputs.h0[index : index + 1])
                c = None if inputs.c0 is None else tensor(inputs.c0[index : index + 1])
                by_time: dict[int, dict[str, Tensor]] = {}
                for t in range(seq_len - 1, -1, -1) if params.reverse else range(seq_len):
                    read = {"x": layer_input[t : t + 1], "h_prev": h} | ({} if c is None else {"c_prev": c})
                    by_time[t] = read | STEPS[network.cell](p, x_affine[t : t + 1], h, c)
                    h, c = by_time[t]["h"], by_time[t].get("c")
                finals.append(by_time[0 if params.reverse else seq_len - 1])
                prefix = f"{layer}/{'reverse' if params.reverse else 'forward'}/"
                for name in by_time[0]:
                    values[prefix + name] = torch.cat([by_time[t][name] for t in range(seq_len)])
                outputs.append(values[prefix + "h"])
            layer_input = torch.cat(outputs, dim=1)  # (T, D·H_out)
    values["output"] = layer_input
    values["h_n"] = torch.cat([final["h"] for final in finals])
    if "c" in finals[0]:
        values["c_n"] = torch.cat([final["c"] for final in finals])
    return {path: value.numpy() for path, value in values.items()}


def _parameters(params: DirectionParams) -> dict[str, Array]:
    """The direction's parameters under torch's names without their suffix: weight_ih, ..."""
    return {name.removesuffix(params.suffix): array for name, array in params.state_dict().items()}
