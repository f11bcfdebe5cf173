"""Nothing wrong printed as right: a loss, gradient or step of SGD that overflows is refused by
name in every command; every scalar goes through the one number format; one rounding rule for
the page, the hand arithmetic and ``export --round``; arguments of the wrong type are typed errors."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner, Result
from results import assert_clean_failure

import lstm_latex
from lstm_latex.cli import main
from lstm_latex.latex import NumberFormat
from lstm_latex.selection import Indices, Selection

CORPUS = Path(__file__).parent / "corpus" / "bad"
OVERFLOWS = {
    "loss-overflow.json": "the loss L overflows float64",
    "backward-overflow.json": "the backward pass overflows float64 (∂L/∂x_t at layer 0, t = 1)",
    "sgd-overflow.json": "the step of SGD overflows float64 (weight_ih_l0 − lr ∂L/∂weight_ih_l0): lr too large",
}


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize("name", sorted(OVERFLOWS))
@pytest.mark.parametrize("command", [["render", "--hand"], ["trace", "--hand"], ["check"], ["render", "--no-check"]])
def test_an_overflow_of_the_backward_pass_is_refused_by_name(name: str, command: list[str]) -> None:
    path = str(CORPUS / name)
    assert_clean_failure(run(command[0], path, *command[1:]), f"Error: {path}: {OVERFLOWS[name]}")


@pytest.mark.parametrize("name", sorted(OVERFLOWS))
def test_a_worksheet_of_an_overflow_is_refused(name: str, tmp_path: Path) -> None:
    path = str(CORPUS / name)
    assert_clean_failure(run("worksheet", path, "-o", str(tmp_path / "sheet.tex")), OVERFLOWS[name])
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", sorted(OVERFLOWS))
def test_the_api_raises_an_input_error(name: str) -> None:
    example = lstm_latex.load(CORPUS / name)
    trace = lstm_latex.forward(example)
    with pytest.raises(lstm_latex.InputError, match=f"^{CORPUS / name}: "):
        lstm_latex.backward(trace)
    with pytest.raises(lstm_latex.InputError, match=f"^{CORPUS / name}: "):
        lstm_latex.hand_pass(example, 2)  # the overflow, not the hand limit: the exact pass runs first


def test_a_number_that_is_not_finite_is_never_printed() -> None:
    for value in (math.inf, -math.inf, math.nan):
        with pytest.raises(lstm_latex.RenderError, match="every printed number is finite"):
            NumberFormat().number(value)
        with pytest.raises(lstm_latex.RenderError, match="every printed number is finite"):
            NumberFormat().exact(value)


SMALL = {
    "cell": "rnn_tanh",
    "state_dict": {"weight_ih_l0": [[0.5, -0.25]], "weight_hh_l0": [[0.75]], "bias_ih_l0": [0.1], "bias_hh_l0": [0.0]},
    "x": [[1.0, 0.5], [-0.5, 0.25]],
    "target": [[0.5], [-0.25]],
}


@pytest.mark.parametrize(
    ("lr", "printed"),
    [
        (0.1, "0.1"),
        (1e-5, r"1 \times 10^{-5}"),
        (2.5e-7, r"2.5 \times 10^{-7}"),
        (0.12345649, "0.12345649"),
        (0.0001, "0.0001"),
        (3.0, "3"),
        (1e10, r"1 \times 10^{10}"),
    ],
)
def test_the_learning_rate_is_printed_with_every_digit_it_is_computed_with(lr: float, printed: str) -> None:
    assert NumberFormat().exact(lr) == printed
    mantissa, _, power = printed.partition(r" \times 10^")
    assert float(mantissa) * 10.0 ** int(power.strip("{}") or 0) == pytest.approx(lr, rel=1e-15)
    example = lstm_latex.load({**SMALL, "lr": lr})
    for document in (
        lstm_latex.render(lstm_latex.forward(example)),
        lstm_latex.render((worked := lstm_latex.hand_pass(example, 2)).trace, hand=worked),
    ):
        assert rf"$\eta = {printed}$" in document
        assert "e-0" not in document
        assert "e+" not in document


def test_the_hand_page_prints_the_eta_it_computes_with(tmp_path: Path) -> None:
    path = tmp_path / "weights.json"
    path.write_text(json.dumps({**SMALL, "lr": 0.12345649}))
    result = run("render", str(path), "--hand", "--no-check", "--precision", "4")
    assert result.exit_code == 0, result.output
    assert r"$\eta = 0.12345649$" in result.stdout
    assert "0.123456$" not in result.stdout


# value, decimals, as on paper (half away from zero, on the decimal the float stands for)
ROUNDINGS = [
    (2.5, 0, "3"),
    (-2.5, 0, "-3"),
    (0.5, 0, "1"),
    (1.5, 0, "2"),
    (0.125, 2, "0.13"),
    (-0.125, 2, "-0.13"),
    (0.15, 1, "0.2"),  # 0.1499999999999999944 in binary
    (2.675, 2, "2.68"),  # 2.67499999999999982236431605997495353221893310546875
    (1.005, 2, "1.01"),
    (-0.0001, 2, "0.00"),  # never -0.00
]


def rounding_network(value: float) -> dict[str, Any]:
    return {"cell": "rnn_tanh", "state_dict": {"weight_ih_l0": [[value]], "weight_hh_l0": [[0.0]]}, "x": [[0.0]]}


@pytest.mark.parametrize(("value", "decimals", "text"), ROUNDINGS)
def test_one_rounding_rule_for_the_page_the_hand_arithmetic_and_export(
    value: float, decimals: int, text: str, tmp_path: Path
) -> None:
    path = tmp_path / "weights.json"
    path.write_text(json.dumps(rounding_network(value)))
    # the page
    page = run("render", str(path), "--no-check", "--precision", str(decimals), "--part", "parameters")
    assert page.exit_code == 0, page.output
    assert rf"\begin{{bmatrix*}}[r] {text} \end{{bmatrix*}}" in page.stdout
    # the hand arithmetic, which starts from the parameters rounded
    worked = lstm_latex.hand_pass(lstm_latex.load(path), decimals)
    hand = worked.trace.example.network.state_dict()["weight_ih_l0"][0, 0]
    # export --round
    exported = run("export", str(path), "--round", str(decimals))
    assert exported.exit_code == 0, exported.output
    written = json.loads(exported.stdout)["state_dict"]["weight_ih_l0"][0][0]
    for found in (hand, written):
        assert found == float(text)
        assert np.signbit(found) == text.startswith("-")


def test_wrong_arguments_of_the_api_are_typed_errors_naming_them() -> None:
    example = lstm_latex.load(SMALL)
    trace = lstm_latex.forward(example)
    with pytest.raises(lstm_latex.InputError, match=r"^<dict>: lr is an integer beyond float64's range"):
        lstm_latex.load({**SMALL, "lr": 10**400})
    with pytest.raises(lstm_latex.InputError, match=r"^<dict>: lr is an integer beyond float64's range"):
        lstm_latex.load({**SMALL, "lr": -(10**5000)})
    for decimals in (2.5, True, "2", None):
        with pytest.raises(lstm_latex.InputError, match=r"^decimals is .*whole number of decimals, 0 to 12"):
            lstm_latex.hand_pass(example, decimals)  # type: ignore[arg-type]
    assert lstm_latex.hand_pass(example, np.int64(2)).decimals == 2  # type: ignore[arg-type]
    for width in (float("nan"), 345, b"345pt"):
        with pytest.raises(lstm_latex.RenderError, match=r"^width is .*, expected a string"):
            lstm_latex.render(trace, width=width)  # type: ignore[arg-type]
    for arguments, name in (
        ({"first_steps": 2.5}, "first_steps"),
        ({"first_steps": True}, "first_steps"),
        ({"steps": "1,2"}, "steps"),
        ({"layers": 0}, "layers"),
        ({"gates": "fo"}, "gates"),
        ({"directions": ["forward"]}, "directions"),
        ({"parts": (1,)}, "parts"),
    ):
        with pytest.raises(lstm_latex.RenderError, match=rf"^Selection\({name}=\.\.\.\) is "):
            Selection(**arguments)
    assert Selection(first_steps=np.int64(1)).first_steps == 1  # type: ignore[arg-type]
    with pytest.raises(lstm_latex.RenderError, match=r"^99999999999999999999\.\.\. \(4301 digits\) is larger than"):
        Indices.parse("9" * 4301)
    with pytest.raises(lstm_latex.RenderError, match=r"\(4301 digits\) is larger than"):
        Indices.parse("1-" + "9" * 4301)
    assert Indices.parse("0" * 5000 + "7") == Indices.of(7)


def test_messages_name_what_was_given(tmp_path: Path) -> None:
    path = tmp_path / "weights.json"
    path.write_text(json.dumps({**SMALL, "lr": 1e300}))  # a step of SGD of 1e299: beyond hand arithmetic
    hand = run("render", str(path), "--hand", "--no-check")
    assert hand.exit_code == 1
    assert hand.stderr.startswith(f"Error: {path}: hand arithmetic reaches ")  # the file named, once
    assert hand.stderr.endswith(": it writes every value with decimals, below 1e+10\n")
    width = run("render", str(path), "--no-check", "--width", "149.99pt")
    assert width.exit_code == 2
    assert (
        "width '149.99pt' is narrower than 155pt, where no matrix of three 4-decimal columns fits:"
        " give a width from 155pt to 2000pt"
    ) in width.stderr
    assert "(142.26pt) is narrower" in run("render", str(path), "--width", "5cm").stderr
    assert "width '2001pt' is wider than 2000pt" in run("render", str(path), "--width", "2001pt").stderr
    steps = run("render", str(path), "--no-check", "--steps", "1,1-99999999999")
    assert (steps.exit_code, steps.stderr) == (
        1,
        "Error: --steps 1-99999999999: the range is not within the sequence, which has T = 2 steps, t = 1 and 2\n",
    )


def test_a_value_torch_cannot_hold_is_a_disagreement_said_without_nan() -> None:
    from lstm_latex.check import CheckReport, Difference

    gap = Difference("loss", math.inf, math.inf, trace_value=0.5, torch_value=math.inf, index=(0,), agrees=False)
    with pytest.raises(lstm_latex.CheckError, match=r"loss\[0\] is 0.5 here and inf in torch \(not a finite number,"):
        CheckReport("2.0", (gap,)).require_agreement()


@pytest.mark.torch
def test_the_check_of_torch_against_itself_stays_finite() -> None:
    pytest.importorskip("torch")
    from lstm_latex.check import cross_check

    example = lstm_latex.load({**SMALL, "lr": 0.5})
    trace = lstm_latex.forward(example)
    report = cross_check(trace, lstm_latex.backward(trace))
    assert report.agrees, report.table()
    assert all(math.isfinite(d.float64) and math.isfinite(d.float32) for d in report.differences)


def test_a_small_learning_rate_compiles_as_a_power_of_ten(latex: Callable[[str], Any]) -> None:
    example = lstm_latex.load({**SMALL, "lr": 1e-5})
    run = latex(lstm_latex.render(lstm_latex.forward(example)))
    text = " ".join(run.text.split())
    assert "learning rate η = 1 \u00d7 10-5 ," in text  # 1 \times 10^{-5}, as pdftotext reads it
    assert "e − 05" not in text
