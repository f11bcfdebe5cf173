"""Every bad input, through the installed command as a user runs it: exit status 1, one short
``Error: ...`` naming what is wrong and where, nothing on stdout, no traceback, no hang, and no
output file created or changed.

The corpus is tests/corpus/bad/: one file per mistake, and manifest.json with a fragment of the
message each must give. Files nested hundreds of thousands of levels deep, and torch files (binary,
and tied to the installed torch's format), are made here instead.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch

CLI = Path(sys.executable).parent / "lstm-latex"
CORPUS = Path(__file__).parent / "corpus" / "bad"
MANIFEST: dict[str, str] = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
TIMEOUT = 30  # seconds; a clean refusal takes well under one
PRECIOUS = b"an earlier derivation\n"


@dataclass(frozen=True)
class Run:
    args: list[str]
    returncode: int
    stdout: bytes
    stderr: str


def run_all(commands: list[list[str]], stdin: bytes | None = None) -> list[Run]:
    """Run the commands at once (each is a new process: the wall time is the slowest one's)."""
    env = {**os.environ, "COLUMNS": "80"}
    processes = [
        subprocess.Popen(
            [str(CLI), *args],
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        for args in commands
    ]
    runs = []
    for args, process in zip(commands, processes, strict=True):
        try:
            stdout, stderr = process.communicate(stdin, timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            pytest.fail(f"lstm-latex {' '.join(args)} ran for more than {TIMEOUT} s")
        runs.append(Run(args, process.returncode, stdout, stderr.decode("utf-8", "replace")))
    return runs


def assert_clean_failure(run: Run, fragment: str, status: int = 1) -> None:
    context = f"lstm-latex {' '.join(run.args)}\n{run.stderr}"
    assert run.returncode == status, context
    assert run.stdout == b"", context
    assert "Traceback" not in run.stderr, context
    assert run.stderr.startswith("Error: "), context
    assert run.stderr.endswith("\n"), context
    assert run.stderr.count("\n") <= 5, context
    assert fragment in run.stderr, context


def assert_refused_everywhere(path: Path, fragment: str, tmp_path: Path, *options: str) -> None:
    """render over an existing file and trace to a new one: both refuse alike, and print nothing.

    (Two runs, not more: each process costs the import of numpy, and the suite must stay fast.)
    """
    existing = tmp_path / "existing.tex"
    existing.write_bytes(PRECIOUS)
    new = tmp_path / "out" / "new.tex"
    new.parent.mkdir()
    before = sorted(p.name for p in tmp_path.rglob("*"))
    runs = run_all(
        [
            ["render", str(path), *options, "-o", str(existing)],
            ["trace", str(path), *options, "-o", str(new)],
        ]
    )
    for run in runs:
        assert_clean_failure(run, fragment)
        assert f"Error: {path}: " in run.stderr  # says which file
    assert not new.exists()
    assert existing.read_bytes() == PRECIOUS
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # no temporary file left behind


def test_the_manifest_lists_every_corpus_file() -> None:
    files = sorted(p.name for p in CORPUS.iterdir() if p.name != "manifest.json")
    assert files == sorted(MANIFEST)


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_corpus_file_is_refused_cleanly(name: str, tmp_path: Path) -> None:
    assert_refused_everywhere(CORPUS / name, MANIFEST[name], tmp_path)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[" * 300_000 + "]" * 300_000, "not valid JSON: nested 300000 levels deep"),
        ('{"x": ' * 200_000 + "1" + "}" * 200_000, "not valid JSON: nested 200000 levels deep"),
        ("[" * 500_000, "not valid JSON: nested 500000 levels deep"),  # and never closed
        ('{"x": [[0.5]], "state_dict": {"w": ' + "[" * 999 + "]" * 999 + "}}", "nested 1001 levels deep"),
    ],
)
def test_deep_nesting_is_refused_at_once(text: str, fragment: str, tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text(text)
    assert_refused_everywhere(path, fragment, tmp_path)


def test_brackets_inside_strings_do_not_count_as_nesting(tmp_path: Path) -> None:
    path = tmp_path / "brackets.json"
    path.write_text(json.dumps({"x": [[0.5]], "state_dict": {}, "cell": "[[[[" * 20 + '\\"' + "{" * 50}))
    (run,) = run_all([["render", str(path)]])
    assert_clean_failure(run, "unknown cell '[[[[")


@pytest.mark.parametrize("name", ["empty.json", "truncated.json", "nan.json", "x-shape.json", "ragged-x.json"])
def test_stdin_is_refused_like_a_file(name: str) -> None:
    runs = run_all([["render", "-"], ["trace", "-"]], stdin=(CORPUS / name).read_bytes())
    for run in runs:
        assert_clean_failure(run, MANIFEST[name])
        assert run.stderr.startswith("Error: <stdin>: ")


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    missing = tmp_path / "missing.json"
    (run,) = run_all([["render", str(missing)]])
    assert_clean_failure(run, f"{missing}: cannot read the file (No such file or directory)")


def test_an_unwritable_output_is_refused(tmp_path: Path) -> None:
    seed = Path(__file__).parent.parent / "samples" / "seed.json"
    runs = run_all([["render", str(seed), "-o", str(tmp_path / "no" / "such" / "dir.tex")]])
    assert_clean_failure(runs[0], "dir.tex: cannot write (No such file or directory)")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["render"], "Missing argument 'FILE'"),
        (["render", "x.json", "--precision", "many"], "Invalid value for '--precision': 'many'"),
        (["render", "x.json", "--max-steps", "-1"], "Invalid value for '--max-steps': -1 is not in the range x>=0"),
        (["trace", "x.json", "--unknown"], "No such option '--unknown'"),
        (["draw"], "No such command 'draw'"),
        (["trace", "."], "Invalid value for 'FILE': File '.' is a directory"),
    ],
)
def test_usage_errors_exit_2_in_a_few_lines(args: list[str], fragment: str) -> None:
    (run,) = run_all([args])
    assert run.returncode == 2, run.stderr
    assert run.stdout == b""
    assert "Traceback" not in run.stderr
    assert run.stderr.count("\n") <= 5, run.stderr
    assert f"Error: {fragment}" in run.stderr


class Payload:
    """Unpickled, it creates the marker file: what a malicious checkpoint would do."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (open, (self.marker, "w"))


def lstm_state() -> dict[str, torch.Tensor]:
    torch.manual_seed(0)
    return torch.nn.LSTM(2, 4).state_dict()


def saved(obj: object, path: Path) -> bytes:
    torch.save(obj, path)
    return path.read_bytes()


UNREADABLE = "not a readable torch file: truncated, damaged, or not written by torch.save ("
REFUSED = "refused: loading it would run code from the file ("


@pytest.mark.parametrize(
    ("name", "make", "fragment"),
    [
        ("truncated.pt", lambda p: saved(lstm_state(), p)[:-300], UNREADABLE),
        ("empty.pt", lambda p: b"", UNREADABLE),
        ("text.pt", lambda p: b"weight_ih_l0 = [[0.5, 0.1]]\n", UNREADABLE),
        ("truncated-zip.json", lambda p: saved(lstm_state(), p)[:-300], UNREADABLE),  # torch's format, any name
        ("module.pt", lambda p: saved(torch.nn.LSTM(2, 4), p), REFUSED + "torch.nn.modules.rnn.LSTM)"),
        ("tensor.pt", lambda p: saved(torch.zeros(16, 2), p), "holds a Tensor, not a state_dict"),
        (
            "shape.pt",
            lambda p: saved({**lstm_state(), "weight_hh_l0": torch.zeros(16, 3)}, p),
            "state_dict.weight_hh_l0 has shape (16, 3), expected (16, 4)",
        ),
        (
            "string-tensor.pt",
            lambda p: saved({**lstm_state(), "bias_ih_l0": "zeros"}, p),
            "state_dict.bias_ih_l0 is a string ('zeros'), expected a number or a list",
        ),
        (
            "complex.pt",
            lambda p: saved({**lstm_state(), "bias_ih_l0": torch.zeros(16, dtype=torch.complex64)}, p),
            "state_dict.bias_ih_l0 is a tensor of torch.complex64, expected real numbers",
        ),
    ],
)
def test_a_bad_torch_file_is_refused_cleanly(name: str, make, fragment: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    work = tmp_path / "work"
    work.mkdir()
    path = work / name
    path.write_bytes(make(path))
    inputs = work / "inputs.json"
    inputs.write_text(json.dumps({"x": [[0.5, 0.1]]}))
    (tmp_path / "out").mkdir()
    assert_refused_everywhere(path, fragment, tmp_path / "out", "--inputs", str(inputs))


def test_a_torch_file_whose_pickle_would_run_code_is_refused_and_runs_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    path = tmp_path / "crafted.pt"
    torch.save({"weight_ih_l0": Payload(marker), "weight_hh_l0": torch.zeros(16, 4)}, path)
    (tmp_path / "out").mkdir()
    assert_refused_everywhere(path, REFUSED, tmp_path / "out", "--inputs", str(CORPUS.parent / "inputs.json"))
    assert not marker.exists()
    # The payload is real: an unsafe load runs it (so the refusal above is what kept it from running).
    unsafe = f"import torch; torch.load({str(path)!r}, weights_only=False)"
    subprocess.run([sys.executable, "-W", "ignore", "-c", unsafe], check=True, capture_output=True, timeout=120)
    assert marker.exists()


def test_a_torch_file_without_inputs_says_how_to_give_them(tmp_path: Path) -> None:
    path = tmp_path / "weights.pt"
    torch.save(lstm_state(), path)
    (tmp_path / "out").mkdir()
    assert_refused_everywhere(path, "a state_dict holds no inputs: give them with --inputs FILE.json", tmp_path / "out")
