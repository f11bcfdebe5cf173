"""The same input and options give the same bytes, in separate processes with different hash
seeds: no dates, no set or hash order reaching the output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SEED
from test_limits import lstm_document

CLI = Path(sys.executable).parent / "lstm-latex"


def output_of(args: list[str], hash_seed: str, cwd: Path) -> bytes:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    run = subprocess.run([str(CLI), *args], capture_output=True, env=env, cwd=cwd, timeout=60, check=True)
    return run.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["render", "{deep}", "--no-check"],
        ["render", "{deep}", "--no-check", "--template", "snippet", "--precision", "6", "--title", "A & B"],
        ["render", "{deep}", "--no-check", "--template", "beamer"],
        ["render", "{deep}", "--no-check", "--format", "markdown"],
        ["trace", "{deep}", "--no-check"],
        ["render", "{seed}"],  # with the torch check's figures in the document
        ["trace", "{seed}"],
    ],
)
def test_two_runs_give_identical_bytes(args: list[str], tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"  # two layers, both directions: every loop of the pipeline
    deep.write_text(json.dumps(lstm_document(3, layers=2, directions=2, seed=5)))
    args = [a.format(deep=deep, seed=SEED) for a in args]
    first = output_of(args, "1", tmp_path)
    second = output_of(args, "2", tmp_path)
    assert first  # something was written, and it is the same
    assert first == second


def test_an_output_file_holds_the_same_bytes_as_stdout(tmp_path: Path) -> None:
    output_of(["render", str(SEED), "--no-check", "-o", "out.tex"], "3", tmp_path)
    assert (tmp_path / "out.tex").read_bytes() == output_of(["render", str(SEED), "--no-check"], "4", tmp_path)
