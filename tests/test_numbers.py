"""Numbers at float64's edges: what float32 cannot hold, values in the millions, 1e300 rounded,
1e308 printed. None of them may turn into NaN or Infinity in a document or in JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

import lstm_latex
from lstm_latex.cli import main
from lstm_latex.latex import NumberFormat, round_array


def strict_json(text: str) -> Any:
    def refuse(name: str) -> None:
        raise AssertionError(f"{name} in JSON")

    return json.loads(text, parse_constant=refuse)


def write(tmp_path: Path, document: dict[str, Any]) -> Path:
    path = tmp_path / "weights.json"
    path.write_text(json.dumps(document))
    return path


BEYOND_FLOAT32 = {  # finite in float64; 1e39 is inf in float32
    "cell": "rnn_tanh",
    "state_dict": {"weight_ih_l0": [[1e39, 0.5]], "weight_hh_l0": [[0.5]]},
    "x": [[0.0, 0.25], [-0.5, 1.0]],  # 0 times inf: NaN in float32
}


@pytest.mark.torch
def test_a_float32_overflow_is_reported_as_such_never_as_nan(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    path = write(tmp_path, BEYOND_FLOAT32)
    trace = CliRunner().invoke(main, ["trace", str(path)])
    assert trace.exit_code == 0, trace.output
    check = strict_json(trace.stdout)["check"]
    assert check["agrees"] is True
    assert check["float32_overflows"] is True
    measured = strict_json(CliRunner().invoke(main, ["check", str(path), "--json"]).stdout)
    assert measured["max_abs_diff_float32"] is None
    assert {q["float32"] for q in measured["quantities"]} == {None}
    table = CliRunner().invoke(main, ["check", str(path)])
    assert table.exit_code == 0, table.output
    assert "nan" not in table.stdout.lower()
    assert table.stdout.splitlines()[-1] == "torch's float32 run overflows: its numbers are too large for float32"
    assert "overflow" in table.stdout.splitlines()[1]
    document = CliRunner().invoke(main, ["render", str(path)])
    assert document.exit_code == 0, document.output
    sentence = " ".join(document.stdout[document.stdout.index("Checked against PyTorch") :].split())
    assert "in float32 it overflows: these numbers are too large for float32." in sentence
    assert "nan" not in sentence.lower()
    assert "inf" not in sentence.lower()


@pytest.mark.torch
def test_an_exploding_relu_rnn_agrees_within_the_relative_tolerance() -> None:
    pytest.importorskip("torch")
    from lstm_latex.check import cross_check

    steps = 24  # h_t = 2 h_{t-1} + x_t: about 1.7e7 at the end, too large for an absolute 1e-10
    rng = np.random.default_rng(3)
    example = lstm_latex.load(
        {
            "cell": "rnn_relu",
            "state_dict": {"weight_ih_l0": [[1.0, 0.3], [0.2, 1.0]], "weight_hh_l0": [[2.0, 0.0], [0.0, 2.0]]},
            "x": rng.uniform(0.5, 1.0, (steps, 2)),
        }
    )
    trace = lstm_latex.forward(example)
    assert trace.output.max() > 1e7
    report = cross_check(trace)
    assert report.agrees, report.table()
    report.require_agreement()


def test_rounding_keeps_numbers_too_large_to_round() -> None:
    values = np.array([1e300, -1e300, 0.123456789, -0.004, 1.5e16, 123456.5])
    np.testing.assert_array_equal(round_array(values, 17), [1e300, -1e300, 0.123456789, -0.004, 1.5e16, 123456.5])
    rounded = round_array(values, 0)
    np.testing.assert_array_equal(rounded, [1e300, -1e300, 0.0, 0.0, 1.5e16, 123457.0])  # half away from zero
    assert not np.signbit(rounded[3])  # never -0.0


def test_export_round_17_of_1e300_writes_it_back(tmp_path: Path) -> None:
    document = {
        "cell": "rnn_tanh",
        "state_dict": {"weight_ih_l0": [[1e300, 0.5]], "weight_hh_l0": [[0.5]]},
        "x": [[0.0, 0.25]],
    }
    result = CliRunner().invoke(main, ["export", str(write(tmp_path, document)), "--round", "17"])
    assert result.exit_code == 0, result.output
    assert strict_json(result.stdout)["state_dict"]["weight_ih_l0"] == [[1e300, 0.5]]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1e308, r"1.0000 \times 10^{308}"),
        (-1.7976931348623157e308, r"-1.7977 \times 10^{308}"),
        (12345678901.5, r"1.2346 \times 10^{10}"),
        (-18000000.25, "-18000000.2500"),  # fits: fixed decimals, as before
        (0.00001, r"1.0000 \times 10^{-5}"),
    ],
)
def test_a_number_too_large_for_a_column_is_scientific(value: float, text: str) -> None:
    assert NumberFormat().number(value) == text
