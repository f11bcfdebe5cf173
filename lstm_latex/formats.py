"""Binary files told by their content, whatever they are called; and the NumPy and safetensors readers.

JSON is text; every other kind a user may hold starts with bytes of its own (a zip is told apart
by its entries' names). A kind is named in words (``"an HDF5 file"``), for the reader that takes
it (loaders.NETWORK_READERS) and for the message that refuses it when none does. Arrays are
counted from their headers against the budget of numbers before any of them is read.
"""

from __future__ import annotations

import io
import json
from typing import Any

import numpy as np

from .errors import InputError
from .values import quote, require_budget

TORCH = "a torch file"  # torch.save's zip, or its legacy pickle
TORCHSCRIPT = "a TorchScript archive"
SAFETENSORS = "a safetensors file"
NPY = "a NumPy .npy file"
NPZ = "a NumPy .npz archive"
HDF5 = "an HDF5 file"
KERAS = "a Keras archive"
ONNX = "an ONNX file"
ZIP = "a zip archive without torch's layout"
GZIP = "a gzip-compressed file"

_ZIP_MAGIC = b"PK\x03\x04"
_PICKLE_MAGIC = b"\x80"  # a pickle's PROTO opcode: torch.save(..., _use_new_zipfile_serialization=False)
_NPY_MAGIC = b"\x93NUMPY"
_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
_GZIP_MAGIC = b"\x1f\x8b"
# An ONNX ModelProto starts with its ir_version (field 1, a varint: 0x08 and a small number) and then
# another of its fields (producer_name, domain, graph, ...): bytes no text file starts with.
_ONNX_FIELDS = (0x12, 0x1A, 0x22, 0x28, 0x3A, 0x42)


def content_kind(data: bytes) -> str | None:
    """What ``data`` is, in words for a message, or None when it is none of the binary kinds (JSON, or unknown)."""
    if data.startswith(_ZIP_MAGIC):
        return _zip_kind(data)
    if data.startswith(_PICKLE_MAGIC):
        return TORCH
    if data.startswith(_NPY_MAGIC):
        return NPY
    if data.startswith(_HDF5_MAGIC):
        return HDF5
    if data.startswith(_GZIP_MAGIC):
        return GZIP
    if len(data) > 9 and int.from_bytes(data[:8], "little") < len(data) and data[8:9] == b"{":
        return SAFETENSORS  # an 8-byte length, then the JSON header it measures
    if len(data) > 2 and data[0] == 0x08 and 0 < data[1] < 0x20 and data[2] in _ONNX_FIELDS:
        return ONNX
    return None


def _zip_kind(data: bytes) -> str:
    import zipfile  # here: a render of JSON never needs it

    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return TORCH  # a damaged zip: torch's reader says how, as for any torch file
    if any("/code/" in name or name.endswith("constants.pkl") for name in names):
        return TORCHSCRIPT  # torch.jit.save: code beside the tensors
    if any(name == "data.pkl" or name.endswith("/data.pkl") for name in names):
        return TORCH
    if names and all(name.endswith(".npy") for name in names):
        return NPZ
    if "config.json" in names and any(name.endswith(".h5") for name in names):
        return KERAS
    return ZIP


# Why each kind no reader takes is refused, and what to do instead.
REFUSALS = {
    TORCHSCRIPT: "which is not read: it holds code, and nothing from a file is run. Save its state_dict"
    " with torch.save(torch.jit.load(FILE).state_dict(), 'weights.pt') where you trust the file, and give weights.pt",
    NPY: "which holds arrays without torch's parameter names: give it with --inputs (inputs= in Python)"
    " as the input x, and the weights as a state_dict",
    NPZ: "which holds arrays without torch's parameter names: give it with --inputs (inputs= in Python)"
    " holding x, h0, c0, target, and the weights as a state_dict",
    GZIP: "which is read once it is decompressed (gunzip)",
}
_READS = "lstm-latex reads JSON, torch's .pt/.pth and .safetensors state_dicts, Keras and ONNX models"


def refusal(kind: str) -> str:
    """The message for a file of ``kind`` that no reader takes."""
    return f"{kind}, {REFUSALS.get(kind, f'which is not read here ({_READS})')}"


# NumPy: .npy and .npz, read with allow_pickle=False once their headers' shapes fit the budget.


def read_npy(data: bytes, max_numbers: int, path: str = "x") -> np.ndarray[Any, Any]:
    """The array of a .npy file's ``data``."""
    require_budget({path: _npy_shape(io.BytesIO(data), path)}, "the file", max_numbers)
    return _np_load(data)  # type: ignore[no-any-return]


def read_npz(data: bytes, max_numbers: int) -> dict[str, np.ndarray[Any, Any]]:
    """The arrays of a .npz archive's ``data`` by name (``x``, ``h0``, ...)."""
    import zipfile
    import zlib

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        shapes = {}
        for name in archive.namelist():
            with archive.open(name) as entry:
                shapes[name.removesuffix(".npy")] = _npy_shape(entry, name.removesuffix(".npy"))
        require_budget(shapes, "the file", max_numbers)
        arrays = _np_load(data)
        return {name: arrays[name] for name in shapes}
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as error:  # a damaged entry
        raise InputError(f"not a readable NumPy file: truncated or damaged ({error})") from None


def _npy_shape(stream: Any, path: str) -> tuple[int, ...]:
    """The shape a .npy header declares, read without the array; an array of objects is refused."""
    try:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(stream)
        else:
            shape, _, dtype = np.lib.format.read_array_header_2_0(stream)
    except (ValueError, OSError, EOFError, SyntaxError) as error:
        raise InputError(f"{path}: not a readable .npy array ({error})") from None
    if dtype.kind not in "iuf":
        raise InputError(f"{path} has dtype {dtype}, expected numbers")
    return tuple(shape)


def _np_load(data: bytes) -> Any:
    try:
        return np.load(io.BytesIO(data), allow_pickle=False)
    except (ValueError, OSError, EOFError) as error:
        raise InputError(f"not a readable NumPy file: truncated or damaged ({error})") from None


# safetensors: an 8-byte header length, a JSON header of every tensor's dtype, shape and offsets, the bytes.

_NUMPY_SAFETENSORS = {"F64", "F32", "F16", "I64", "I32", "I16", "I8", "U64", "U32", "U16", "U8"}


def read_safetensors(data: bytes, max_numbers: int) -> dict[str, Any]:
    """The tensors of a .safetensors file by name (a state_dict), once the header's shapes fit the
    budget: NumPy arrays, or torch tensors for dtypes NumPy has not (bfloat16, float8)."""
    length = int.from_bytes(data[:8], "little")
    try:
        header = json.loads(data[8 : 8 + length])
    except (ValueError, UnicodeDecodeError):
        raise InputError("not a readable safetensors file: its header is not JSON") from None
    if not isinstance(header, dict):
        raise InputError("not a readable safetensors file: its header is not a JSON object")
    shapes, dtypes = {}, set()
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        shape = entry.get("shape") if isinstance(entry, dict) else None
        if not (isinstance(shape, list) and all(type(n) is int and n >= 0 for n in shape)):
            raise InputError(f"not a readable safetensors file: the header's entry {quote(name)} has no valid shape")
        shapes[f"state_dict.{name}"] = tuple(shape)
        dtypes.add(str(entry.get("dtype")))
    require_budget(shapes, "the state_dict", max_numbers)
    try:
        if dtypes <= _NUMPY_SAFETENSORS:
            from safetensors import numpy as library
        else:
            from .torch_io import require_torch

            require_torch(f"reading a safetensors file of {', '.join(sorted(dtypes - _NUMPY_SAFETENSORS))} tensors")
            from safetensors import torch as library  # type: ignore[no-redef]
    except ImportError:
        raise InputError(
            "reading a safetensors file needs safetensors: pip install 'lstm-latex[safetensors]'"
        ) from None
    try:
        return dict(library.load(data))
    except Exception as error:  # the library's own error type (SafetensorError) for a damaged file
        raise InputError(f"not a readable safetensors file: {str(error).splitlines()[0]}") from None
