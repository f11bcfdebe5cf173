"""Reading torch files: the only module besides check.py that touches torch, imported only for a .pt file.

A file is read with ``torch.load(weights_only=True)`` and nothing else, so a crafted file cannot run
code; every key and shape is then checked by state_dicts.py like a JSON state_dict.
"""

from __future__ import annotations

import pickle
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import InputError
from .model import Array

_GLOBAL = re.compile(r"GLOBAL ([\w.]+)")
_UNREADABLE = "not a readable torch file: truncated, damaged, or not written by torch.save"


def read(path: Path, where: str) -> Any:
    """What ``torch.load`` returns for ``path``: tensors, dicts, lists; never anything that runs code."""
    try:
        import torch
    except ImportError:
        raise InputError(f"{where}: reading a torch file needs torch: pip install 'lstm-latex[torch]'") from None
    if not path.is_file():
        raise InputError(f"{where}: cannot read the file (no such file)")
    try:
        return torch.load(path, weights_only=True, map_location="cpu")
    except pickle.UnpicklingError as error:
        found = _GLOBAL.search(str(error))
        if found is None:  # a damaged pickle stream, not a refused one
            raise InputError(f"{where}: {_UNREADABLE} ({_first_sentence(error)})") from None
        raise InputError(
            f"{where}: refused: loading it would run code from the file ({found.group(1)}); only state_dicts"
            " are read. If it is a whole model saved with torch.save(model), save model.state_dict() instead"
        ) from None
    except Exception as error:  # torch reports a truncated or foreign file in many ways (RuntimeError, EOFError, ...)
        raise InputError(f"{where}: {_UNREADABLE} ({_first_sentence(error)})") from None


def to_numpy(state: Mapping[str, Any], where: str) -> dict[str, Any]:
    """The real-valued tensors of ``state`` as float64 arrays; any other value left for values.py to refuse."""
    import torch

    arrays: dict[str, Any] = {}
    for key, value in state.items():
        if isinstance(value, torch.Tensor):
            if value.is_complex() or value.dtype == torch.bool or value.is_sparse:
                raise InputError(f"{where}: state_dict.{key} is a tensor of {value.dtype}, expected real numbers")
            array: Array = value.detach().to("cpu", torch.float64).numpy()
            arrays[key] = array
        else:
            arrays[key] = value
    return arrays


def _first_sentence(error: BaseException) -> str:
    """torch's messages run over several lines; one sentence of them is enough to say what broke."""
    text = str(error).strip().split("\n")[0].split(". ")[0].rstrip(".")
    if isinstance(error, KeyError) or len(text) < 8:  # a bare key or nothing: the type says more
        text = type(error).__name__ + (f": {text}" if text else "")
    return text if len(text) <= 120 else text[:117] + "..."
