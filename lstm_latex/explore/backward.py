"""What a reader of the web page can point at in the backward pass (see the package: lstm_latex/explore/): each
gradient a backward display computes, the entries it is computed from, in its display and in the
forward displays whose values it uses, and its arithmetic; then the parameters' gradients, sums
over the steps."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from ..backprop import Gradients
from ..cells import GruGrad, GruStep, LstmGrad, LstmStep, RnnGrad, RnnStep
from ..latex import NumberFormat
from ..model import Array, Gate, GateGrad, GateParams
from ..view.directions import LabelledGradients
from .records import Chain, Entry, Place, Ref, Shown, bracketed, chain_of, summed


def lstm_backward(
    s: LstmStep,
    g: LstmGrad,
    gates: Sequence[GateParams],
    weight_hr: Array | None,
    numbers: NumberFormat,
    forward: Mapping[str, Ref],
    shows: Callable[[str], bool],
) -> list[Chain | None]:
    """An LSTM step's backward displays as they print: ∂L/∂h_t, then the output gate's ∂L/∂o_t and
    δ_o, ∂L/∂c_t, and the input gate's, the forget gate's and the cell candidate's (the gates
    ``shows``); then back to step t − 1: Σ_k W_hkᵀ δ_k, f_t ⊙ ∂L/∂c_t, and Σ_k W_ikᵀ δ_k to x_t
    (the weights of ``gates``, the direction's). An entry uses the entries its arithmetic reads in
    its own display and, where ``forward`` has them (a name: its chain and matrix), the forward
    values in theirs: o_t, tanh(c_t), i_t, f_t, g_t, c_{t-1}. With a projection (``weight_hr``),
    ∂L/∂h̃_t = W_hrᵀ ∂L/∂h_t comes after ∂L/∂h_t, and stands for it in o_t's and c_t's displays."""
    gated = g.dh if g.dh_unprojected is None else g.dh_unprojected  # ∂L/∂h_t, or ∂L/∂h̃_t
    projection = [] if weight_hr is None else [sent_back([weight_hr], [g.dh], gated, numbers)]

    def gate(name: str, d: Array, factor: str) -> list[Chain | None]:
        """∂L/∂k_t = d ⊙ a forward value (``factor``), then δ_k = ∂L/∂k_t ⊙ the activation's derivative."""
        value = s.tanh_c if factor == "tanh_c" else s.c_prev if factor == "c_prev" else getattr(s, factor).activation
        grad = getattr(g, name)

        def product(k: int, number: Shown) -> Entry:
            return Entry(
                (2, k, 0),
                ((0, k, 0), (1, k, 0), *_used(forward, k, factor)),
                summed([(d[k], value[k])], [], grad.activation[k], number),
            )

        function = "tanh" if name == "g" else "sigmoid"
        return (
            [gate_gradient([d, value], product, grad, getattr(s, name), function, numbers, forward)]
            if shows(name)
            else []
        )

    o = s.o.activation
    cell_state = chain_of(
        [g.dc_next, gated, o, s.tanh_c, s.tanh_c, g.dc],
        numbers,
        lambda k, number: [
            Entry(
                (5, k, 0),
                (*((m, k, 0) for m in range(5)), *_used(forward, k, "o", "tanh_c")),
                # ∂L/∂c_t = from step t + 1 + ∂L/∂h_t ⊙ o_t ⊙ (1 − tanh²(c_t))
                f"{number(g.dc_next[k])} + {bracketed(number)(gated[k])} · {number(o[k])}"
                f" · (1 − {bracketed(number)(s.tanh_c[k])}²) = {number(g.dc[k])}",
            )
        ],
    )
    return [
        hidden_gradient(g, numbers),
        *projection,
        *gate("o", gated, "tanh_c"),
        cell_state,
        *gate("i", g.dc, "g"),
        *gate("f", g.dc, "c_prev"),
        *gate("g", g.dc, "i"),
        sent_back([p.weight_h for p in gates], [k.hidden_affine for k in g.gates], g.dh_prev, numbers),
        chain_of(
            [s.f.activation, g.dc, g.dc_prev],
            numbers,
            lambda k, number: [
                Entry(
                    (2, k, 0),
                    ((0, k, 0), (1, k, 0), *_used(forward, k, "f")),
                    summed([(s.f.activation[k], g.dc[k])], [], g.dc_prev[k], number),
                )
            ],
        ),
        sent_back([p.weight_i for p in gates], [k.input_affine for k in g.gates], g.dx, numbers),
    ]


def gru_backward(
    s: GruStep,
    g: GruGrad,
    gates: Sequence[GateParams],
    numbers: NumberFormat,
    forward: Mapping[str, Ref],
    shows: Callable[[str], bool],
) -> list[Chain | None]:
    """A GRU step's backward displays as they print: ∂L/∂h_t, then (the gates ``shows``) the new
    gate's ∂L/∂n_t = ∂L/∂h_t ⊙ (1 − z_t) and δ_n, the update gate's ∂L/∂z_t = ∂L/∂h_t ⊙ (h_{t-1} − n_t)
    and δ_z, and the reset gate's ∂L/∂r_t = δ_n ⊙ (W_hn h_{t-1} + b_hn) and δ_r; each with the forward
    values it uses where ``forward`` has them: 1 − z_t, h_{t-1} (the hidden state's display), n_t,
    z_t, r_t, and W_hn h_{t-1} + b_hn (the new gate's first display). Then back to step t − 1
    (the weights of ``gates``, the direction's): r_t ⊙ δ_n, ∂L/∂h_t ⊙ z_t, what the gates send back,
    Σ_k W_hkᵀ (δ_r, δ_z, r_t ⊙ δ_n), and their sum; and Σ_k W_ikᵀ δ_k to x_t."""
    n, dh = s.n.activation, g.dh

    def new(k: int, number: Shown) -> Entry:
        uses = ((0, k, 0), (1, k, 0), *_used(forward, k, "one_minus_z"))
        return Entry((2, k, 0), uses, summed([(dh[k], s.one_minus_z[k])], [], g.n.activation[k], number))

    def update(k: int, number: Shown) -> Entry:
        uses = ((0, k, 0), (1, k, 0), (2, k, 0), *_used(forward, k, "h_prev", "n"))
        line = f"{number(dh[k])} · ({number(s.h_prev[k])} − {bracketed(number)(n[k])}) = {number(g.z.activation[k])}"
        return Entry((3, k, 0), uses, line)

    def reset(k: int, number: Shown) -> Entry:
        uses = ((0, k, 0), (1, k, 0), *_used(forward, k, "n hidden"))
        return Entry(
            (2, k, 0), uses, summed([(g.n.preactivation[k], s.n.hidden_affine[k])], [], g.r.activation[k], number)
        )

    by_gate = {
        "n": ([dh, s.one_minus_z], new, "tanh"),
        "z": ([dh, s.h_prev, n], update, "sigmoid"),
        "r": ([g.n.preactivation, s.n.hidden_affine], reset, "sigmoid"),
    }
    r, z, scaled = s.r.activation, s.z.activation, g.n.hidden_affine
    weights, deltas = [p.weight_h for p in gates], [k.hidden_affine for k in g.gates]
    # r_t ⊙ δ_n; ∂L/∂h_t ⊙ z_t; Σ_k W_hkᵀ (δ_r, δ_z, r_t ⊙ δ_n) from the 5th matrix; then the kept
    # part, the gates' part and their sum, from the ``kept``-th
    back = [r, g.n.preactivation, scaled, dh, z, *_transposed(weights, deltas), g.dh_prev_gates]
    kept = len(back)
    back += [g.dh_prev_kept, g.dh_prev_gates, g.dh_prev]

    def sent(k: int, number: Shown) -> list[Entry]:
        return [
            Entry(
                (2, k, 0),
                ((0, k, 0), (1, k, 0), *_used(forward, k, "r")),
                summed([(r[k], g.n.preactivation[k])], [], scaled[k], number),
            ),
            _sent_back(k, 5, weights, deltas, g.dh_prev_gates, number),
            Entry(
                (kept, k, 0),
                ((3, k, 0), (4, k, 0), *_used(forward, k, "z")),
                summed([(dh[k], z[k])], [], g.dh_prev_kept[k], number),
            ),
            Entry(
                (kept + 2, k, 0),
                ((kept, k, 0), (kept + 1, k, 0)),
                summed([], [g.dh_prev_kept[k], g.dh_prev_gates[k]], g.dh_prev[k], number),
            ),
        ]

    return [
        hidden_gradient(g, numbers),
        *(
            gate_gradient(factors, product, getattr(g, name), getattr(s, name), function, numbers, forward)
            for name, (factors, product, function) in by_gate.items()
            if shows(name)
        ),
        chain_of(back, numbers, sent),
        sent_back([p.weight_i for p in gates], [k.input_affine for k in g.gates], g.dx, numbers),
    ]


def rnn_backward(
    g: RnnGrad, s: RnnStep, gate: GateParams, numbers: NumberFormat, forward: Mapping[str, Ref], function: str
) -> list[Chain | None]:
    """An RNN step's backward displays as they print: ∂L/∂h_t, then δ_t = ∂L/∂h_t ⊙ (1 − h_t ⊙ h_t)
    (tanh), which uses h_t, the forward step's activation, or δ_t = ∂L/∂h_t ⊙ [z_t > 0] (ReLU),
    which uses z_t, its preactivation; then back to step t − 1, W_hhᵀ δ_t, and to x_t, W_ihᵀ δ_t
    (``gate``: the direction's one block of weights)."""
    derivative = _derivative(function, s.affine)

    def entries(k: int, number: Shown) -> list[Entry]:
        return [_delta(k, 0, g.affine, derivative, function, number, forward)]

    delta = g.affine.preactivation
    return [
        hidden_gradient(g, numbers),
        chain_of([g.dh, *derivative, delta], numbers, entries),
        sent_back([gate.weight_h], [delta], g.dh_prev, numbers),
        sent_back([gate.weight_i], [delta], g.dx, numbers),
    ]


def sent_back(weights: Sequence[Array], vectors: Sequence[Array], result: Array, numbers: NumberFormat) -> Chain | None:
    """Σ_k W_kᵀ v_k = result as its display prints it (what a step sends back to h_{t-1} or x_t):
    each W_kᵀ and its v_k, then the result."""
    return chain_of(
        [*_transposed(weights, vectors), result],
        numbers,
        lambda j, number: [_sent_back(j, 0, weights, vectors, result, number)],
    )


def _transposed(weights: Sequence[Array], vectors: Sequence[Array]) -> list[Array]:
    """W_1ᵀ, v_1, W_2ᵀ, v_2, …: the matrices of Σ_k W_kᵀ v_k as they print."""
    return [array for weight, vector in zip(weights, vectors, strict=True) for array in (weight.T, vector)]


def _sent_back(
    j: int, m: int, weights: Sequence[Array], vectors: Sequence[Array], result: Array, number: Shown
) -> Entry:
    """Entry j of Σ_k W_kᵀ v_k = result, in a display whose matrices from the m-th are W_1ᵀ, v_1,
    W_2ᵀ, v_2, …, then the result: row j of each W_kᵀ (column j of W_k) by v_k."""
    uses: list[Place] = []
    products: list[tuple[float, float]] = []
    for k, (weight, vector) in enumerate(zip(weights, vectors, strict=True)):
        uses += [(m + 2 * k, j, i) for i in range(len(vector))] + [(m + 2 * k + 1, i, 0) for i in range(len(vector))]
        products += list(zip(weight[:, j], vector, strict=True))
    return Entry((m + 2 * len(weights), j, 0), tuple(uses), summed(products, [], result[j], number))


def parameter_gradients(
    b: LabelledGradients, numbers: NumberFormat, shows: Callable[[str], bool]
) -> list[Chain | None]:
    """A direction's parameters' gradients as their displays print them, a gate ``shows`` after
    another: ∂L/∂W_ik = Σ_t δ_t x_tᵀ, ∂L/∂W_hk = Σ_t δ^h_t h_{t-1}ᵀ (δ^h: the GRU's n's is
    r_t ⊙ δ_n), then the biases' Σ_t δ_t and Σ_t δ^h_t in one display; with a projection, then
    ∂L/∂W_hr = Σ_t ∂L/∂h_t h̃_tᵀ. None where a sum leaves steps out (its terms elided, as a long
    matrix's entries are)."""
    found: list[Chain | None] = []
    for index, gradient in enumerate(b.gates):
        if not shows(gradient.name):
            continue
        deltas_i, deltas_h = b.gate_deltas(index)
        found += [
            _outer_sum(deltas_i, b.inputs, gradient.weight_i, numbers),
            _outer_sum(deltas_h, b.previous_hidden, gradient.weight_h, numbers),
        ]
        if gradient.bias_i is not None and gradient.bias_h is not None:
            found.append(_bias_sums((deltas_i, gradient.bias_i), (deltas_h, gradient.bias_h), numbers))
    if b.gradients.weight_hr is not None:
        found.append(_outer_sum(b.hidden_gradients, b.unprojected, b.gradients.weight_hr, numbers))
    return found


def _outer_sum(columns: Sequence[Array], rows: Sequence[Array], result: Array, numbers: NumberFormat) -> Chain | None:
    """Σ_t a_t b_tᵀ = result as its display prints it: a_t, then b_tᵀ (a row), a step after
    another, then the result; entry (i, j) sums a_t's i-th entry by b_t's j-th."""
    if None in numbers.kept(len(columns)):
        return None
    arrays = [array for a, b in zip(columns, rows, strict=True) for array in (a, b[np.newaxis, :])]

    def entries(i: int, number: Shown) -> list[Entry]:
        found = []
        for j in range(result.shape[1]):
            uses = [place for t in range(len(columns)) for place in ((2 * t, i, 0), (2 * t + 1, 0, j))]
            products = [(a[i], b[j]) for a, b in zip(columns, rows, strict=True)]
            found.append(Entry((len(arrays), i, j), tuple(uses), summed(products, [], result[i, j], number)))
        return found

    return chain_of([*arrays, result], numbers, entries)


def _bias_sums(
    input_side: tuple[Sequence[Array], Array], hidden_side: tuple[Sequence[Array], Array], numbers: NumberFormat
) -> Chain | None:
    """∂L/∂b_ik = Σ_t δ_t and ∂L/∂b_hk = Σ_t δ^h_t as their display prints them, one a line: each
    sum's terms, then its result."""
    if None in numbers.kept(len(input_side[0])):
        return None
    (deltas_i, bias_i), (deltas_h, bias_h) = input_side, hidden_side
    first = len(deltas_i) + 1  # where the second line's matrices start

    def entries(k: int, number: Shown) -> list[Entry]:
        return [
            Entry(
                (first - 1, k, 0),
                tuple((t, k, 0) for t in range(len(deltas_i))),
                summed([], [d[k] for d in deltas_i], bias_i[k], number),
            ),
            Entry(
                (first + len(deltas_h), k, 0),
                tuple((first + t, k, 0) for t in range(len(deltas_h))),
                summed([], [d[k] for d in deltas_h], bias_h[k], number),
            ),
        ]

    return chain_of([*deltas_i, bias_i, *deltas_h, bias_h], numbers, entries)


def gate_gradient(
    factors: Sequence[Array],
    product: Callable[[int, Shown], Entry],
    grad: GateGrad,
    gate: Gate,
    function: str,
    numbers: NumberFormat,
    forward: Mapping[str, Ref],
) -> Chain | None:
    """A gate's backward display: ∂L/∂k_t, the product of ``factors`` (``product``: its entry k),
    then δ_k = ∂L/∂k_t ⊙ the activation's derivative, written with the forward values."""
    derivative = _derivative(function, gate)

    def entries(k: int, number: Shown) -> list[Entry]:
        return [product(k, number), _delta(k, len(factors) + 1, grad, derivative, function, number, forward)]

    return chain_of([*factors, grad.activation, grad.activation, *derivative, grad.preactivation], numbers, entries)


def _derivative(function: str, gate: Gate) -> list[Array]:
    """The matrices the activation's derivative prints: k_t twice, k ⊙ (1 − k) or (1 − k ⊙ k); z_t, [z_t > 0]."""
    return [gate.preactivation] if function == "relu" else [gate.activation, gate.activation]


def _delta(
    k: int,
    m: int,
    grad: GateGrad,
    derivative: Sequence[Array],
    function: str,
    number: Shown,
    forward: Mapping[str, Ref],
) -> Entry:
    """Entry k of δ = ∂L/∂k_t ⊙ the derivative, in a display whose matrices from the m-th are ∂L/∂k_t,
    the ``derivative``'s and δ; it uses the gate's forward value (or its preactivation, for ReLU's)."""
    name = grad.name if function != "relu" else f"{grad.name} preactivation"
    value, n = derivative[0][k], bracketed(number)
    shown = {
        "sigmoid": f"{n(value)} · (1 − {n(value)})",
        "tanh": f"(1 − {n(value)}²)",
        "relu": f"[{number(value)} > 0]",
    }
    uses = ((m, k, 0), *((m + 1 + j, k, 0) for j in range(len(derivative))), *_used(forward, k, name))
    line = f"{number(grad.activation[k])} · {shown[function]} = {number(grad.preactivation[k])}"
    return Entry((m + 1 + len(derivative), k, 0), uses, line)


def _used(forward: Mapping[str, Ref], k: int, *names: str) -> tuple[Place, ...]:
    """Entry k of each forward value ``names`` in its chain's display, where ``forward`` has it."""
    return tuple((m, k, 0, chain) for chain, m in (forward[name] for name in names if name in forward))


def hidden_gradient(g: LstmGrad | GruGrad | RnnGrad, numbers: NumberFormat) -> Chain | None:
    """∂L/∂h_t = from the output (or the layer above) + from the next step, every cell's first backward display."""
    return chain_of(
        [g.dh_output, g.dh_next, g.dh],
        numbers,
        lambda k, number: [
            Entry((2, k, 0), ((0, k, 0), (1, k, 0)), summed([], [g.dh_output[k], g.dh_next[k]], g.dh[k], number))
        ],
    )


def loss_chain(output: Array, gradients: Gradients, numbers: NumberFormat) -> Chain | None:
    """The loss's display: output − target = the error, each entry of the error the output's less
    the target's; then, for a loss other than ½ Σ, ∂L/∂output on a line of its own (not marked).
    None for a grad_output, whose display has no difference."""
    target, error = gradients.loss.target, gradients.error
    if target is None or error is None:
        return None
    arrays = [output, target, error] + ([] if gradients.loss.kind == "half_sse" else [gradients.d_output])

    def entries(t: int, number: Shown) -> list[Entry]:
        return [
            Entry(
                (2, t, j),
                ((0, t, j), (1, t, j)),
                f"{number(output[t, j])} − {bracketed(number)(target[t, j])} = {number(error[t, j])}",
            )
            for j in range(error.shape[1])
        ]

    return chain_of(arrays, numbers, entries, rows=len(error))


def descent_chains(
    b: LabelledGradients, lr: str, numbers: NumberFormat, shows: Callable[[str], bool]
) -> list[Chain | None]:
    """A direction's parameters after one step of SGD as their displays print them, a gate ``shows``
    after another: W ← W − η ∂L/∂W for W_i, W_h, b_i and b_h (those the network has), each new
    entry its parameter's less η (``lr``, as printed) times its gradient's; then W_hr, with a projection."""
    found = [
        _descended([side[2:] for side in b.descended(params, gradient, new)], lr, numbers)  # value, gradient, after
        for params, gradient, new in b.descent
        if shows(params.name)
    ]
    weight_hr, updated = b.direction.trace.params.weight_hr, b.gradients.updated
    if weight_hr is not None and b.gradients.weight_hr is not None and updated is not None:
        assert updated.weight_hr is not None  # a projection's step of SGD
        found.append(_descended([(weight_hr, b.gradients.weight_hr, updated.weight_hr)], lr, numbers))
    return found


def _descended(sides: Sequence[tuple[Array, Array, Array]], lr: str, numbers: NumberFormat) -> Chain | None:
    """W − η ∂L/∂W = W' for each (W, ∂L/∂W, W') of ``sides``, one after another in a display; entry
    (k, j) of W' from W's and ∂L/∂W's."""
    arrays = [array for side in sides for array in side]

    def entries(k: int, number: Shown) -> list[Entry]:
        found = []
        for s, (value, gradient, new) in enumerate(sides):
            for j in range(1 if value.ndim == 1 else value.shape[1]):
                at = (k,) if value.ndim == 1 else (k, j)
                line = f"{number(value[at])} − {lr} · {bracketed(number)(gradient[at])} = {number(new[at])}"
                found.append(Entry((3 * s + 2, k, j), ((3 * s, k, j), (3 * s + 1, k, j)), line))
        return found

    return chain_of(arrays, numbers, entries, rows=len(sides[0][0]))
