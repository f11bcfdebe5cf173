"""Reading torch files (torch imported only for a .pt file; a tensor given in Python is read by tensors.py).

A file is read with ``torch.load(weights_only=True)`` and nothing else, so a crafted file cannot run
code; every key and shape is then checked by state_dicts.py like a JSON state_dict. Sizes are
checked before anything is made: a zip's entries against the file's own length, and every tensor
(a view may claim far more numbers than its storage holds) against the budget of numbers.
"""

from __future__ import annotations

import io
import pickle
import re
import warnings
import zipfile
from typing import Any

from .errors import InputError
from .values import quote

_GLOBAL = re.compile(r"GLOBAL ([\w.]+)")
_UNREADABLE = "not a readable torch file: truncated, damaged, or not written by torch.save"


def read(data: bytes) -> Any:
    """What ``torch.load`` returns for a file's ``data``: tensors, dicts, lists; never anything that runs code."""
    torch = require_torch()
    if zipfile.is_zipfile(io.BytesIO(data)):
        _require_plain_zip(data)
    try:
        with warnings.catch_warnings():  # torch's notes on its deprecated kinds of tensor: a message is one line
            warnings.simplefilter("ignore")
            return torch.load(io.BytesIO(data), weights_only=True, map_location="cpu")
    except pickle.UnpicklingError as error:
        found = _GLOBAL.search(str(error))
        if found is None:  # a damaged pickle stream, not a refused one
            raise InputError(f"{_UNREADABLE} ({_first_sentence(error)})") from None
        raise InputError(
            f"refused: loading it would run code from the file ({found.group(1)}); only state_dicts"
            " are read. If it is a whole model saved with torch.save(model), save model.state_dict() instead"
        ) from None
    except Exception as error:  # torch reports a truncated or foreign file in many ways (RuntimeError, EOFError, ...)
        raise InputError(f"{_UNREADABLE} ({_first_sentence(error)})") from None


def require_torch(purpose: str = "reading a torch file") -> Any:
    """The torch module, or an InputError saying how to install it."""
    try:
        import torch
    except ImportError:
        raise InputError(f"{purpose} needs torch: pip install 'lstm-latex[torch]'") from None
    return torch


def _require_plain_zip(data: bytes) -> None:
    """torch.save stores its entries uncompressed; torch.load would inflate a compressed one to
    whatever size it claims, so the entries must fit in the file as they are."""
    try:
        entries = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise InputError(f"{_UNREADABLE} ({_first_sentence(error)})") from None
    for entry in entries:
        if entry.compress_type != zipfile.ZIP_STORED:
            raise InputError(f"{_UNREADABLE} (its entry {quote(entry.filename)} is compressed)")
    if sum(entry.file_size for entry in entries) > len(data):
        raise InputError(f"{_UNREADABLE} (its entries claim more bytes than the file holds)")


def batch_first(module: Any, prefix: str) -> bool | None:
    """The batch_first of the recurrent module at ``prefix`` in ``module`` (None for a cell, which has no steps)."""
    try:
        found = module.get_submodule(prefix) if prefix else module
    except AttributeError:  # a prefix of the state_dict that is no submodule's path (a wrapper's own)
        return None
    value = getattr(found, "batch_first", None)
    return value if isinstance(value, bool) else None


def _first_sentence(error: BaseException) -> str:
    """torch's messages run over several lines; one sentence of them is enough to say what broke."""
    text = str(error).strip().split("\n")[0].split(". ")[0].rstrip(".")
    if isinstance(error, KeyError) or len(text) < 8:  # a bare key or nothing: the type says more
        text = type(error).__name__ + (f": {text}" if text else "")
    return text if len(text) <= 120 else text[:117] + "..."
