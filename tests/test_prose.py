"""The derivation's sentences, as the view makes them: what each says of an LSTM, a GRU, an RNN, a
bidirectional network, a check that agreed or overflowed, numbers worked by hand or rounded."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from conftest import SAMPLES, SEED

import lstm_latex
from lstm_latex.check import CheckReport, Difference, FrameworkCheck
from lstm_latex.generate import NetworkSpec, new_network
from lstm_latex.latex import NumberFormat
from lstm_latex.layout import Typeset, layout_at
from lstm_latex.view import Sheet, labelled
from lstm_latex.view.prose import (
    Paragraph,
    backward_agreement,
    forward_agreement,
    framework_agreement,
    instructions,
    left_out,
    loss_compared,
    quoted,
    rounding,
    stacking,
    states_in_rows,
    torch_parameters,
    torch_returns,
)
from lstm_latex.view.records import state_tables

BIDIRECTIONAL = SAMPLES / "stacked_bidirectional_lstm.json"
BACKWARD = SAMPLES / "lstm_backward.json"


def read(p: Paragraph) -> str:
    """The paragraph as a reader sees it: math between dollars, code as it is."""
    return "".join(f"${piece.text}$" if piece.kind == "math" else piece.text for piece in p.pieces)


def trace_of(path: Path) -> lstm_latex.Trace[lstm_latex.Step]:
    return lstm_latex.forward(lstm_latex.load(path))


def report(float64: float = 1.1e-16, float32: float = 2.4e-8) -> CheckReport:
    """A check of the forward pass (output, h_n) and the backward pass (the loss, ∂L/∂x)."""
    return CheckReport(
        "2.5.1",
        (
            Difference("output", float64, float32, 0.0, 0.0),
            Difference("h_n", 0.0, 1e-9, 0.0, 0.0),
            Difference("loss", float64, float32, 0.0, 0.0),
            Difference("grad x", 0.0, 1e-9, 0.0, 0.0),
        ),
    )


def test_an_lstms_agreement_names_its_cell_state_and_an_rnns_does_not() -> None:
    lstm = read(forward_agreement(report(), trace_of(SEED), None, NumberFormat()))
    rnn = read(forward_agreement(report(), trace_of(SAMPLES / "rnn_tanh.json"), None, NumberFormat()))
    assert "computes the output, $h_n$, $c_n$ and every $h_t$ and $c_t$ to within" in lstm
    assert "computes the output, $h_n$ and every $h_t$ to within" in rnn
    assert "c_" not in rnn
    assert "torch.nn.LSTM" in lstm
    assert "torch.nn.RNN" in rnn


def test_the_agreement_prints_its_differences_as_the_page_prints_numbers() -> None:
    sentence = read(forward_agreement(report(0.0, 2.4e-8), trace_of(SEED), None, NumberFormat(precision=4)))
    assert "to within $0$ of the values here (largest absolute difference)" in sentence
    assert sentence.endswith(r"and in float32 to within $2.4000 \times 10^{-8}$.")


def test_an_overflow_in_float32_is_said_instead_of_a_difference() -> None:
    overflowed = report(1e-16, math.inf)
    forward = read(forward_agreement(overflowed, trace_of(SEED), None, NumberFormat()))
    assert forward.endswith("and in float32 it overflows: these numbers are too large for float32.")
    trace = trace_of(BACKWARD)
    gradients = lstm_latex.backward(trace)
    backward = read(backward_agreement(overflowed, gradients, trace, None, NumberFormat()))
    assert backward.endswith("and in float32 it overflows.")


def test_a_derivation_by_hand_is_compared_with_the_exact_values() -> None:
    example = lstm_latex.load(SEED)
    worked = lstm_latex.hand_pass(example, 2)
    checked = read(forward_agreement(report(), worked.trace, worked, NumberFormat()))
    assert "of the exact float64 values, not the hand values here" in checked
    said = read(rounding(NumberFormat(precision=2), worked, "0.0042", None))
    assert said.startswith("All numbers shown are worked by hand arithmetic to 2 decimal places")
    assert said.endswith("every value computed, is $0.0042$.")


def test_an_unchecked_derivation_says_so() -> None:
    trace = trace_of(BACKWARD)
    gradients = lstm_latex.backward(trace)
    assert (
        read(forward_agreement(None, trace, None, NumberFormat())) == "These numbers were not checked against PyTorch."
    )
    unchecked = read(backward_agreement(None, gradients, trace, None, NumberFormat()))
    assert unchecked == "These gradients were not checked against PyTorch."
    # a report of the forward pass alone did not check the gradients
    forward_only = CheckReport("2.5.1", (Difference("output", 1e-16, 1e-8, 0.0, 0.0),))
    assert read(backward_agreement(forward_only, gradients, trace, None, NumberFormat())) == unchecked


def test_the_backward_agreement_names_the_cell_state_of_an_lstm_only() -> None:
    lstm = trace_of(BACKWARD)
    said = read(backward_agreement(report(), lstm_latex.backward(lstm), lstm, None, NumberFormat()))
    assert "of $x$, $h_0$, $c_0$, of every $h_t$ and of every $c_t$ through the step after it)" in said
    assert "given the same parameters, inputs and target," in said


def test_rounding_for_display_states_the_rule_in_the_singular_and_plural() -> None:
    assert "rounded to 1 decimal place for display only" in read(rounding(NumberFormat(precision=1), None, None, None))
    assert "rounded to 3 decimal places for display only" in read(rounding(NumberFormat(precision=3), None, None, None))
    significant = read(rounding(NumberFormat(significant=3), None, None, None))
    assert "(each matrix's largest entry to 3 significant digits, its other entries to as many decimal places)" in (
        significant.replace("\n", " ")
    )


def test_a_bidirectional_network_names_both_directions() -> None:
    trace = trace_of(BIDIRECTIONAL)
    network = trace.example.network
    directions = [labelled(d, network.num_layers, network.bidirectional, None) for d in trace.directions]
    returned = read(torch_returns(trace, directions))
    assert (
        r"its forward direction's $h_{t}^{(1)\rightarrow}$ followed by its reverse direction's $h_{t}^{(1)\leftarrow}$"
        in returned
    )
    assert "and $h_n$ and $c_n$ hold each layer's and direction's final state:" in returned
    T = trace.example.inputs.x.shape[0]
    assert read(states_in_rows(trace)).endswith(f"; a reverse direction computed them from $t = {T}$ down to $t = 1$.")
    assert [read(p).split(" ")[0] for p in stacking(network)] == ["Layer", "The"]


def test_one_forward_layer_has_neither_stacking_nor_a_reverse_direction() -> None:
    trace = trace_of(SEED)
    network = trace.example.network
    assert stacking(network) == ()
    assert read(states_in_rows(trace)) == "Every $h_t$ and $c_t$, transposed to a row."
    directions = [labelled(d, 1, False, None) for d in trace.directions]
    assert "direction's $h" not in read(torch_returns(trace, directions))


def test_the_parameters_are_cut_apart_for_a_gated_cell_only() -> None:
    gru = read(torch_parameters(trace_of(SAMPLES / "gru.json").example.network))
    rnn = torch_parameters(trace_of(SAMPLES / "rnn_tanh.json").example.network)
    assert gru.startswith("torch stacks the gates' blocks in the order r, z, n in")
    assert [piece.text for piece in rnn.pieces if piece.kind == "code"] == [
        "weight_ih",
        "weight_hh",
        "bias_ih",
        "bias_hh",
    ]


@pytest.mark.parametrize(("count", "said"), [(0, []), (1, ["The other 1 step of this direction is left out here."])])
def test_steps_left_out(count: int, said: list[str]) -> None:
    assert [read(p) for p in left_out(count)] == said


def test_steps_left_out_in_the_plural() -> None:
    (p,) = left_out(3, "backward step")
    assert read(p) == "The other 3 backward steps of this direction are left out here."


def test_a_mean_squared_error_says_over_how_many_entries_and_a_sum_does_not() -> None:
    drawn = json.loads(new_network(NetworkSpec(target=True, loss="mse", seq_len=3, hidden_size=2), 11))
    trace = lstm_latex.forward(lstm_latex.load(drawn))
    mse = read(loss_compared(lstm_latex.backward(trace), trace))
    assert mse.startswith("Each row $y_t$ of the output is compared with the same row $y^{*}_t$ of the target")
    assert mse.endswith(", and the squares are averaged over all $6$ entries, as torch.nn.MSELoss() does:")
    trace = trace_of(BACKWARD)  # half the sum of squares
    assert read(loss_compared(lstm_latex.backward(trace), trace)).endswith(" of the target:")


def test_a_files_own_framework_is_quoted_literally() -> None:
    framework = FrameworkCheck("onnxruntime 1.31.1", (("output", 1e-7),))
    (said,) = framework_agreement(CheckReport("2.5.1", (), framework))
    assert said.pieces[0].text == "Checked by the file's own framework: "
    assert said.pieces[1] == quoted(framework.line())
    assert framework_agreement(report()) == ()
    assert framework_agreement(None) == ()


def test_a_worksheet_without_hand_arithmetic_states_its_rounding() -> None:
    key = instructions(Sheet().worked, None, NumberFormat(precision=2))
    assert [read(p) for p in key] == [  # the sheet's, on the key too: its pages are the sheet's
        "Fill in every box, a number a box: each bracket is a vector (or a matrix) of the shape shown.",
        "The numbers are rounded to 2 decimal places for display; each was computed from the unrounded values"
        " before it.",
    ]
    worked = lstm_latex.hand_pass(lstm_latex.load(SEED), 2)
    (sheet,) = instructions(Sheet(answers=False).worked, worked, NumberFormat(precision=2))
    assert read(sheet).endswith("then every digit of yours can match the key's.")


def test_an_lstms_state_tables_share_a_display_where_they_fit_side_by_side() -> None:
    def tables(source: Path | dict[str, object], width: str) -> tuple[tuple[str, ...], ...]:
        typeset = Typeset(NumberFormat(), lambda text, gate: text, portable=False)
        return state_tables(lstm_latex.forward(lstm_latex.load(source)), layout_at(typeset, width, None))

    assert tables(BIDIRECTIONAL, "a4") == (("h", "c"),)  # 2 columns each
    assert tables(SEED, "a4") == (("h",), ("c",))  # 4 columns each: too many for one display
    assert tables(SAMPLES / "gru.json", "a4") == (("h",),)
