from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SAMPLES, SEED

import lstm_latex
from lstm_latex.cli import main
from lstm_latex.serialize import trace_to_dict, trace_to_json


def run(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), input=input)


def test_render_writes_the_document_to_stdout() -> None:
    result = run("render", str(SEED))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(r"\documentclass")
    assert result.stdout.rstrip().endswith(r"\end{document}")
    assert result.stderr == ""


def test_render_reads_stdin() -> None:
    result = run("render", "-", "--template", "snippet", input=SEED.read_text())
    assert result.exit_code == 0, result.output
    assert r"\documentclass" not in result.stdout
    assert r"\begin{bmatrix*}[r] 0.5284 \\ 0.4833 \\ 0.5617 \\ 0.5484 \end{bmatrix*}" in result.stdout


def test_precision_changes_every_number() -> None:
    result = run("render", str(SEED), "--precision", "2")
    assert r"\begin{bmatrix*}[r] 0.53 \\ 0.48 \\ 0.56 \\ 0.55 \end{bmatrix*}" in result.stdout
    assert "0.5284" not in result.stdout


def test_output_file_is_written_whole(tmp_path: Path) -> None:
    out = tmp_path / "derivation.tex"
    result = run("render", str(SEED), "-o", str(out), "--no-check")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert out.read_text() == lstm_latex.render(lstm_latex.forward(lstm_latex.load(SEED)))
    assert [p.name for p in tmp_path.iterdir()] == ["derivation.tex"]  # no temporary file left


def test_a_failed_render_leaves_an_existing_output_alone(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"state_dict": {}}')
    out = tmp_path / "derivation.tex"
    out.write_text("precious")
    result = run("render", str(bad), "-o", str(out))
    assert result.exit_code == 1
    assert out.read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.json", "derivation.tex"]


def test_trace_prints_torchs_shapes_and_every_intermediate() -> None:
    result = run("trace", str(SEED))
    assert result.exit_code == 0, result.output
    trace = json.loads(result.stdout)
    assert trace["format"] == "lstm-latex-trace"
    assert [len(trace["output"]), len(trace["output"][0])] == [1, 4]
    assert [len(trace["h_n"]), len(trace["c_n"])] == [1, 1]
    (layer,) = trace["layers"]
    assert (layer["layer"], layer["direction"]) == (0, "forward")
    (step,) = layer["steps"]
    assert list(step) == [
        "t", "x", "h_prev", "c_prev", "gates", "forget_term", "input_term", "c", "tanh_c", "h",
    ]  # fmt: skip
    assert list(step["gates"]) == ["i", "f", "g", "o"]
    assert list(step["gates"]["i"]) == ["input_affine", "hidden_affine", "preactivation", "activation"]
    assert step["gates"]["i"]["activation"] == pytest.approx([0.52841933, 0.48328124, 0.56173341, 0.54837322])
    assert step["h"] == trace["output"][0] == trace["h_n"][0]
    # Golden vectors read line by line: an object has a key a line, every array is one line.
    lines = result.stdout.splitlines()
    activation = next(line for line in lines if '"activation"' in line)
    assert json.loads(activation.split(": ", 1)[1].rstrip(",")) == step["gates"]["i"]["activation"]
    arrays = [line for line in lines if re.search(r"\[-?[0-9]", line)]
    assert len(arrays) == 3 + 3 + 4 * 4 + 5  # a row each of output, h_n, c_n; x, h_prev, c_prev; gates; the rest
    assert all(line.rstrip(",").endswith("]") for line in arrays)


def test_the_streamed_trace_holds_what_trace_to_dict_holds() -> None:
    trace = lstm_latex.forward(lstm_latex.load(SAMPLES / "stacked_bidirectional_lstm.json"))
    text = "".join(trace_to_json(trace))
    assert json.loads(text) == trace_to_dict(trace)
    assert text.endswith(' "check": null\n}\n')


def test_the_trace_is_written_a_step_at_a_time() -> None:
    # A piece of text a step record, made as it is written: a long trace is never one string.
    trace = lstm_latex.forward(lstm_latex.load(SAMPLES / "stacked_bidirectional_lstm.json"))
    pieces = trace_to_json(trace)
    assert iter(pieces) is pieces
    records = [piece.count('"t": ') for piece in pieces if '"t": ' in piece]
    assert records == [1] * (2 * 2 * 2)  # 2 steps, 2 layers, 2 directions


@pytest.mark.parametrize("command", [[], ["render"], ["trace"]])
def test_every_command_has_help_and_version(command: list[str]) -> None:
    for flag in ("-h", "--help"):
        result = run(*command, flag)
        assert result.exit_code == 0
        assert "Usage:" in result.stdout
    version = run(*command, "--version")
    assert version.exit_code == 0
    assert version.stdout.strip() == f"lstm-latex, version {lstm_latex.__version__}"


def test_every_command_says_what_it_does() -> None:
    for name, command in main.commands.items():
        assert command.help, name


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"x": [[1, 2]]}, "missing key 'state_dict'"),
        ({"state_dict": {"weight_hh_l0": [[0.0]]}, "x": [[1]]}, "missing key 'weight_ih_l0'"),
        (
            {"state_dict": {"weight_ih_l0": [[0.0, 0.0]] * 16, "weight_hh_l0": [[0.0] * 3] * 16}, "x": [[1, 2]]},
            "state_dict.weight_hh_l0 has shape (16, 3), expected (16, 4)",
        ),
        (
            {"state_dict": {"weight_ih_l0": [[0.0, "a"]] * 16, "weight_hh_l0": [[0.0] * 4] * 16}, "x": [[1, 2]]},
            "state_dict.weight_ih_l0[0][1] is a string ('a'), expected a number",
        ),
        (
            {"state_dict": {"weight_ih_l0": [[0.0, 0.0]] * 16, "weight_hh_l0": [[0.0] * 4] * 16}, "x": [[1, 2, 3]]},
            "x has shape (1, 3), expected (T, 2)",
        ),
    ],
)
def test_bad_input_is_one_line_naming_the_key_and_shapes(tmp_path: Path, document: dict, message: str) -> None:  # type: ignore[type-arg]
    path = tmp_path / "weights.json"
    path.write_text(json.dumps(document))
    result = run("render", str(path))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"Error: {path}: ")
    assert message in result.stderr


def test_python_dash_m_runs_the_same_cli() -> None:
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "lstm_latex", "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    assert out.returncode == 0
    assert out.stdout.strip() == f"lstm-latex, version {lstm_latex.__version__}"
