"""The commands with torch: .pt files, the cross-check in render and trace, `check`, and lazy imports."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, SEED

import lstm_latex
from lstm_latex import pipeline
from lstm_latex.cli import main

pytest.importorskip("torch")
import torch
from torch_models import save, seed_inputs, seed_model

pytestmark = pytest.mark.torch


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def model_pt(tmp_path: Path) -> Path:
    """The seed's LSTM as encoder.lstm of a larger model, saved as its state_dict."""
    return save(seed_model().state_dict(), tmp_path / "model.pt")


def agreement_sentence(text: str) -> str:
    start = text.index("Checked against PyTorch")
    return " ".join(text[start : text.index(".", text.index("float32", start)) + 1].split())


@pytest.mark.latex
def test_the_seed_from_a_model_pt_states_the_agreement_and_compiles(latex, model_pt: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "derivation.tex"
    result = run("render", str(model_pt), "--inputs", str(seed_inputs(tmp_path)), "-o", str(out))
    assert result.exit_code == 0, result.output
    compiled = latex(out.read_text())
    assert compiled.overfull == []
    sentence = agreement_sentence(compiled.text)
    assert sentence.startswith(f"Checked against PyTorch {torch.__version__}: torch.nn.LSTM in float64,")
    assert "computes the output, hn , cn and every ht and ct to within" in sentence
    assert "10-17 of the values here (largest absolute difference), and in float32 to within" in sentence
    assert "0.5284" in compiled.text  # the seed's input gate: the same derivation as from the JSON


def test_without_the_check_the_document_says_so(tmp_path: Path) -> None:
    result = run("render", str(SEED), "--no-check")
    assert result.exit_code == 0, result.output
    assert "These numbers were not checked against PyTorch." in result.stdout
    assert "Checked against" not in result.stdout
    assert "Checked against PyTorch" in run("render", str(SEED)).stdout  # auto: torch is installed here


@pytest.fixture
def wrong_forward(monkeypatch: pytest.MonkeyPatch) -> None:
    """The NumPy forward pass made wrong in one entry of c_n: the check must catch it."""
    right = lstm_latex.forward

    def wrong(
        example: lstm_latex.Example, progress: Callable[[], None] | None = None
    ) -> lstm_latex.Trace[lstm_latex.Step]:
        trace = right(example, progress)
        c_n = trace.c_n.copy()  # type: ignore[union-attr]
        c_n[0, 1] += 1e-7
        return dataclasses.replace(trace, c_n=c_n)

    monkeypatch.setattr(pipeline, "forward", wrong)


@pytest.mark.usefixtures("wrong_forward")
@pytest.mark.parametrize("command", ["render", "trace"])
def test_a_disagreement_exits_1_with_both_values_and_writes_nothing(tmp_path: Path, command: str) -> None:
    out = tmp_path / "out"
    result = run(command, str(SEED), "-o", str(out))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(
        f"Error: the NumPy trace disagrees with torch {torch.__version__} in float64: c_n[0][1] is 0.16651997"
    )
    assert "here and 0.16651987" in result.stderr
    assert not out.exists()
    assert run(command, str(SEED), "--no-check").exit_code == 0


def test_trace_records_the_check(model_pt: Path, tmp_path: Path) -> None:
    result = run("trace", str(model_pt), "--inputs", str(seed_inputs(tmp_path)), "--check")
    assert result.exit_code == 0, result.output
    check = json.loads(result.stdout)["check"]
    # what holds under any version of torch: no version, no measured figure
    assert check == {
        "against": "torch",
        "tolerance": 1e-10,
        "relative_tolerance": 1e-12,
        "agrees": True,
        "float32_overflows": False,
        "quantities": ["output", "h_n", "c_n", "h_t (layer 0, forward)", "c_t (layer 0, forward)"],
    }
    assert json.loads(run("trace", str(SEED), "--no-check").stdout)["check"] is None


def test_a_trace_with_the_check_is_the_same_file_under_another_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    here = run("trace", str(SEED), "--check")
    monkeypatch.setattr(torch, "__version__", "9.9.9")
    assert run("check", str(SEED)).stdout.splitlines()[-1].startswith("torch 9.9.9 agrees")  # the version is read
    elsewhere = run("trace", str(SEED), "--check")
    assert here.exit_code == elsewhere.exit_code == 0, here.output
    assert elsewhere.stdout_bytes == here.stdout_bytes


def test_check_json_holds_the_measured_differences_and_torchs_version(model_pt: Path, tmp_path: Path) -> None:
    result = run("check", str(model_pt), "--inputs", str(seed_inputs(tmp_path)), "--json")
    assert result.exit_code == 0, result.output
    check = json.loads(result.stdout)
    assert check["torch_version"] == torch.__version__
    assert check["agrees"] is True
    assert 0 <= check["max_abs_diff_float64"] <= 1e-10
    assert 0 < check["max_abs_diff_float32"] < 1e-6
    assert check["max_abs_diff_float32"] == max(q["float32"] for q in check["quantities"])
    assert [q["quantity"] for q in check["quantities"]][:3] == ["output", "h_n", "c_n"]


def test_check_prints_a_table_and_exits_0_on_agreement(model_pt: Path, tmp_path: Path) -> None:
    result = run("check", str(model_pt), "--prefix", "encoder.lstm", "--inputs", str(seed_inputs(tmp_path)))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["quantity", "float64", "float32"]
    assert [line.split("  ")[0] for line in lines[1:4]] == ["output", "h_n", "c_n"]
    assert lines[-1] == f"torch {torch.__version__} agrees in float64 (tolerance 1e-10 + 1e-12·|value|)"
    assert result.stderr == ""


@pytest.mark.usefixtures("wrong_forward")
def test_check_exits_1_on_a_disagreement() -> None:
    result = run("check", str(SEED))
    assert result.exit_code == 1
    assert "DISAGREES" in result.stdout.splitlines()[-1]
    assert result.stderr.startswith("Error: the NumPy trace disagrees with torch")


def test_a_pt_file_without_inputs_is_one_error_line(model_pt: Path) -> None:
    result = run("render", str(model_pt))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"Error: {model_pt}: a state_dict holds no inputs: give them with --inputs FILE (inputs= or x= in Python): JSON"
        ' with "x" of shape (T, 2) and optionally "h0" and "c0", a .npy or .npz file, or a .pt file of a tensor'
        " or a dict of them\n"
    )


# Runs the command line in a fresh interpreter, optionally with torch made unimportable, and says
# on stderr's last line whether torch was imported.
PROBE = """
import os, sys
if os.environ.get("BLOCK_TORCH"):
    sys.modules["torch"] = None  # import torch now raises ImportError, as if it were not installed
from lstm_latex.cli import main
try:
    main(sys.argv[1:])
finally:
    print("torch imported" if sys.modules.get("torch") else "torch not imported", file=sys.stderr)
"""


def probe(*args: str, block_torch: bool = False) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BLOCK_TORCH": "1" if block_torch else ""}
    return subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )


@pytest.mark.parametrize("args", [["--help"], ["render", "--help"], ["render", str(SEED), "--no-check"]])
def test_help_and_render_without_the_check_never_import_torch(args: list[str]) -> None:
    out = probe(*args)
    assert out.returncode == 0, out.stderr
    assert out.stderr.splitlines()[-1] == "torch not imported"


def test_the_check_imports_torch_when_it_runs() -> None:
    out = probe("render", str(SEED))
    assert out.returncode == 0, out.stderr
    assert out.stderr.splitlines()[-1] == "torch imported"


def test_without_torch_auto_skips_the_check_and_check_names_the_extra() -> None:
    auto = probe("render", str(SEED), block_torch=True)
    assert auto.returncode == 0, auto.stderr
    assert "These numbers were not checked against PyTorch." in auto.stdout
    required = probe("render", str(SEED), "--check", block_torch=True)
    assert required.returncode == 1
    assert required.stdout == ""
    assert required.stderr.splitlines()[0] == "Error: the torch check needs torch: pip install 'lstm-latex[torch]'"
    pt = probe("render", "model.pt", block_torch=True)
    assert pt.returncode == 1
    assert (
        pt.stderr.splitlines()[0]
        == "Error: model.pt: reading a torch file needs torch: pip install 'lstm-latex[torch]'"
    )
