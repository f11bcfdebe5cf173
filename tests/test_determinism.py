"""The same input and options give the same bytes: run again in the same process, and in a process
with another hash seed. No dates, no set or hash order, no state left by an earlier run reach the output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SEED
from test_limits import lstm_document

from lstm_latex.cli import main

CLI = Path(sys.executable).parent / "lstm-latex"

COMMANDS = [
    ["render", "{deep}", "--no-check"],
    ["render", "{deep}", "--no-check", "--template", "snippet", "--precision", "6", "--title", "A & B"],
    ["render", "{deep}", "--no-check", "--template", "beamer"],
    ["render", "{deep}", "--no-check", "--format", "markdown"],
    ["trace", "{deep}", "--no-check"],
]

# Every command twice, in one interpreter: their standard output, as a JSON list.
RUN_TWICE = """
import json, sys
from click.testing import CliRunner
from lstm_latex.cli import main

commands = json.loads(sys.argv[1])
outputs = []
for args in commands + commands:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, (args, result.output)
    outputs.append(result.stdout_bytes.decode())
json.dump(outputs, sys.stdout)
"""


def outputs_of(commands: list[list[str]], hash_seed: str, cwd: Path) -> list[str]:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    run = subprocess.run(
        [sys.executable, "-c", RUN_TWICE, json.dumps(commands)],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    outputs: list[str] = json.loads(run.stdout)
    return outputs


def test_every_command_gives_the_same_bytes_again_and_under_another_hash_seed(tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"  # two layers, both directions: every loop of the pipeline
    deep.write_text(json.dumps(lstm_document(3, layers=2, directions=2, seed=5)))
    commands = [[a.format(deep=deep) for a in args] for args in COMMANDS]
    first = outputs_of(commands, "1", tmp_path)
    second = outputs_of(commands, "2", tmp_path)
    for k, args in enumerate(commands):
        assert first[k]  # something was written, and it is the same
        assert first[k + len(commands)] == first[k], f"run again in one process: {args}"
        assert second[k] == first[k], f"another hash seed: {args}"


@pytest.mark.torch
@pytest.mark.parametrize(("command", "check"), [("render", "Checked against PyTorch"), ("trace", '"against": "torch"')])
def test_the_torch_checks_figures_are_the_same_again(command: str, check: str) -> None:
    pytest.importorskip("torch")
    # In this process: in one of its own, most of the time would go to importing torch.
    first, second = (CliRunner().invoke(main, [command, str(SEED), "--check"]) for _ in range(2))
    assert first.exit_code == 0, first.output
    assert check in first.stdout
    assert first.stdout_bytes == second.stdout_bytes


def test_an_output_file_holds_the_same_bytes_as_stdout(tmp_path: Path) -> None:
    # The installed command's real stdout, as a shell redirects it.
    def run(*args: str) -> bytes:
        return subprocess.run([str(CLI), *args], capture_output=True, cwd=tmp_path, timeout=60, check=True).stdout

    run("render", str(SEED), "--no-check", "-o", "out.tex")
    assert (tmp_path / "out.tex").read_bytes() == run("render", str(SEED), "--no-check")
