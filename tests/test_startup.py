"""Start-up: compiled templates are kept between runs, and a cache that cannot be used is no error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import SEED

CLI = Path(sys.executable).parent / "lstm-latex"


def render(cache: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    return subprocess.run(
        [CLI, "render", SEED, "--no-check"], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_compiled_templates_are_cached_and_give_the_same_document(tmp_path: Path) -> None:
    first, second = render(tmp_path), render(tmp_path)
    assert first.returncode == second.returncode == 0
    assert first.stdout == second.stdout
    assert list(tmp_path.glob("lstm-latex/templates-*/__jinja2_*.cache"))


def test_an_unwritable_cache_is_passed_over(tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-directory"
    blocked.write_text("")
    result = render(blocked)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith(r"\documentclass")
