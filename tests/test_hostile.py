"""What only a process of its own shows: no traceback from the installed command, closed and full
standard streams, and signals during a write. (Every other bad input runs in-process: test_bad_input.py.)"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import SEED

CLI = Path(sys.executable).parent / "lstm-latex"
CORPUS = Path(__file__).parent / "corpus" / "bad"
TIMEOUT = 60  # seconds; each run takes well under one

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX streams and signals")


def run(
    args: list[str], preexec: Callable[[], None] | None = None, stdout: int | None = subprocess.PIPE
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [str(CLI), *args],
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=subprocess.PIPE,
        preexec_fn=preexec,
        timeout=TIMEOUT,
        check=False,
    )


def assert_one_line_error(run: subprocess.CompletedProcess[bytes], fragment: str) -> None:
    stderr = run.stderr.decode("utf-8", "replace")
    assert run.returncode == 1, stderr
    assert "Traceback" not in stderr, stderr
    assert stderr.startswith("Error: "), stderr
    assert stderr.count("\n") == 1, stderr
    assert fragment in stderr, stderr


def test_the_installed_command_refuses_without_a_traceback_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out.tex"
    result = run(["render", str(CORPUS / "weight-hh-shape.json"), "-o", str(out)])
    assert_one_line_error(result, "state_dict.weight_hh_l0 has shape (8, 3), expected (8, 2)")
    assert result.stdout == b""
    assert list(tmp_path.iterdir()) == []


def test_closed_stdin_and_stdout_are_errors_not_silence() -> None:
    closed_stdin = run(["render", "-"], preexec=lambda: os.close(0))
    assert_one_line_error(closed_stdin, "Error: <stdin>: cannot read the file: stdin is closed")
    closed_stdout = run(["trace", str(SEED), "--no-check"], preexec=lambda: os.close(1), stdout=None)
    assert_one_line_error(closed_stdout, "Error: cannot write to stdout: it is closed (give -o FILE)")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_device_is_an_error_not_a_traceback() -> None:
    to_file = run(["render", str(SEED), "--no-check", "-o", "/dev/full"])
    assert_one_line_error(to_file, "Error: /dev/full: cannot write (No space left on device)")
    with open("/dev/full", "wb") as full:
        to_stdout = run(["trace", str(SEED), "--no-check"], stdout=full.fileno())
    assert_one_line_error(to_stdout, "Error: cannot write to stdout (No space left on device)")


WRITE_UNTIL_SIGNALLED = """
import os, signal, sys
from lstm_latex.output import write_text

def pieces():
    yield "a first piece\\n"
    os.kill(os.getpid(), getattr(signal, sys.argv[2]))
    yield "never written\\n"

write_text(pieces(), sys.argv[1])
"""


@pytest.mark.parametrize("name", ["SIGTERM", "SIGHUP", "SIGINT"])
def test_a_signal_during_a_write_leaves_the_old_file_and_no_temporary(tmp_path: Path, name: str) -> None:
    out = tmp_path / "derivation.tex"
    out.write_text("the earlier derivation\n")
    result = subprocess.run(
        [sys.executable, "-c", WRITE_UNTIL_SIGNALLED, str(out), name],
        capture_output=True,
        timeout=TIMEOUT,
        check=False,
        # A shell's background job starts with SIGINT ignored, and the writer rightly keeps it so.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    signum = getattr(signal, name)
    assert result.returncode == -signum, result.stderr  # ended by the signal, as the sender expects
    assert out.read_text() == "the earlier derivation\n"
    assert [p.name for p in tmp_path.iterdir()] == ["derivation.tex"]
