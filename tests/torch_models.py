"""torch modules and files made from the seed, for the tests that read .pt files (no binary is committed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from conftest import SEED

SEED_DOCUMENT: dict[str, Any] = json.loads(SEED.read_text())


class Encoder(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = torch.nn.Linear(2, 2)
        self.lstm = torch.nn.LSTM(2, 4)


class Model(torch.nn.Module):
    """A model holding the seed's LSTM as encoder.lstm, with layers around it as a real one has."""

    def __init__(self) -> None:
        super().__init__()
        self.encoder = Encoder()
        self.head = torch.nn.Linear(4, 1)


def seed_lstm() -> torch.nn.LSTM:
    """torch.nn.LSTM(2, 4) holding the seed's weights (float32, as a trained model would)."""
    module = torch.nn.LSTM(2, 4)
    module.load_state_dict({k: torch.tensor(v) for k, v in SEED_DOCUMENT["state_dict"].items()})
    return module


def seed_model() -> Model:
    model = Model()
    model.encoder.lstm.load_state_dict(seed_lstm().state_dict())
    return model


def seed_inputs(directory: Path) -> Path:
    """The seed's x, h0 and c0 as an inputs file."""
    path = directory / "inputs.json"
    path.write_text(json.dumps({key: SEED_DOCUMENT[key] for key in ("x", "h0", "c0")}))
    return path


def save(obj: Any, path: Path) -> Path:
    torch.save(obj, path)
    return path
