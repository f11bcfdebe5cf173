"""What a reader of the web page can point at: each entry a display's chain computes, the entries
it is computed from, and its own arithmetic, for the page's script (templates/partials/page.js.j2)
to light up. Decided here from the trace: the records (records.py), the forward displays'
(forward.py) and the backward pass's (backward.py); the page finds a chain's matrices by their
order in its display and checks that each prints the numbers listed here before it marks anything."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from ..backprop import Gradients
from ..cells import Cell, GruGrad, GruStep, LstmGrad, LstmStep, RnnGrad, RnnStep, Step
from ..latex import NumberFormat
from ..model import Array
from ..selection import Selection
from ..view.directions import LabelledDirection, LabelledGradients
from .backward import descent_chains, gru_backward, loss_chain, lstm_backward, parameter_gradients, rnn_backward
from .forward import gate_chain, gru_states, lstm_states, new_gate_chains
from .records import Chain, Ref


def chains(
    directions: Iterable[LabelledDirection],
    selection: Selection,
    numbers: NumberFormat,
    cell: Cell,
    backward: Iterable[LabelledGradients] | None,
    gradients: Gradients | None = None,
    output: Array | None = None,
) -> str:
    """The chains the steps' sections show, forward, then with ``backward`` the loss's (of
    ``output``), the backward steps', the parameters' gradients and their step of SGD, in their
    order, as the page's JSON (a chain the page cannot match: null), safe inside a script element."""
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
    backward = list(backward or [])
    if backward and gradients is not None and output is not None:
        found.append(loss_chain(output, gradients, numbers))
    shown = [b for b in backward if b.direction.shown]
    for b in shown:
        for s, grad in b.shown_steps:
            at, gates = forward.get((id(b.direction.trace), s.t), {}), b.direction.trace.gates
            if isinstance(s, LstmStep) and isinstance(grad, LstmGrad):
                weight_hr = b.direction.trace.params.weight_hr
                found += lstm_backward(s, grad, gates, weight_hr, numbers, at, selection.shows_gate)
            elif isinstance(s, GruStep) and isinstance(grad, GruGrad):
                found += gru_backward(s, grad, gates, numbers, at, selection.shows_gate)
            elif isinstance(s, RnnStep) and isinstance(grad, RnnGrad):
                found += rnn_backward(grad, s, gates[0], numbers, at, cell.gate("h").function)
    for b in shown:
        found += parameter_gradients(b, numbers, selection.shows_gate)
    lr = None if gradients is None or gradients.loss.lr is None else numbers.exact(gradients.loss.lr)
    if lr is not None:
        for b in shown:
            found += descent_chains(b, lr, numbers, selection.shows_gate)
    records = [None if c is None else {"matrices": c.matrices, "entries": [vars(e) for e in c.entries]} for c in found]
    return json.dumps(records, ensure_ascii=False).replace("<", "\\u003c")


def _place(at: dict[str, Ref], places: Mapping[str, int], chain: Chain | None, index: int) -> None:
    """Where the forward values ``places`` names (each a matrix of ``chain``, from the end where
    negative) print, the chain being the ``index``-th of the page's: none where it is not marked."""
    if chain is not None:
        at.update((name, (index, m % len(chain.matrices))) for name, m in places.items())


def _t(step: Step) -> int:
    return step.t
