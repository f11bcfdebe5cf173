"""Where chains break and what tables keep: lstm_latex.layout, at widths chosen for each case."""

from __future__ import annotations

import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import SAMPLES, SEED
from networks import random_lstm

import lstm_latex
from lstm_latex.cells import LstmStep
from lstm_latex.layout import BIAS_LABELS, GAP, OPERATOR, Layout, Typeset
from lstm_latex.model import Trace

NUMBERS = lstm_latex.NumberFormat()


def layout(width: float, numbers: lstm_latex.NumberFormat = NUMBERS) -> Layout:
    return Layout(Typeset(numbers, lambda text, gate: f"<{gate}>{text}", portable=False), width)


def seed() -> Trace[LstmStep]:
    return lstm_latex.forward(lstm_latex.load(SEED)).of(LstmStep)


def test_a_chain_that_fits_is_one_line_and_each_term_is_a_matrix() -> None:
    trace = seed()
    step, params = trace.directions[0].steps[0], trace.directions[0].gates[0]
    assert params.bias_i is not None
    assert params.bias_h is not None
    (line,) = layout(1000).gate(params, step, step.i)
    matrix = NUMBERS.matrix
    assert line == (
        f"{matrix(params.weight_i)} {matrix(step.x)} + {matrix(params.bias_i)}"
        f" + {matrix(params.weight_h)} {matrix(step.h_prev)} + {matrix(params.bias_h)}"
    )


def test_a_term_goes_to_the_next_line_when_it_would_pass_the_width() -> None:
    trace = seed()
    step, params = trace.directions[0].steps[0], trace.directions[0].gates[0]
    assert params.bias_i is not None
    typeset = layout(0).typeset
    first = typeset.width(params.weight_i) + typeset.width(step.x) + 2 * GAP
    bias = OPERATOR + typeset.width(params.bias_i) + GAP
    assert len(layout(first + bias).gate(params, step, step.i)) > 1
    just_short = layout(first + bias - 0.1).gate(params, step, step.i)
    assert just_short[0] == f"{NUMBERS.matrix(params.weight_i)} {NUMBERS.matrix(step.x)}"
    assert just_short[1].startswith("+ ")


def test_the_reset_gate_scales_the_hidden_part_in_its_colour() -> None:
    trace = lstm_latex.forward(lstm_latex.load(SEED.parent / "gru.json"))
    step, params = trace.directions[0].steps[0], trace.directions[0].gates[2]
    lines = layout(1000).gate(params, step, step.gates[2], reset=step.gates[0])
    assert lines[0].endswith(
        rf"+ <r>{NUMBERS.matrix(step.gates[0].activation)} \odot {NUMBERS.matrix(step.gates[2].hidden_affine)}"
    )


@pytest.mark.parametrize(("width", "beside"), [(200, True), (20, False)])
def test_a_bias_sits_beside_its_weight_when_both_pairs_fit(width: float, beside: bool) -> None:
    params = seed().directions[0].gates[0]
    assert layout(width).biases_beside(params) is beside
    assert params.bias_i is not None
    assert params.bias_h is not None
    typeset = layout(0).typeset
    widest = max(
        typeset.width(w) + typeset.width(b) + 2 * GAP
        for w, b in ((params.weight_i, params.bias_i), (params.weight_h, params.bias_h))
    )
    assert layout(widest + BIAS_LABELS).biases_beside(params)
    assert not layout(widest + BIAS_LABELS - 0.1).biases_beside(params)


def test_a_long_state_table_keeps_its_first_and_last_steps_in_time_order() -> None:
    trace = lstm_latex.forward(lstm_latex.load(random_lstm(2, 12, steps=20, bidirectional=True)))
    reverse = trace.directions[1]
    table = layout(80).state_table(reverse, "h")
    assert table.columns == 7
    assert [row[0] for row in table.rows] == ["1", "2", "3", r"\vdots", "18", "19", "20"]
    assert table.rows[3][1:] == (r"\vdots",) * 3 + (r"\ddots",) + (r"\vdots",) * 3
    first = next(step for step in reverse.steps if step.t == 1)
    assert table.rows[0][1] == NUMBERS.number(first.h[0])
    assert table.rows[0][4] == r"\cdots"


def test_elided_keeps_what_a_matrix_of_that_length_shows() -> None:
    assert layout(80).elided(range(1, 4)) == [1, 2, 3]
    assert layout(80, lstm_latex.NumberFormat(max_size=3)).elided("abcde") == ["a", None, "e"]
    assert layout(80).tables_beside(3, 3)
    assert not layout(80).tables_beside(4, 3)


def test_a_matrix_is_formatted_once_a_render() -> None:
    typeset = layout(80).typeset
    array = np.array([1.0, 2.0])
    assert typeset.matrix(array) is typeset.matrix(array)
    assert typeset.matrix(array) == NUMBERS.matrix(array)


def test_renders_in_threads_print_what_each_prints_alone() -> None:
    """A render owns its layout: eight at once, at different widths and of different networks, each
    print what they print one after another."""
    # the LSTM's matrices are elided on the narrow pages only
    sources: list[Path | dict[str, Any]] = [SAMPLES / "gru.json", random_lstm(8, 8, steps=1)]
    traces = [lstm_latex.forward(lstm_latex.load(source)) for source in sources]
    jobs = [(trace, width) for width in ("twocolumn", "a4", "a5", "1000pt") for trace in traces]

    def rendered(job: tuple[lstm_latex.Trace[lstm_latex.Step], str]) -> str:
        return lstm_latex.render(job[0], "snippet", width=job[1])

    alone = [rendered(job) for job in jobs]
    assert len(set(alone)) == len(jobs)  # every width lays each network out differently
    barrier = threading.Barrier(len(jobs))

    def together(job: tuple[lstm_latex.Trace[lstm_latex.Step], str]) -> list[str]:
        barrier.wait()
        return [rendered(job) for _ in range(3)]

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads take turns often, as on a busy machine
    try:
        with ThreadPoolExecutor(len(jobs)) as pool:
            at_once = list(pool.map(together, jobs))
    finally:
        sys.setswitchinterval(interval)
    assert at_once == [[text] * 3 for text in alone]
