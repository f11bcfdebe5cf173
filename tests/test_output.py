"""What -o does with what it finds there: see lstm_latex/output.py and the README."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import SEED

from lstm_latex.cli import main

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX modes and links")


def export(output: str) -> Result:
    return CliRunner().invoke(main, ["export", str(SEED), "-o", output])


def test_a_symlink_is_written_through_and_kept(tmp_path: Path) -> None:
    target = tmp_path / "real.json"
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target.name)
    assert export(str(link)).exit_code == 0
    assert link.is_symlink()
    assert target.read_text().startswith('{\n  "cell": "lstm"')
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.json", "real.json"]


def test_a_files_mode_is_kept(tmp_path: Path) -> None:
    out = tmp_path / "weights.json"
    out.write_text("old")
    out.chmod(0o640)
    assert export(str(out)).exit_code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert out.read_text().startswith("{")


def test_a_read_only_file_is_refused_and_kept(tmp_path: Path) -> None:
    out = tmp_path / "weights.json"
    out.write_text("old")
    out.chmod(0o444)
    result = export(str(out))
    assert result.exit_code == 1
    assert result.stderr == f"Error: {out}: cannot write (the file is read-only)\n"
    assert out.read_text() == "old"


def test_a_hard_link_is_replaced_under_this_name_only(tmp_path: Path) -> None:
    out = tmp_path / "weights.json"
    out.write_text("old")
    other = tmp_path / "other-name.json"
    os.link(out, other)
    assert export(str(out)).exit_code == 0
    assert out.read_text().startswith("{")
    assert other.read_text() == "old"


@pytest.mark.parametrize(
    ("output", "message"),
    [
        ("", "Error: -o: the file name is empty\n"),
        ("newname/", "Error: newname/: cannot write (a file name must not end in /)\n"),
    ],
)
def test_a_name_that_is_no_file_is_refused(
    output: str, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = export(output)
    assert result.exit_code == 1
    assert result.stderr == message
    assert list(tmp_path.iterdir()) == []
