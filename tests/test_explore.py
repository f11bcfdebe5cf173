"""The chains of the web page (lstm_latex/explore.py), read back from a rendered page as its script
reads them: each chain's matrices are, in order, the matrices of a display of the page (the page
marks nothing else); each entry's operands are printed where the chain says, and read by its line
of arithmetic; the line evaluates to the entry it computes, which is the derivation's own value
as its matrix prints it; and a few entries use exactly the operands their equation names."""

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
from lstm_latex import GruGrad, GruStep, RnnGrad, RnnStep
from lstm_latex.cli import main
from lstm_latex.html import KATEX

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


def page(*new: str) -> Page:
    """The page of a network ``lstm-latex new`` makes with these options (and seed 7)."""
    if not (KATEX / "katex.min.js").is_file():
        pytest.skip("the package carries no KaTeX: run `make katex` (needs node and npm)")
    made = CliRunner().invoke(main, ["new", *new, "--seed", "7"])
    assert made.exit_code == 0, made.output
    derivation = lstm_latex.derive(lstm_latex.load(json.loads(made.stdout)))
    text = lstm_latex.render(derivation, "html")
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


def check_entries(p: Page, kinds: Sequence[int]) -> None:
    """(a) every operand of every entry of the chains ``kinds`` (their places in the list) is
    printed where it says, by a chain marked before it, and read by the entry's line; (b) the
    line evaluates to the entry's printed result, within what the rounding of its numbers allows."""
    for index in kinds:
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
        # W_hn h_{t-1} + b_hn = its value; W_in x_t + b_in + r_t ⊙ (that) , the two parts, their sum, tanh of it
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
    # backward from step 2: ∂L/∂h_t, then n's, z's and r's display, a step
    backward = {(t, name): 10 + (2 - t) * 4 + k for t in (1, 2) for k, name in enumerate(["h", "n", "z", "r"])}
    assert len(gru.chains) == 18
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
    assert z["entries"][0]["arithmetic"].count("(") >= 1  # h_{t-1} − n_t in parentheses


def test_a_gru_without_biases_marks_its_new_gate_too() -> None:
    p = page("--cell", "gru", "--seq-len", "1", "--hidden-size", "3", "--no-bias", "--target")
    # r, z, n's hidden part and n, the hidden state; ∂L/∂h_1 and the three gates' gradients: every one marked
    assert [chain is not None for chain in p.chains] == [True] * (5 + 4)
    check_entries(p, range(len(p.chains)))
    hidden, new = marked(p, 2), marked(p, 3)
    assert (len(hidden["matrices"]), len(new["matrices"])) == (3, 8)  # no b_hn, no b_in
    assert places(hidden, 2, 2) == ["0,2,0", "0,2,1", "0,2,2", "1,0,0", "1,1,0", "1,2,0"]  # W_hn's last row by h_0


# --- the ReLU RNN -------------------------------------------------------------------------------


def test_the_relu_rnn_delta_uses_the_preactivation_its_derivative_prints() -> None:
    p = page("--cell", "rnn_relu", "--seq-len", "2", "--hidden-size", "3", "--target", "--random-state")
    forward, backward = steps(p, RnnStep), grads(p, RnnGrad)
    # forward: h_1's chain, h_2's; backward from step 2: ∂L/∂h_t and δ_t, a step
    assert len(p.chains) == 6
    check_entries(p, range(len(p.chains)))
    for t, index in ((2, 3), (1, 5)):
        chain, g, s = marked(p, index), backward[t], forward[t]
        assert chain["matrices"] == [printed(a) for a in (g.dh, s.affine.preactivation, g.affine.preactivation)]
        # δ_t = ∂L/∂h_t ⊙ [z_t > 0]: ∂L/∂h_t and z_t in the display, z_t in h_t's chain (its last but one)
        for k in range(3):
            assert places(chain, 2, k) == [f"0,{k},0", f"1,{k},0", f"8,{k},0@{t - 1}"]
        zero = [entry for entry in chain["entries"] if "[−" in entry["arithmetic"]]
        assert all(entry["arithmetic"].endswith(" = 0.0000") for entry in zero)
    assert any("[−" in entry["arithmetic"] for chain in p.chains[3::2] if chain for entry in chain["entries"])


# --- every cell: what was marked before stays marked ---------------------------------------------


@pytest.mark.parametrize("cell", ["lstm", "rnn_tanh"])
def test_every_chain_of_other_cells_is_marked_and_checks(cell: str) -> None:
    p = page("--cell", cell, "--seq-len", "2", "--target")
    assert all(chain is not None for chain in p.chains)
    check_entries(p, range(len(p.chains)))
