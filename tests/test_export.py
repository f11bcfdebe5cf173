"""`lstm-latex export`: a .pt state_dict as our JSON format, exact unless rounded."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import SEED

import lstm_latex
from lstm_latex.cli import main
from lstm_latex.serialize import trace_to_dict

torch = pytest.importorskip("torch")  # every test here compares with torch
pytestmark = pytest.mark.torch

from torch_models import SEED_DOCUMENT, save, seed_inputs, seed_lstm, seed_model  # noqa: E402  (imports torch)


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args))


def test_export_then_trace_gives_the_numbers_of_the_pt_file(tmp_path: Path) -> None:
    model = save(seed_model().state_dict(), tmp_path / "model.pt")
    inputs = seed_inputs(tmp_path)
    weights = tmp_path / "weights.json"
    result = run("export", str(model), "--prefix", "encoder.lstm", "--inputs", str(inputs), "-o", str(weights))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    from_pt = run("trace", str(model), "--inputs", str(inputs), "--no-check")
    from_json = run("trace", str(weights), "--no-check")
    assert from_json.exit_code == 0, from_json.output
    pt_trace = json.loads(from_pt.stdout)
    assert pt_trace.pop("dtype") == "float32"  # the .pt file's; the JSON holds those numbers exactly, as float64
    assert json.loads(from_json.stdout) == pt_trace
    document = json.loads(weights.read_text())
    assert list(document) == ["cell", "state_dict", "x", "h0", "c0"]
    assert list(document["state_dict"]) == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]
    # float32 weights written with every digit of their float64 value, not as the seed's decimals
    assert document["state_dict"]["weight_ih_l0"][0][0] == float(np.float32(-0.36))
    assert document["x"] == SEED_DOCUMENT["x"]


def test_round_writes_the_teaching_example_back(tmp_path: Path) -> None:
    model = save(seed_lstm().state_dict(), tmp_path / "lstm.pt")
    result = run("export", str(model), "--inputs", str(seed_inputs(tmp_path)), "--round", "2")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document == SEED_DOCUMENT  # the seed's two-decimal weights come back exactly
    whole = run("export", str(model), "--round", "0").stdout
    assert json.loads(whole)["state_dict"]["bias_ih_l0"][:4] == [0, 0, 0, 0]  # 0.47, 0.2, 0.23, -0.24
    assert re.findall(r"-?0\.0\b", whole)[:4] == ["0.0"] * 4
    assert "-0.0," not in whole
    assert "-0.0]" not in whole


def test_export_without_inputs_writes_weights_only_and_they_load_with_inputs(tmp_path: Path) -> None:
    model = save(seed_lstm().state_dict(), tmp_path / "lstm.pt")
    weights = tmp_path / "weights.json"
    assert run("export", str(model), "-o", str(weights)).exit_code == 0
    assert list(json.loads(weights.read_text())) == ["cell", "state_dict"]
    missing = run("render", str(weights))
    assert missing.exit_code == 1
    assert "missing key 'x'" in missing.stderr
    inputs = seed_inputs(tmp_path)
    trace = lstm_latex.forward(lstm_latex.load(weights, inputs=inputs))
    expected = lstm_latex.forward(lstm_latex.load(model, inputs=inputs))
    pt_trace = trace_to_dict(expected)
    assert pt_trace.pop("dtype") == "float32"
    assert trace_to_dict(trace) == pt_trace


def test_export_of_a_json_file_rounds_it_too() -> None:
    result = run("export", str(SEED), "--round", "1")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["state_dict"]["weight_ih_l0"][0] == [-0.4, 0.0]
    assert document["c0"] == [[-0.5, 0.3, -0.8, 0.5]]
