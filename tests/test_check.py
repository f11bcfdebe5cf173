"""The torch cross-check itself: it agrees where the trace is right and notices where it is not.

(That the trace is right for every kind of network is tests/test_cells.py's grid and
tests/test_properties.py's random networks.)"""

from __future__ import annotations

import dataclasses

import pytest
from conftest import SEED

import lstm_latex
from lstm_latex.check import TOLERANCE, cross_check

pytest.importorskip("torch")
import torch

pytestmark = pytest.mark.torch


def test_the_seed_agrees_with_torch_in_float64() -> None:
    report = cross_check(lstm_latex.forward(lstm_latex.load(SEED)))
    assert report.agrees
    assert report.max_float64 <= TOLERANCE
    assert 0 < report.max_float32 < 1e-6  # float32 rounding shows, and is small
    assert [d.quantity for d in report.differences] == [
        "output", "h_n", "c_n", "h_t (layer 0, forward)", "c_t (layer 0, forward)",
    ]  # fmt: skip
    assert report.torch_version == torch.__version__


def test_a_wrong_trace_is_caught_with_both_values() -> None:
    trace = lstm_latex.forward(lstm_latex.load(SEED))
    output = trace.output.copy()
    output[0, 2] += 1e-6
    report = cross_check(dataclasses.replace(trace, output=output))
    assert not report.agrees
    (bad,) = [d for d in report.differences if d.float64 > TOLERANCE]
    assert bad.quantity == "output"
    assert bad.trace_value == output[0, 2]
    assert bad.torch_value == pytest.approx(output[0, 2] - 1e-6, abs=1e-12)


def test_the_report_is_a_table_and_a_mismatch_names_both_values() -> None:
    trace = lstm_latex.forward(lstm_latex.load(SEED))
    report = cross_check(trace)
    lines = report.table().splitlines()
    assert lines[0].split() == ["quantity", "float64", "float32"]
    assert lines[1].split()[0] == "output"
    assert float(lines[1].split()[1]) == pytest.approx(report.differences[0].float64, rel=0.01)
    assert lines[-1] == f"torch {torch.__version__} agrees in float64 (tolerance 1e-10 + 1e-12·|value|)"
    report.require_agreement()  # no error
    h_n = trace.h_n.copy()
    h_n[0, 3] = 0.5
    bad = cross_check(dataclasses.replace(trace, h_n=h_n))
    assert bad.table().splitlines()[-1].endswith("DISAGREES in float64 (tolerance 1e-10 + 1e-12·|value|)")
    with pytest.raises(lstm_latex.CheckError) as error:
        bad.require_agreement()
    assert str(error.value).startswith(
        f"the NumPy trace disagrees with torch {torch.__version__} in float64: h_n[0][3] is 0.5 here and 0.0715026"
    )
