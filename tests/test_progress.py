"""Long runs show a progress bar on stderr, and only when stderr is a terminal."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import numpy as np
from conftest import SEED

from lstm_latex.cli import PROGRESS_FROM

CLI = Path(sys.executable).parent / "lstm-latex"


def long_input(tmp_path: Path) -> Path:
    rng = np.random.default_rng(3)
    steps = PROGRESS_FROM + 100
    document = {
        "state_dict": {
            "weight_ih_l0": rng.normal(size=(8, 1)).tolist(),
            "weight_hh_l0": rng.normal(size=(8, 2)).tolist(),
        },
        "x": rng.normal(size=(steps, 1)).tolist(),
    }
    path = tmp_path / "long.json"
    path.write_text(json.dumps(document))
    return path


def run_with_terminal_stderr(*args: str | Path) -> tuple[int, str]:
    leader, follower = pty.openpty()
    with subprocess.Popen([CLI, *args], stdout=subprocess.DEVNULL, stderr=follower) as process:
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closes with the process
                break
            if not chunk:
                break
            chunks.append(chunk)
        code = process.wait(timeout=120)
    os.close(leader)
    return code, b"".join(chunks).decode(errors="replace")


def test_a_long_render_shows_both_phases_on_a_terminal(tmp_path: Path) -> None:
    source = long_input(tmp_path)
    args = ("render", source, "--no-check", "--max-steps", "0", "-o", tmp_path / "out.tex")  # past the page limit
    code, shown = run_with_terminal_stderr(*args)
    assert code == 0, shown
    assert "tracing" in shown
    assert "rendering" in shown
    assert "100%" in shown
    assert (tmp_path / "out.tex").read_text().rstrip().endswith(r"\end{document}")


def test_no_bar_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    source = long_input(tmp_path)
    result = subprocess.run(
        [CLI, "trace", source, "--no-check"], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0
    assert result.stderr == ""
    assert len(json.loads(result.stdout)["output"]) == PROGRESS_FROM + 100


def test_a_short_run_shows_no_bar_even_on_a_terminal() -> None:
    code, shown = run_with_terminal_stderr("trace", SEED, "--no-check")
    assert code == 0
    assert shown == ""
