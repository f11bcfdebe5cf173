"""The chains of the web page (lstm_latex/explore/), read back from a rendered page as its script
reads them: each chain's matrices are, in order, the matrices of a display of the page (the page
marks nothing else); each entry's operands are printed where the chain says, and read by its line
of arithmetic; the line evaluates to the entry it computes (within its numbers' rounding), which
is the derivation's own value as its matrix prints it; and a few entries use exactly the operands
their equation names."""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import pytest
from click.testing import CliRunner

import lstm_latex
from lstm_latex import GruGrad, GruStep, LstmGrad, LstmStep, RnnGrad, RnnStep
from lstm_latex.cli import main
from lstm_latex.html import KATEX
from lstm_latex.selection import EVERYTHING

pytestmark = pytest.mark.katex

Grid = list[list[str]]
T = TypeVar("T")
MATRIX = re.compile(r"\\left\[\\begin\{array\}\{[rlc]*\}(.*?)\\end\{array\}\\right\]", re.DOTALL)
NUMBER = re.compile(r"−?\d+\.\d+")


def grid(latex: str) -> Grid:
    """A matrix's entries as printed, row by row."""
    return [[entry.strip() for entry in row.split("&")] for row in latex.split(r"\\")]


def printed(array: Any) -> Grid:
    """``array`` as the page prints it (a vector as a column)."""
    matrix = MATRIX.fullmatch(lstm_latex.NumberFormat().matrix(np.asarray(array), portable=True))
    assert matrix, "a power of ten or an elision: choose a network that prints plainly"
    return grid(matrix[1])


@dataclass(frozen=True)
class Page:
    derivation: lstm_latex.Derivation
    chains: list[dict[str, Any] | None]
    displays: list[list[Grid]]  # each display's matrices, in the order it prints them
    shown: dict[int, int]  # a chain's place in the list: the display it marks, found as the page's script finds it


def page(*new: str, selection: lstm_latex.Selection = EVERYTHING) -> Page:
    """The page of a network ``lstm-latex new`` makes with these options (and seed 7), showing ``selection``."""
    if not (KATEX / "katex.min.js").is_file():
        pytest.skip("the package carries no KaTeX: run `make katex` (needs node and npm)")
    made = CliRunner().invoke(main, ["new", *new, "--seed", "7"])
    assert made.exit_code == 0, made.output
    derivation = lstm_latex.derive(lstm_latex.load(json.loads(made.stdout)))
    text = lstm_latex.render(derivation, "html", selection=selection)
    found = re.search(r'<script type="application/json" id="chains">(.*?)</script>', text, re.DOTALL)
    assert found
    chains = json.loads(found[1])
    displays = [
        [grid(matrix) for matrix in MATRIX.findall(html.unescape(display))]
        for display in re.findall(r'<div class="display">(.*?)</div>', text, re.DOTALL)
    ]
    shown, following = {}, 0
    for index, chain in enumerate(chains):
        if chain is None:
            continue
        # the first display from the one after the last found that prints exactly the chain's matrices
        found_at = next(k for k in range(following, len(displays)) if displays[k] == chain["matrices"])
        shown[index] = following = found_at
        following += 1
    return Page(derivation, chains, displays, shown)


def steps(p: Page, record: type[T]) -> dict[int, T]:
    """The forward steps of the page's network (one layer, one direction) by t."""
    return {s.t: s for s in p.derivation.trace.directions[0].steps if isinstance(s, record)}


def grads(p: Page, record: type[T]) -> dict[int, T]:
    """The backward steps of the page's network (one layer, one direction) by t."""
    assert p.derivation.gradients is not None
    return {g.t: g for g in p.derivation.gradients.directions[0].steps if isinstance(g, record)}


def evaluated(line: str) -> float:
    """A line of arithmetic's left-hand side in float: products, sums and differences, powers,
    σ(·), tanh(·) and ReLU(·) of a number, and [z > 0], 1 where z is positive, else 0."""
    left = line.split(" = ")[0]
    python = left.replace("−", "-").replace("·", "*").replace("²", "**2").replace("σ", "sigmoid")
    python = re.sub(r"\[(-?[\d.]+) > 0\]", r"(\1 > 0)", python)
    assert re.fullmatch(r"[-+*() .0-9>]*|(sigmoid|tanh|ReLU)\([-.0-9]+\)", python), line
    functions = {"sigmoid": lambda z: 1 / (1 + math.exp(-z)), "tanh": math.tanh, "ReLU": lambda z: max(z, 0.0)}
    value: float = eval(python, {"__builtins__": {}}, functions)
    return float(value)


def rounding(line: str) -> float:
    """How far a line evaluated with its printed (rounded) operands may fall from the exact value
    its result rounds: half a unit of the last digit of the result, plus each operand's half unit
    times how much the line's value moves with it."""
    left, result = line.split(" = ")
    half = 0.5 * 10.0 ** -len(result.split(".")[1])
    spread = 0.0
    for match in NUMBER.finditer(left):
        unit = 0.5 * 10.0 ** -len(match[0].split(".")[1])
        number = float(match[0].replace("−", "-"))
        moved = [
            left[: match.start()] + f"{number + step:.12f}".replace("-", "−") + left[match.end() :]
            for step in (-unit, unit)
        ]
        spread += max(abs(evaluated(text) - evaluated(left)) for text in moved)
    return half + spread


def check_entries(p: Page, indices: Sequence[int]) -> None:
    """(a) every operand of every entry of the chains at ``indices`` (their places in the list) is
    printed where it says, by a chain marked before it, and read by the entry's line; (b) the
    line evaluates to the entry's printed result, within what the rounding of its numbers allows:
    half a unit of its last digit alone would not hold (−0.6135 + 0.0474 = −0.5660, of numbers
    exact before they were rounded)."""
    for index in indices:
        chain = marked(p, index)
        for entry in chain["entries"]:
            line = entry["arithmetic"]
            m, r, c = entry["at"]
            assert line.endswith(" = " + chain["matrices"][m][r][c].replace("-", "−")), line
            numbers = NUMBER.findall(line.split(" = ")[0])
            for place in entry["uses"]:
                other = chain if len(place) == 3 else marked(p, place[3])
                assert len(place) == 3 or place[3] < index, (line, place)  # a chain the page has marked before
                value = other["matrices"][place[0]][place[1]][place[2]]
                assert value.replace("-", "−") in numbers, (line, place, value)
            assert evaluated(line) == pytest.approx(float(line.split(" = ")[1].replace("−", "-")), abs=rounding(line))


def marked(p: Page, index: int) -> dict[str, Any]:
    """The chain at ``index``, which the page marks."""
    chain = p.chains[index]
    assert chain is not None
    assert index in p.shown
    return chain


def places(chain: dict[str, Any], m: int, r: int) -> list[str]:
    """The sorted operand places of the entry at (m, r, 0), as "m,r,c" or "m,r,c@chain"."""
    (entry,) = [e for e in chain["entries"] if e["at"] == [m, r, 0]]
    return sorted(
        ",".join(map(str, place[:3])) + (f"@{place[3]}" if len(place) == 4 else "") for place in entry["uses"]
    )


# --- the GRU ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gru() -> Page:
    return page("--cell", "gru", "--seq-len", "2", "--input-size", "3", "--target", "--random-state")


def forward_chains(p: Page) -> dict[tuple[int, str], int]:
    """A GRU's forward chains by step and name: r, z, n's hidden part ("n hidden"), n, and the hidden state ("h")."""
    names = ["r", "z", "n hidden", "n", "h"]
    return {(t, name): (t - 1) * 5 + k for t in (1, 2) for k, name in enumerate(names)}


def test_the_gru_new_gate_marks_its_hidden_part_then_its_chain(gru: Page) -> None:
    at, gp = forward_chains(gru), gru.derivation.trace.directions[0].gate("n")
    assert all(chain is not None for chain in gru.chains[:10])
    check_entries(gru, [at[t, name] for t in (1, 2) for name in ("n hidden", "n", "h")])
    for t, s in steps(gru, GruStep).items():
        hidden, new = marked(gru, at[t, "n hidden"]), marked(gru, at[t, "n"])
        # W_hn h_{t-1} + b_hn = its value; W_in x_t + b_in + r_t ⊙ (that), the two parts, their sum, tanh of it
        assert hidden["matrices"] == [printed(a) for a in (gp.weight_h, s.h_prev, gp.bias_h, s.n.hidden_affine)]
        order = [gp.weight_i, s.x, gp.bias_i, s.r.activation, s.n.hidden_affine, s.n.input_affine, s.reset_hidden]
        assert new["matrices"] == [printed(a) for a in (*order, s.n.preactivation, s.n.activation)]
        state = marked(gru, at[t, "h"])
        states = [s.z.activation, s.one_minus_z, s.one_minus_z, s.n.activation, s.z.activation, s.h_prev]
        assert state["matrices"] == [printed(a) for a in (*states, s.new_term, s.keep_term, s.h)]
    second = marked(gru, at[2, "n"])
    # W_in's second row by x_2, and b_in's second entry
    assert places(second, 5, 1) == ["0,1,0", "0,1,1", "0,1,2", "1,0,0", "1,1,0", "1,2,0", "2,1,0"]
    assert places(second, 6, 1) == ["3,1,0", "4,1,0"]  # r_2 ⊙ (W_hn h_1 + b_hn), second entry
    assert places(second, 7, 0) == ["5,0,0", "6,0,0"]  # the preactivation: the two parts
    assert places(second, 8, 0) == ["7,0,0"]  # n_2 = tanh of it
    hidden = marked(gru, at[2, "n hidden"])
    assert places(hidden, 3, 0) == ["0,0,0", "0,0,1", "1,0,0", "1,1,0", "2,0,0"]  # W_hn's first row by h_1, b_hn
    state = marked(gru, at[2, "h"])
    assert places(state, 1, 1) == ["0,1,0"]  # 1 − z_2
    assert places(state, 7, 0) == ["4,0,0", "5,0,0"]  # z_2 ⊙ h_1
    assert places(state, 8, 1) == ["6,1,0", "7,1,0"]  # h_2: the two products


def test_the_gru_backward_gates_mark_their_gradients_and_the_forward_values(gru: Page) -> None:
    at, forward, backward_steps = forward_chains(gru), steps(gru, GruStep), grads(gru, GruGrad)
    # the loss's output − target; backward from step 2: ∂L/∂h_t, then n's, z's and r's display,
    # back to step t − 1 and to x_t, a step; then each gate's parameters' three sums
    backward = {(t, name): 11 + (2 - t) * 6 + k for t in (1, 2) for k, name in enumerate(["h", "n", "z", "r"])}
    assert len(gru.chains) == 10 + 1 + 2 * 6 + 3 * 3
    check_entries(gru, sorted(backward.values()))
    for t in (1, 2):
        s, g = forward[t], backward_steps[t]
        n, z, r = (marked(gru, backward[t, k]) for k in "nzr")
        derivative = [g.n.activation, g.n.activation, s.n.activation, s.n.activation, g.n.preactivation]
        assert n["matrices"] == [printed(a) for a in (g.dh, s.one_minus_z, *derivative)]
        derivative = [g.z.activation, g.z.activation, s.z.activation, s.z.activation, g.z.preactivation]
        assert z["matrices"] == [printed(a) for a in (g.dh, s.h_prev, s.n.activation, *derivative)]
        derivative = [g.r.activation, g.r.activation, s.r.activation, s.r.activation, g.r.preactivation]
        assert r["matrices"] == [printed(a) for a in (g.n.preactivation, s.n.hidden_affine, *derivative)]
    n, z, r = (marked(gru, backward[2, k]) for k in "nzr")
    # ∂L/∂n_2 = ∂L/∂h_2 ⊙ (1 − z_2): both in its display, and 1 − z_2 in the hidden state's
    assert places(n, 2, 1) == ["0,1,0", "1,1,0", f"1,1,0@{at[2, 'h']}"]
    assert places(n, 6, 0) == ["3,0,0", "4,0,0", "5,0,0", f"8,0,0@{at[2, 'n']}"]  # δ_n = ∂L/∂n_2 ⊙ (1 − n_2²)
    # ∂L/∂z_2 = ∂L/∂h_2 ⊙ (h_1 − n_2), h_1 from the hidden state's display, n_2 its gate's
    assert places(z, 3, 0) == ["0,0,0", "1,0,0", "2,0,0", f"5,0,0@{at[2, 'h']}", f"8,0,0@{at[2, 'n']}"]
    assert places(z, 7, 1) == ["4,1,0", "5,1,0", "6,1,0", f"9,1,0@{at[2, 'z']}"]  # δ_z: z_2 ⊙ (1 − z_2)
    # ∂L/∂r_2 = δ_n ⊙ (W_hn h_1 + b_hn), the latter from the new gate's first display
    assert places(r, 2, 0) == ["0,0,0", "1,0,0", f"3,0,0@{at[2, 'n hidden']}"]
    assert places(r, 6, 0) == ["3,0,0", "4,0,0", "5,0,0", f"9,0,0@{at[2, 'r']}"]


def test_a_gru_without_biases_marks_its_new_gate_too() -> None:
    p = page("--cell", "gru", "--seq-len", "1", "--hidden-size", "3", "--no-bias", "--target")
    # r, z, n's hidden part and n, the hidden state; the loss's; ∂L/∂h_1, the three gates' gradients, back to
    # step 0 and to x_1; each gate's two weights' sums: every one marked
    assert [chain is not None for chain in p.chains] == [True] * (5 + 1 + 6 + 3 * 2)
    check_entries(p, range(len(p.chains)))
    hidden, new = marked(p, 2), marked(p, 3)
    assert (len(hidden["matrices"]), len(new["matrices"])) == (3, 8)  # no b_hn, no b_in
    assert places(hidden, 2, 2) == ["0,2,0", "0,2,1", "0,2,2", "1,0,0", "1,1,0", "1,2,0"]  # W_hn's last row by h_0


def test_a_gate_the_page_leaves_out_has_no_chains_forward_or_back() -> None:
    p = page("--cell", "gru", "--seq-len", "1", "--target", selection=lstm_latex.Selection(gates=("z",)))
    (s,) = steps(p, GruStep).values()
    (g,) = grads(p, GruGrad).values()
    # z's chain and the hidden state; the loss's; ∂L/∂h_1, z's gradients, back to step 0 and to x_1; z's three sums
    assert len(p.chains) == 2 + 1 + 4 + 3
    check_entries(p, range(len(p.chains)))
    assert marked(p, 0)["matrices"][-1] == printed(s.z.activation)
    assert marked(p, 4)["matrices"][-1] == printed(g.z.preactivation)
    # ∂L/∂z_1 = ∂L/∂h_1 ⊙ (h_0 − n_1): n_1's chain is left out, h_0 is in the hidden state's display
    assert places(marked(p, 4), 3, 0) == ["0,0,0", "1,0,0", "2,0,0", "5,0,0@1"]


# --- the ReLU RNN -------------------------------------------------------------------------------


def test_the_relu_rnn_delta_uses_the_preactivation_its_derivative_prints() -> None:
    p = page("--cell", "rnn_relu", "--seq-len", "2", "--hidden-size", "3", "--target", "--random-state")
    forward, backward = steps(p, RnnStep), grads(p, RnnGrad)
    # forward: h_1's chain, h_2's; the loss's; backward from step 2: ∂L/∂h_t, δ_t, W_hhᵀ δ_t and W_ihᵀ δ_t, a
    # step; the parameters' three sums
    assert len(p.chains) == 2 + 1 + 2 * 4 + 3
    check_entries(p, range(len(p.chains)))
    for t, index in ((2, 4), (1, 8)):
        chain, g, s = marked(p, index), backward[t], forward[t]
        assert chain["matrices"] == [printed(a) for a in (g.dh, s.affine.preactivation, g.affine.preactivation)]
        # δ_t = ∂L/∂h_t ⊙ [z_t > 0]: ∂L/∂h_t and z_t in the display, z_t in h_t's chain (its last but one)
        for k in range(3):
            assert places(chain, 2, k) == [f"0,{k},0", f"1,{k},0", f"8,{k},0@{t - 1}"]
        zero = [entry for entry in chain["entries"] if "[−" in entry["arithmetic"]]
        assert all(entry["arithmetic"].endswith(" = 0.0000") for entry in zero)
    assert any("[−" in entry["arithmetic"] for chain in (marked(p, 4), marked(p, 8)) for entry in chain["entries"])


# --- back to step t − 1, and the parameters' gradients ------------------------------------------


def test_the_rnn_sends_back_wt_delta_and_sums_its_parameters_gradients_over_the_steps() -> None:
    p = page("--cell", "rnn_tanh", "--seq-len", "3", "--input-size", "2", "--hidden-size", "3", "--target")
    forward, backward = steps(p, RnnStep), grads(p, RnnGrad)
    gp = p.derivation.trace.directions[0].gate("h")
    # forward: h_1, h_2, h_3; the loss's; backward from step 3: ∂L/∂h_t, δ_t, W_hhᵀ δ_t, W_ihᵀ δ_t; then
    # ∂L/∂W_ih, ∂L/∂W_hh and the biases' sums
    assert len(p.chains) == 3 + 1 + 3 * 4 + 3
    check_entries(p, range(len(p.chains)))
    for t in (3, 2, 1):
        first, g = 4 + (3 - t) * 4, backward[t]
        assert marked(p, first + 2)["matrices"] == [
            printed(a) for a in (gp.weight_h.T, g.affine.preactivation, g.dh_prev)
        ]
        assert marked(p, first + 3)["matrices"] == [printed(a) for a in (gp.weight_i.T, g.affine.preactivation, g.dx)]
    hidden, inputs = marked(p, 6), marked(p, 7)  # step 3's
    # ∂L/∂h_2's second entry: column 2 of W_hh (row 2 of W_hhᵀ) by δ_3
    assert places(hidden, 2, 1) == ["0,1,0", "0,1,1", "0,1,2", "1,0,0", "1,1,0", "1,2,0"]
    assert places(inputs, 2, 0) == ["0,0,0", "0,0,1", "0,0,2", "1,0,0", "1,1,0", "1,2,0"]  # ∂L/∂x_3's first
    gradients = p.derivation.gradients
    assert gradients is not None
    sums = gradients.directions[0]
    deltas = [backward[t].affine.preactivation for t in (1, 2, 3)]
    weight_i, weight_h, biases = marked(p, 16), marked(p, 17), marked(p, 18)
    outer = [printed(a) for t in (1, 2, 3) for a in (deltas[t - 1], forward[t].x[np.newaxis, :])]
    assert weight_i["matrices"] == [*outer, printed(sums.weight_ih)]
    outer = [printed(a) for t in (1, 2, 3) for a in (deltas[t - 1], forward[t].h_prev[np.newaxis, :])]
    assert weight_h["matrices"] == [*outer, printed(sums.weight_hh)]
    assert sums.bias_ih is not None
    assert sums.bias_hh is not None
    assert biases["matrices"] == [printed(a) for a in (*deltas, sums.bias_ih, *deltas, sums.bias_hh)]
    # ∂L/∂W_ih's entry (2, 1): Σ_t δ_t's second entry by x_t's first
    (entry,) = [e for e in weight_i["entries"] if e["at"] == [6, 1, 0]]
    assert sorted(map(tuple, entry["uses"])) == [(0, 1, 0), (1, 0, 0), (2, 1, 0), (3, 0, 0), (4, 1, 0), (5, 0, 0)]
    assert places(biases, 3, 2) == ["0,2,0", "1,2,0", "2,2,0"]  # ∂L/∂b_ih's last: Σ_t δ_t's last
    assert places(biases, 7, 0) == ["4,0,0", "5,0,0", "6,0,0"]  # ∂L/∂b_hh's first


def test_the_lstm_sends_back_through_every_gate_and_its_cell_state() -> None:
    p = page("--cell", "lstm", "--seq-len", "1", "--hidden-size", "2", "--target")
    (g,) = grads(p, LstmGrad).values()
    (s,) = steps(p, LstmStep).values()
    gates = p.derivation.trace.directions[0].gates
    # forward: four gates, c_1, h_1; the loss's; backward: ∂L/∂h_1, o's, ∂L/∂c_1, i's, f's, g's, then back to
    # step 0: Σ_k W_hkᵀ δ_k, f_1 ⊙ ∂L/∂c_1, Σ_k W_ikᵀ δ_k; then the four gates' three sums
    assert len(p.chains) == 6 + 1 + 6 + 3 + 4 * 3
    check_entries(p, range(len(p.chains)))
    hidden, cell, inputs = marked(p, 13), marked(p, 14), marked(p, 15)
    transposed = [
        printed(a) for gate, d in zip(gates, g.gates, strict=True) for a in (gate.weight_h.T, d.hidden_affine)
    ]
    assert hidden["matrices"] == [*transposed, printed(g.dh_prev)]
    assert cell["matrices"] == [printed(a) for a in (s.f.activation, g.dc, g.dc_prev)]
    assert inputs["matrices"][-1] == printed(g.dx)
    # ∂L/∂h_0's first entry: column 1 of each W_hk by δ_k, the four gates'
    expected = [f"{2 * k},0,{i}" for k in range(4) for i in range(2)] + [
        f"{2 * k + 1},{i},0" for k in range(4) for i in range(2)
    ]
    assert places(hidden, 8, 0) == sorted(expected)
    assert places(cell, 2, 1) == ["0,1,0", "1,1,0", "9,1,0@1"]  # f_1 ⊙ ∂L/∂c_1: f_1 from the forget gate's chain


def test_the_gru_sends_back_r_t_times_delta_n_and_what_z_t_keeps(gru: Page) -> None:
    backward_steps, forward = grads(gru, GruGrad), steps(gru, GruStep)
    gates = gru.derivation.trace.directions[0].gates
    at = forward_chains(gru)
    # step 2's backward displays: ∂L/∂h_2, n's, z's, r's, back to step 1, to x_2
    back, inputs = marked(gru, 15), marked(gru, 16)
    s, g = forward[2], backward_steps[2]
    transposed = [
        printed(a) for gate, d in zip(gates, g.gates, strict=True) for a in (gate.weight_h.T, d.hidden_affine)
    ]
    scaled = [printed(a) for a in (s.r.activation, g.n.preactivation, g.n.hidden_affine, g.dh, s.z.activation)]
    ends = [printed(a) for a in (g.dh_prev_gates, g.dh_prev_kept, g.dh_prev_gates, g.dh_prev)]
    assert back["matrices"] == [*scaled, *transposed, *ends]
    assert inputs["matrices"][-1] == printed(g.dx)
    check_entries(gru, [15, 16, *range(23, 32)])
    assert places(back, 2, 0) == ["0,0,0", "1,0,0", f"9,0,0@{at[2, 'r']}"]  # r_2 ⊙ δ_n, r_2 its gate's
    assert places(back, 12, 1) == ["3,1,0", "4,1,0", f"9,1,0@{at[2, 'z']}"]  # ∂L/∂h_2 ⊙ z_2
    assert places(back, 14, 0) == ["12,0,0", "13,0,0"]  # ∂L/∂h_1: the kept part and the gates'
    # what the gates send back, first entry: column 1 of W_hr, W_hz, W_hn by δ_r, δ_z, r_2 ⊙ δ_n
    expected = [f"{5 + 2 * k},0,{i}" for k in range(3) for i in range(2)] + [
        f"{6 + 2 * k},{i},0" for k in range(3) for i in range(2)
    ]
    assert places(back, 11, 0) == sorted(expected)


# --- an LSTM with a projection ------------------------------------------------------------------


def test_an_lstm_with_a_projection_marks_w_hr_forward_and_back() -> None:
    p = page("--cell", "lstm", "--seq-len", "2", "--hidden-size", "3", "--proj-size", "2", "--target")
    forward, backward = steps(p, LstmStep), grads(p, LstmGrad)
    params, gradients = p.derivation.trace.directions[0].params, p.derivation.gradients
    assert params.weight_hr is not None
    assert gradients is not None
    # forward: four gates, c_t, h_t, a step; the loss's; backward from step 2: ∂L/∂h_t, ∂L/∂h̃_t, o's, ∂L/∂c_t,
    # i's, f's, g's, back to step t − 1 (three displays), a step; the four gates' three sums, W_hr's
    assert len(p.chains) == 2 * 6 + 1 + 2 * 10 + 4 * 3 + 1
    check_entries(p, range(len(p.chains)))
    for t in (1, 2):
        s, g, first = forward[t], backward[t], 13 + (2 - t) * 10
        state = marked(p, (t - 1) * 6 + 5)
        assert s.h_unprojected is not None
        assert g.dh_unprojected is not None
        assert state["matrices"] == [
            printed(a) for a in (s.o.activation, s.tanh_c, params.weight_hr, s.h_unprojected, s.h)
        ]
        assert marked(p, first + 1)["matrices"] == [printed(a) for a in (params.weight_hr.T, g.dh, g.dh_unprojected)]
        assert marked(p, first + 2)["matrices"][:3] == [
            printed(a) for a in (g.dh_unprojected, s.tanh_c, g.o.activation)
        ]
        assert marked(p, first + 3)["matrices"][1] == printed(g.dh_unprojected)
    state = marked(p, 11)  # h_2
    assert places(state, 3, 2) == ["0,2,0", "1,2,0"]  # h̃_2's last entry (of 3): o_2 ⊙ tanh(c_2)
    assert places(state, 4, 1) == ["2,1,0", "2,1,1", "2,1,2", "3,0,0", "3,1,0", "3,2,0"]  # W_hr's second row by h̃_2
    projection, output, cell = marked(p, 14), marked(p, 15), marked(p, 16)
    # ∂L/∂h̃_2's last entry: column 3 of W_hr by ∂L/∂h_2
    assert places(projection, 2, 2) == ["0,2,0", "0,2,1", "1,0,0", "1,1,0"]
    assert places(output, 2, 0) == ["0,0,0", "1,0,0", "1,0,0@11"]  # ∂L/∂o_2 = ∂L/∂h̃_2 ⊙ tanh(c_2)
    # ∂L/∂c_2 = from step 3 + ∂L/∂h̃_2 ⊙ o_2 ⊙ (1 − tanh²(c_2)): o_2 from its gate, tanh(c_2) from h_2's display
    assert places(cell, 5, 1) == sorted(["0,1,0", "1,1,0", "2,1,0", "3,1,0", "4,1,0", "1,1,0@11", "9,1,0@9"])
    sums = marked(p, 45)
    assert gradients.directions[0].weight_hr is not None
    dh, unprojected = [backward[t].dh for t in (1, 2)], [forward[t].h_unprojected for t in (1, 2)]
    outer = [printed(a) for t in (0, 1) for a in (dh[t], np.asarray(unprojected[t])[np.newaxis, :])]
    assert sums["matrices"] == [*outer, printed(gradients.directions[0].weight_hr)]
    (entry,) = [e for e in sums["entries"] if e["at"] == [4, 1, 2]]  # ∂L/∂W_hr's (2, 3): Σ_t ∂L/∂h_t's 2nd by h̃_t's 3rd
    assert sorted(map(tuple, entry["uses"])) == [(0, 1, 0), (1, 0, 2), (2, 1, 0), (3, 0, 2)]


# --- the loss, and the step of gradient descent -------------------------------------------------


def test_the_loss_and_the_step_of_sgd_mark_what_each_entry_is_computed_from() -> None:
    p = page("--cell", "lstm", "--seq-len", "2", "--hidden-size", "2", "--target", "--lr", "0.1")
    trace, gradients = p.derivation.trace, p.derivation.gradients
    assert gradients is not None
    assert gradients.error is not None
    assert gradients.loss.target is not None
    # forward: four gates, c_t, h_t, a step; the loss's; backward: nine displays a step; the four
    # gates' three sums; then each gate's step of SGD
    assert len(p.chains) == 2 * 6 + 1 + 2 * 9 + 4 * 3 + 4
    check_entries(p, range(len(p.chains)))
    loss = marked(p, 12)
    assert loss["matrices"] == [printed(a) for a in (trace.output, gradients.loss.target, gradients.error)]
    # output − target's entry (2, 1): the output's less the target's
    (entry,) = [e for e in loss["entries"] if e["at"] == [2, 1, 1]]
    assert sorted(map(tuple, entry["uses"])) == [(0, 1, 1), (1, 1, 1)]
    assert len(loss["entries"]) == 2 * 2
    # W ← W − η ∂L/∂W for the forget gate's W_if, W_hf, b_if, b_hf, each (old, gradient, new)
    forget = marked(p, len(p.chains) - 3)
    updated = gradients.updated_state_dict()
    assert updated is not None
    before, after = p.derivation.trace.example.network.state_dict(), updated  # torch's layout: i, f, g, o rows
    order = [(name, layer) for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh") for layer in (before, after)]
    assert [forget["matrices"][k] for k in (0, 2, 3, 5, 6, 8, 9, 11)] == [
        printed(layer[f"{name}_l0"][2:4]) for name, layer in order
    ]
    (entry,) = [e for e in forget["entries"] if e["at"] == [5, 1, 0]]  # W_hf's new (2, 1)
    assert sorted(map(tuple, entry["uses"])) == [(3, 1, 0), (4, 1, 0)]
    old, step = forget["matrices"][3][1][0], forget["matrices"][4][1][0]
    assert entry["arithmetic"].startswith(f"{old.replace('-', '−')} − 0.1 · ")
    assert step.replace("-", "−").lstrip("−") in entry["arithmetic"]
