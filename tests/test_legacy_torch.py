"""torch's legacy (non-zip) format: a storage that claims more than the file holds is refused, and
torch only reserves, never fills, the memory it claims (a claim of 6 GB in a 500-byte file)."""

from __future__ import annotations

import io
import json
import resource
from pathlib import Path

import pytest
from click.testing import CliRunner

from lstm_latex.cli import main

pytest.importorskip("torch")
import torch

pytestmark = pytest.mark.torch


def legacy_file_claiming(numel: int) -> bytes:
    """A state_dict in the legacy format whose one storage claims ``numel`` float32 numbers."""
    buffer = io.BytesIO()
    torch.save({"weight_ih_l0": torch.zeros(7, 2)}, buffer, _use_new_zipfile_serialization=False)
    data = buffer.getvalue()
    location = data.find(b"X\x03\x00\x00\x00cpu")  # the storage's persistent id: ..., 'cpu', numel
    claim = data.find(b"K\x0e", location)  # numel 14, a one-byte int in the pickle
    assert location > 0
    assert claim > 0
    return data[:claim] + b"J" + numel.to_bytes(4, "little") + data[claim + 2 :]


def test_a_legacy_file_claiming_gigabytes_is_refused_without_using_them(tmp_path: Path) -> None:
    path = tmp_path / "claims.pt"
    path.write_bytes(legacy_file_claiming(1_500_000_000))  # 6 GB of float32, in a file of 500 bytes
    inputs = tmp_path / "inputs.json"
    inputs.write_text(json.dumps({"x": [[0.5, 0.1]]}))
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB
    result = CliRunner().invoke(main, ["render", str(path), "--inputs", str(inputs), "--no-check"])
    peak_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {path}: not a readable torch file: ")
    assert result.stderr.count("\n") == 1
    assert peak_after - peak_before < 200_000  # the process's peak grew by far less than the 6 GB claimed
