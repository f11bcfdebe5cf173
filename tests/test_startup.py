"""Start-up: a plain render reads its templates and writes nothing but its output, in the home
directory or anywhere else."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import SEED

CLI = Path(sys.executable).parent / "lstm-latex"


def test_a_render_writes_nothing_to_the_home_directory(tmp_path: Path) -> None:
    home, cache = tmp_path / "home", tmp_path / "cache"
    home.mkdir()
    cache.mkdir()
    env = {**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(cache)}
    run = subprocess.run(
        [CLI, "render", SEED, "--no-check"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith(r"\documentclass")
    assert list(home.iterdir()) == list(cache.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "home"]
