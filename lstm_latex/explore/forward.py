"""The forward displays the web page can mark: each gate's chain (W_i x_t + b_i, W_h h_{t-1} + b_h,
their sum and the activation; the GRU's n in its two displays), the LSTM's state updates (with a
projection too) and the GRU's hidden state."""

from __future__ import annotations

from collections.abc import Mapping

from ..cells import GruStep, LstmStep, Step
from ..latex import NumberFormat
from ..model import Array, Gate, GateParams
from .records import FUNCTIONS, Chain, Entry, Shown, chain_of, summed


def gate_chain(gp: GateParams, s: Step, g: Gate, numbers: NumberFormat, function: str) -> Chain | None:
    """Gate g's chain at step s as its display prints it: W_i x_t + b_i + W_h h_{t-1} + b_h (the
    biases where the network has them), the two affine parts, their sum and the activation of it;
    None where a matrix prints a power of ten or leaves entries out, whose entries the page cannot match."""
    arrays, at = _named(
        W_i=gp.weight_i,  # (H, I)
        x=s.x,  # (I,)
        b_i=gp.bias_i,  # (H,)
        W_h=gp.weight_h,  # (H, H_out)
        h=s.h_prev,  # (H_out,)
        b_h=gp.bias_h,  # (H,)
        x_affine=g.input_affine,  # W_i x_t + b_i, (H,)
        h_affine=g.hidden_affine,  # W_h h_{t-1} + b_h, (H,)
        z=g.preactivation,  # their sum, (H,)
        a=g.activation,  # (H,)
    )

    def entries(k: int, number: Shown) -> list[Entry]:
        return [
            _affine(k, arrays, at, ("W_i", "x", "b_i", "x_affine"), number),
            _affine(k, arrays, at, ("W_h", "h", "b_h", "h_affine"), number),
            *_activated(k, arrays, at, ("x_affine", "h_affine"), function, number),
        ]

    return chain_of(list(arrays.values()), numbers, entries)


def new_gate_chains(gp: GateParams, s: GruStep, numbers: NumberFormat) -> tuple[Chain | None, Chain | None]:
    """The GRU's n gate at step s as its two displays print it: first the hidden part the reset
    gate scales, W_hn h_{t-1} + b_hn; then n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t-1} + b_hn)):
    the input part, r_t's product with the hidden part, their sum and tanh of it."""
    hidden, hidden_at = _named(W_h=gp.weight_h, h=s.h_prev, b_h=gp.bias_h, h_affine=s.n.hidden_affine)
    arrays, at = _named(
        W_i=gp.weight_i,  # (H, I)
        x=s.x,  # (I,)
        b_i=gp.bias_i,  # (H,)
        r=s.r.activation,  # (H,)
        h_affine=s.n.hidden_affine,  # W_hn h_{t-1} + b_hn, (H,)
        x_affine=s.n.input_affine,  # W_in x_t + b_in, (H,)
        scaled=s.reset_hidden,  # r_t ⊙ (W_hn h_{t-1} + b_hn), (H,)
        z=s.n.preactivation,  # their sum, (H,)
        a=s.n.activation,  # (H,)
    )

    def entries(k: int, number: Shown) -> list[Entry]:
        scaled = summed([(s.r.activation[k], s.n.hidden_affine[k])], [], s.reset_hidden[k], number)
        return [
            _affine(k, arrays, at, ("W_i", "x", "b_i", "x_affine"), number),
            Entry((at["scaled"], k, 0), ((at["r"], k, 0), (at["h_affine"], k, 0)), scaled),
            *_activated(k, arrays, at, ("x_affine", "scaled"), "tanh", number),
        ]

    def hidden_entries(k: int, number: Shown) -> list[Entry]:
        return [_affine(k, hidden, hidden_at, ("W_h", "h", "b_h", "h_affine"), number)]

    return chain_of(list(hidden.values()), numbers, hidden_entries), chain_of(list(arrays.values()), numbers, entries)


def gru_states(s: GruStep, numbers: NumberFormat) -> Chain | None:
    """A GRU step's hidden state as its display prints it: 1 − z_t, then h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t-1}
    (the two products, then their sum)."""
    z, n = s.z.activation, s.n.activation
    return chain_of(
        [z, s.one_minus_z, s.one_minus_z, n, z, s.h_prev, s.new_term, s.keep_term, s.h],
        numbers,
        lambda k, number: [
            Entry((1, k, 0), ((0, k, 0),), f"1 − {number(z[k])} = {number(s.one_minus_z[k])}"),
            Entry((6, k, 0), ((2, k, 0), (3, k, 0)), summed([(s.one_minus_z[k], n[k])], [], s.new_term[k], number)),
            Entry((7, k, 0), ((4, k, 0), (5, k, 0)), summed([(z[k], s.h_prev[k])], [], s.keep_term[k], number)),
            Entry((8, k, 0), ((6, k, 0), (7, k, 0)), summed([], [s.new_term[k], s.keep_term[k]], s.h[k], number)),
        ],
    )


def _named(**shown: Array | None) -> tuple[dict[str, Array], dict[str, int]]:
    """A display's matrices by name, in the order it prints them (None: one it does not print, a
    bias the network lacks), and each one's place in the display."""
    arrays = {name: array for name, array in shown.items() if array is not None}
    return arrays, {name: place for place, name in enumerate(arrays)}


def _affine(
    k: int, arrays: Mapping[str, Array], at: Mapping[str, int], names: tuple[str, str, str, str], number: Shown
) -> Entry:
    """Entry k of W v + b (``names``: W's, v's, b's, perhaps not printed, and the result's): row k
    of W by v, plus b_k."""
    W, v, b, result = (arrays[names[0]], arrays[names[1]], arrays.get(names[2]), arrays[names[3]])
    row = [(at[names[0]], k, j) for j in range(W.shape[1])]
    column = [(at[names[1]], j, 0) for j in range(v.shape[0])]
    bias = [] if b is None else [(at[names[2]], k, 0)]
    arithmetic = summed(list(zip(W[k], v, strict=True)), [] if b is None else [b[k]], result[k], number)
    return Entry((at[names[3]], k, 0), (*row, *column, *bias), arithmetic)


def _activated(
    k: int, arrays: Mapping[str, Array], at: Mapping[str, int], parts: tuple[str, str], function: str, number: Shown
) -> list[Entry]:
    """Entry k of a gate's preactivation z, the sum of its two ``parts``, and of its activation a."""
    x_part, h_part, z, a = arrays[parts[0]], arrays[parts[1]], arrays["z"], arrays["a"]
    total = summed([], [x_part[k], h_part[k]], z[k], number)
    applied = f"{FUNCTIONS[function]}({number(z[k])}) = {number(a[k])}"
    return [
        Entry((at["z"], k, 0), ((at[parts[0]], k, 0), (at[parts[1]], k, 0)), total),
        Entry((at["a"], k, 0), ((at["z"], k, 0),), applied),
    ]


def lstm_states(s: LstmStep, weight_hr: Array | None, numbers: NumberFormat) -> list[Chain | None]:
    """An LSTM step's state updates as their displays print them: c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
    (the two products, then their sum), and h_t = o_t ⊙ tanh(c_t) (tanh(c_t), then the product);
    with a projection (``weight_hr``), h_t = W_hr (o_t ⊙ tanh(c_t)): the product h̃_t, then W_hr's by it."""
    f, i, g, o = s.f.activation, s.i.activation, s.g.activation, s.o.activation
    cell = chain_of(
        [f, s.c_prev, i, g, s.forget_term, s.input_term, s.c],
        numbers,
        lambda k, number: [
            Entry((4, k, 0), ((0, k, 0), (1, k, 0)), summed([(f[k], s.c_prev[k])], [], s.forget_term[k], number)),
            Entry((5, k, 0), ((2, k, 0), (3, k, 0)), summed([(i[k], g[k])], [], s.input_term[k], number)),
            Entry((6, k, 0), ((4, k, 0), (5, k, 0)), summed([], [s.forget_term[k], s.input_term[k]], s.c[k], number)),
        ],
    )
    if weight_hr is None or s.h_unprojected is None:
        hidden = chain_of(
            [o, s.c, o, s.tanh_c, s.h],
            numbers,
            lambda k, number: [
                Entry((3, k, 0), ((1, k, 0),), f"tanh({number(s.c[k])}) = {number(s.tanh_c[k])}"),
                Entry((4, k, 0), ((2, k, 0), (3, k, 0)), summed([(o[k], s.tanh_c[k])], [], s.h[k], number)),
            ],
        )
        return [cell, hidden]
    unprojected = s.h_unprojected  # h̃_t = o_t ⊙ tanh(c_t), (H,); h_t = W_hr h̃_t, (H_out,)

    def projected(k: int, number: Shown) -> list[Entry]:
        found = [Entry((3, k, 0), ((0, k, 0), (1, k, 0)), summed([(o[k], s.tanh_c[k])], [], unprojected[k], number))]
        if k < len(s.h):
            uses = (*((2, k, j) for j in range(len(unprojected))), *((3, j, 0) for j in range(len(unprojected))))
            found.append(
                Entry((4, k, 0), uses, summed(list(zip(weight_hr[k], unprojected, strict=True)), [], s.h[k], number))
            )
        return found

    return [cell, chain_of([o, s.tanh_c, weight_hr, unprojected, s.h], numbers, projected, rows=len(unprojected))]
