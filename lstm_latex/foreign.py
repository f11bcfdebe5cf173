"""Another framework's file: a Keras or ONNX file recognised by its content, and read by its own
reader (keras_io.py, onnx_io.py, which put its gate blocks together with blocks.py), the extra
that reads it named when it is missing."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from . import formats
from .errors import InputError
from .model import Network

HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
ZIP_MAGIC = b"PK\x03\x04"
ONNX_SUFFIX = ".onnx"
KERAS_SUFFIXES = (".keras", ".h5", ".hdf5")


def model_format(where: str, data: bytes) -> str | None:
    """ "keras" or "onnx" when ``data`` is such a file (by its content, or an ONNX file by its name too), else None."""
    if data.startswith(HDF5_MAGIC):
        return "keras"
    if data.startswith(ZIP_MAGIC) and Path(where).suffix.lower() == ".keras":
        return "keras"
    if data.startswith(ZIP_MAGIC):
        from .keras_io import is_keras_archive

        return "keras" if is_keras_archive(data) else None
    named_onnx = Path(where).suffix.lower() == ONNX_SUFFIX
    return "onnx" if named_onnx or formats.content_kind(data) == formats.ONNX else None


def require(module: str, extra: str, what: str) -> None:
    """Refuse to read ``what`` without ``module``, naming the extra that installs it."""
    if importlib.util.find_spec(module) is None:
        raise InputError(f"reading {what} needs {module}: pip install 'lstm-latex[{extra}]'")


def read_model(
    model: str,
    data: bytes,
    where: str,
    layer: str | None,
    torch_options: tuple[str | None, str | None],
    max_numbers: int,
) -> Network:
    """The recurrent layer of a Keras or ONNX file (``model``, as model_format says) as a Network.
    ``torch_options``, --prefix and --cell, are for state_dicts, and refused here."""
    for option, value in zip(("--prefix", "--cell"), torch_options, strict=True):
        if value is not None:
            raise InputError(f"{option} is for a torch state_dict; in a {_TITLES[model]} file, --layer picks the layer")
    if model == "keras":
        require("h5py", "keras", "a Keras file")
        from . import keras_io

        return keras_io.read(data, where, layer, max_numbers)
    require("onnx", "onnx", "an ONNX file")
    from . import onnx_io

    return onnx_io.read(data, where, layer, max_numbers)


_TITLES = {"keras": "Keras", "onnx": "ONNX"}
