"""What a reader of the web page can point at: each entry a display's chain computes, the entries
it is computed from, and its own arithmetic, for the page's script (templates/partials/page.js.j2)
to light up. Decided here from the trace (the backward pass's in explore_backward.py); the page
finds a chain's matrices by their order in its display and checks that each prints the numbers
listed here before it marks anything."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from .cells import Cell, GruGrad, GruStep, LstmGrad, LstmStep, RnnGrad, RnnStep, Step
from .latex import NumberFormat
from .model import Array, Gate, GateParams
from .selection import Selection
from .view.directions import LabelledDirection, LabelledGradients

FUNCTIONS = {"sigmoid": "σ", "tanh": "tanh", "relu": "ReLU"}  # an activation as the arithmetic line names it
# A matrix of the display (by its order there), a row and a column of it; and the chain of another
# display, for a forward value a backward entry uses.
Place = tuple[int, int, int] | tuple[int, int, int, int]
Shown = Callable[[float], str]  # a number of a chain's line of arithmetic, as its matrix prints it
_MATRIX = re.compile(r"\\left\[\\begin\{array\}\{[rlc]*\}(.*)\\end\{array\}\\right\]", re.DOTALL)  # its entries
Ref = tuple[int, int]  # a matrix of another display: its chain's place in the page's list, the matrix's in the chain


@dataclass(frozen=True)
class Entry:
    """An entry a chain computes, where it is, where its operands are, and its arithmetic."""

    at: Place
    uses: tuple[Place, ...]
    arithmetic: str


@dataclass(frozen=True)
class Chain:
    """A display's chain of arithmetic: its matrices' printed entries, row by row, in the display's
    order, and the entries it computes."""

    matrices: tuple[tuple[tuple[str, ...], ...], ...]
    entries: tuple[Entry, ...]


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

    return _chain(list(arrays.values()), numbers, entries)


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
        scaled = _sum([(s.r.activation[k], s.n.hidden_affine[k])], [], s.reset_hidden[k], number)
        return [
            _affine(k, arrays, at, ("W_i", "x", "b_i", "x_affine"), number),
            Entry((at["scaled"], k, 0), ((at["r"], k, 0), (at["h_affine"], k, 0)), scaled),
            *_activated(k, arrays, at, ("x_affine", "scaled"), "tanh", number),
        ]

    def hidden_entries(k: int, number: Shown) -> list[Entry]:
        return [_affine(k, hidden, hidden_at, ("W_h", "h", "b_h", "h_affine"), number)]

    return _chain(list(hidden.values()), numbers, hidden_entries), _chain(list(arrays.values()), numbers, entries)


def gru_states(s: GruStep, numbers: NumberFormat) -> Chain | None:
    """A GRU step's hidden state as its display prints it: 1 − z_t, then h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t-1}
    (the two products, then their sum)."""
    z, n = s.z.activation, s.n.activation
    return _chain(
        [z, s.one_minus_z, s.one_minus_z, n, z, s.h_prev, s.new_term, s.keep_term, s.h],
        numbers,
        lambda k, number: [
            Entry((1, k, 0), ((0, k, 0),), f"1 − {number(z[k])} = {number(s.one_minus_z[k])}"),
            Entry((6, k, 0), ((2, k, 0), (3, k, 0)), _sum([(s.one_minus_z[k], n[k])], [], s.new_term[k], number)),
            Entry((7, k, 0), ((4, k, 0), (5, k, 0)), _sum([(z[k], s.h_prev[k])], [], s.keep_term[k], number)),
            Entry((8, k, 0), ((6, k, 0), (7, k, 0)), _sum([], [s.new_term[k], s.keep_term[k]], s.h[k], number)),
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
    arithmetic = _sum(list(zip(W[k], v, strict=True)), [] if b is None else [b[k]], result[k], number)
    return Entry((at[names[3]], k, 0), (*row, *column, *bias), arithmetic)


def _activated(
    k: int, arrays: Mapping[str, Array], at: Mapping[str, int], parts: tuple[str, str], function: str, number: Shown
) -> list[Entry]:
    """Entry k of a gate's preactivation z, the sum of its two ``parts``, and of its activation a."""
    x_part, h_part, z, a = arrays[parts[0]], arrays[parts[1]], arrays["z"], arrays["a"]
    summed = _sum([], [x_part[k], h_part[k]], z[k], number)
    applied = f"{FUNCTIONS[function]}({number(z[k])}) = {number(a[k])}"
    return [
        Entry((at["z"], k, 0), ((at[parts[0]], k, 0), (at[parts[1]], k, 0)), summed),
        Entry((at["a"], k, 0), ((at["z"], k, 0),), applied),
    ]


def lstm_states(s: LstmStep, weight_hr: Array | None, numbers: NumberFormat) -> list[Chain | None]:
    """An LSTM step's state updates as their displays print them: c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
    (the two products, then their sum), and h_t = o_t ⊙ tanh(c_t) (tanh(c_t), then the product);
    with a projection (``weight_hr``), h_t = W_hr (o_t ⊙ tanh(c_t)): the product h̃_t, then W_hr's by it."""
    f, i, g, o = s.f.activation, s.i.activation, s.g.activation, s.o.activation
    cell = _chain(
        [f, s.c_prev, i, g, s.forget_term, s.input_term, s.c],
        numbers,
        lambda k, number: [
            Entry((4, k, 0), ((0, k, 0), (1, k, 0)), _sum([(f[k], s.c_prev[k])], [], s.forget_term[k], number)),
            Entry((5, k, 0), ((2, k, 0), (3, k, 0)), _sum([(i[k], g[k])], [], s.input_term[k], number)),
            Entry((6, k, 0), ((4, k, 0), (5, k, 0)), _sum([], [s.forget_term[k], s.input_term[k]], s.c[k], number)),
        ],
    )
    if weight_hr is None or s.h_unprojected is None:
        hidden = _chain(
            [o, s.c, o, s.tanh_c, s.h],
            numbers,
            lambda k, number: [
                Entry((3, k, 0), ((1, k, 0),), f"tanh({number(s.c[k])}) = {number(s.tanh_c[k])}"),
                Entry((4, k, 0), ((2, k, 0), (3, k, 0)), _sum([(o[k], s.tanh_c[k])], [], s.h[k], number)),
            ],
        )
        return [cell, hidden]
    unprojected = s.h_unprojected  # h̃_t = o_t ⊙ tanh(c_t), (H,); h_t = W_hr h̃_t, (H_out,)

    def projected(k: int, number: Shown) -> list[Entry]:
        found = [Entry((3, k, 0), ((0, k, 0), (1, k, 0)), _sum([(o[k], s.tanh_c[k])], [], unprojected[k], number))]
        if k < len(s.h):
            uses = (*((2, k, j) for j in range(len(unprojected))), *((3, j, 0) for j in range(len(unprojected))))
            found.append(
                Entry((4, k, 0), uses, _sum(list(zip(weight_hr[k], unprojected, strict=True)), [], s.h[k], number))
            )
        return found

    return [cell, _chain([o, s.tanh_c, weight_hr, unprojected, s.h], numbers, projected, rows=len(unprojected))]


def _chain(
    arrays: Sequence[Array],
    numbers: NumberFormat,
    entries: Callable[[int, Shown], list[Entry]],
    rows: int | None = None,
) -> Chain | None:
    """A display of these matrices in this order, with the entries ``entries(k, number)`` computes
    at each index k of the last one (or up to ``rows``), its numbers written by ``number`` as their
    matrices print them; None where a matrix prints a power of ten or leaves entries out."""
    printed = [_printed(array, numbers) for array in arrays]
    grids = [grid for grid in printed if grid is not None]
    if len(grids) < len(printed):
        return None
    # a number's text in its matrix: one text for equal floats (the same notation in every matrix)
    texts = {
        float(v): t for a, grid in zip(arrays, grids, strict=True) for v, t in zip(a.flat, _flat(grid), strict=True)
    }

    def number(value: float) -> str:
        return texts[float(value)].replace("-", "−")

    count = len(arrays[-1]) if rows is None else rows
    return Chain(tuple(grids), tuple(e for k in range(count) for e in entries(k, number)))


def chains(
    directions: Iterable[LabelledDirection],
    selection: Selection,
    numbers: NumberFormat,
    cell: Cell,
    backward: Iterable[LabelledGradients] | None,
) -> str:
    """The chains the steps' sections show, forward then backward, in their order, then the
    parameters' gradients, as the page's JSON (a chain the page cannot match: null), safe inside a
    script element."""
    # imported here, when a page is made: the backward pass's chains build on this module's
    from .explore_backward import gru_backward, lstm_backward, parameter_gradients, rnn_backward

    found: list[Chain | None] = []
    forward: dict[tuple[int, int], dict[str, Ref]] = {}  # a direction's step: its forward values' places
    for d in directions:
        for s in selection.pick(d.trace.steps, _t) if d.shown else []:
            at = forward.setdefault((id(d.trace), s.t), {})
            for g in s.gates:
                if not selection.shows_gate(g.name):
                    continue
                if isinstance(s, GruStep) and g.name == cell.scaled:
                    hidden, chain = new_gate_chains(d.trace.gate(g.name), s, numbers)
                    _place(at, {"n hidden": -1}, hidden, len(found))  # W_hn h_{t-1} + b_hn, its first display's last
                    found.append(hidden)
                else:
                    chain = gate_chain(d.trace.gate(g.name), s, g, numbers, cell.gate(g.name).function)
                # its activation and its preactivation, the chain's last two matrices
                _place(at, {g.name: -1, f"{g.name} preactivation": -2}, chain, len(found))
                found.append(chain)
            # c_{t-1} in the LSTM's cell state's display, tanh(c_t) in its hidden state's; 1 − z_t
            # and h_{t-1} in the GRU's hidden state's
            states: list[tuple[Chain | None, dict[str, int]]] = []
            if isinstance(s, LstmStep):
                weight_hr = d.trace.params.weight_hr
                tanh_c = {"tanh_c": 3 if weight_hr is None else 1}  # o_t ⊙ tanh(c_t)'s, with a projection
                states = list(zip(lstm_states(s, weight_hr, numbers), [{"c_prev": 1}, tanh_c], strict=True))
            elif isinstance(s, GruStep):
                states = [(gru_states(s, numbers), {"one_minus_z": 1, "h_prev": 5})]
            for chain, places in states:
                _place(at, places, chain, len(found))
                found.append(chain)
    for b in backward or []:
        for s, grad in b.shown_steps if b.direction.shown else []:
            at, gates = forward.get((id(b.direction.trace), s.t), {}), b.direction.trace.gates
            if isinstance(s, LstmStep) and isinstance(grad, LstmGrad):
                weight_hr = b.direction.trace.params.weight_hr
                found += lstm_backward(s, grad, gates, weight_hr, numbers, at, selection.shows_gate)
            elif isinstance(s, GruStep) and isinstance(grad, GruGrad):
                found += gru_backward(s, grad, gates, numbers, at, selection.shows_gate)
            elif isinstance(s, RnnStep) and isinstance(grad, RnnGrad):
                found += rnn_backward(grad, s, gates[0], numbers, at, cell.gate("h").function)
    for b in backward or []:
        found += parameter_gradients(b, numbers, selection.shows_gate) if b.direction.shown else []
    records = [None if c is None else {"matrices": c.matrices, "entries": [vars(e) for e in c.entries]} for c in found]
    return json.dumps(records, ensure_ascii=False).replace("<", "\\u003c")


def _place(at: dict[str, Ref], places: Mapping[str, int], chain: Chain | None, index: int) -> None:
    """Where the forward values ``places`` names (each a matrix of ``chain``, from the end where
    negative) print, the chain being the ``index``-th of the page's: none where it is not marked."""
    if chain is not None:
        at.update((name, (index, m % len(chain.matrices))) for name, m in places.items())


def _t(step: Step) -> int:
    return step.t


def _printed(array: Array, numbers: NumberFormat) -> tuple[tuple[str, ...], ...] | None:
    """The entries of ``array`` as its matrix prints them on the page, row by row (a vector as a
    column), or None where it prints a power of ten before them or leaves some out."""
    matrix = _MATRIX.fullmatch(numbers.matrix(array, portable=True))
    if matrix is None or "\\" in matrix[1].replace(r"\\", ""):
        return None
    return tuple(tuple(entry.strip() for entry in row.split("&")) for row in matrix[1].split(r"\\"))


def _flat(grid: tuple[tuple[str, ...], ...]) -> list[str]:
    return [entry for row in grid for entry in row]


def _sum(products: Sequence[tuple[float, float]], added: Sequence[float], result: float, number: Shown) -> str:
    """``a · b + c · d + e = r``, each negative number but the first in parentheses."""
    values = [value for pair in products for value in pair] + list(added)
    shown = [_bracketed(number)(value) if k else number(value) for k, value in enumerate(values)]
    products_shown = [f"{shown[2 * k]} · {shown[2 * k + 1]}" for k in range(len(products))]
    return " + ".join([*products_shown, *shown[2 * len(products) :]]) + f" = {number(result)}"


def _bracketed(number: Shown) -> Shown:
    """``number``, a negative number in parentheses: one after an operator."""

    def bracketed(value: float) -> str:
        text = number(value)
        return f"({text})" if text.startswith("−") else text

    return bracketed
