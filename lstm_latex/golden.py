"""Golden vectors for a port: every intermediate of a forward pass (and of its backward pass) in one
file a test can read, as a C header, an npz archive or JSON.

Each quantity is named by the trace's path: ``0/forward/gates/i/activation`` is the input gate of
layer 0's forward direction, stacked over time, of shape (T, H), row t − 1 holding step t (also in a
reverse direction); ``output``, ``h_n``, ``c_n`` as torch returns them; the parameters under
``weights/`` in torch's layout (``weights/weight_ih_l0``); the inputs ``x``, ``h0``, ``c0``; with a
target, the gradients under ``grad/`` and the loss under ``loss``. In C, ``/`` becomes ``_`` and a
layer's number is ``l0``: ``l0_forward_gates_i_activation[T][H]``.

float64 values are the trace's (NumPy, checked against torch); float32 values are what torch computes
in float32 (lstm_latex.golden_torch; autograd through it for the gradients), not the float64 values
cast. Each quantity has a tolerance a port in the file's dtype can be held to, from the measured
difference of an independent computation (torch's float32 loop, or its float64 one for a float64
file) from the float64 trace, and its range (max |v|) with the fixed-point format that holds it.
"""

from __future__ import annotations

import dataclasses
import io
import json
import math
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from .cells import CELLS
from .errors import CheckError, InputError
from .model import Array, DirectionParams, Example, Gate, GateGrad, Trace

if TYPE_CHECKING:
    from .backprop import Gradients

GOLDEN_FORMAT = "lstm-latex-golden"
GOLDEN_VERSION = 1
DTYPES = ("float32", "float64")
FORMATS = {"c": ".h", "npz": ".npz", "json": ".json"}  # each format and the extension that names it
MAX_VALUES = 1_000_000  # numbers in a golden file: 4 MB of float32, about 16 MB of C or JSON text
# tolerance = SAFETY · the measured largest |difference| + SAFETY · eps · the largest |value|: a port
# sums and rounds in its own order, so its error is of the measured size, not of the same digits.
SAFETY = 4
_EPSILON = {"float32": float(np.finfo(np.float32).eps), "float64": float(np.finfo(np.float64).eps)}
_DIGITS = {"float32": "%.9g", "float64": "%.17g"}  # enough to read back the same number
# Quantities without a time axis; every other one has T rows (the steps, x, output, their gradients).
_TIMELESS = re.compile(r"(grad/)?(weights/.*|h0|c0|h_n|c_n|loss)")
_GIVEN = re.compile(r"weights/.*|x|h0|c0|target|grad_output")  # the parameters and the inputs

AnyArray = npt.NDArray[Any]


@dataclass(frozen=True)
class Quantity:
    """One named array of the golden file, in the file's dtype."""

    path: str  # the trace's path: "0/forward/gates/i/activation", "weights/weight_ih_l0", "grad/x"
    value: AnyArray
    tolerance: float  # what a port in this dtype may differ by, entry by entry (0: exact)
    max_abs: float  # its range over the inputs

    @property
    def int_bits(self) -> int:
        """The fewest integer bits m of a signed 16-bit format Q{m}.{15 − m} that holds it: max |v|,
        rounded to the format's step 2^(m − 15), is at most its largest number, 32767 steps."""
        bits = 0
        while self.max_abs * 2.0 ** (15 - bits) >= 32767.5:
            bits += 1
        return bits

    @property
    def q_format(self) -> str | None:
        """The signed 16-bit fixed-point format whose integer part holds it (Q0.15 is Q15); None if none does."""
        return f"Q{self.int_bits}.{15 - self.int_bits}" if self.int_bits <= 15 else None

    @property
    def c_name(self) -> str:
        """Its name in C: ``/`` as ``_``, a layer's number as ``l0``."""
        return "_".join(f"l{part}" if part.isdigit() else part for part in self.path.split("/"))


@dataclass(frozen=True)
class GoldenVectors:
    example: Example  # what was run: the steps and layers kept
    dtype: str  # "float32" or "float64"
    quantities: tuple[Quantity, ...]
    batch_size: int | None = None  # a batch's: each quantity but the weights has a first axis of B sequences

    def summary(self) -> dict[str, Any]:
        """The file's description: the network, the dtype, and each quantity's tolerance and range."""
        from .serialize import network_record

        result: dict[str, Any] = {
            "format": GOLDEN_FORMAT,
            "version": GOLDEN_VERSION,
            "dtype": self.dtype,
            "source_dtype": self.example.network.dtype or "float64",
            **network_record(self.example),
            **({} if self.batch_size is None else {"batch_size": self.batch_size}),
            "tolerance_rule": f"{SAFETY} x the largest |{self.dtype} - float64| measured"
            f" + {SAFETY} x {self.dtype} eps x the largest |value|, rounded up to 2 digits; 0 for what is given",
        }
        result["tolerances"] = {q.path: q.tolerance for q in self.quantities}
        result["ranges"] = {
            q.path: {"max_abs": q.max_abs, "int_bits": q.int_bits, "int16": q.q_format} for q in self.quantities
        }
        return result


def golden_vectors(
    example: Example,
    *,
    dtype: str = "float32",
    steps: int | None = None,
    layers: int | None = None,
    max_values: int = MAX_VALUES,
) -> GoldenVectors:
    """The golden vectors of ``example``'s first ``steps`` steps (all by default) through its first
    ``layers`` layers, in ``dtype``. Needs torch (the float32 values, and the tolerances); a file of
    more than ``max_values`` numbers is refused before anything is computed (InputError)."""
    if dtype not in DTYPES:
        raise InputError(f"dtype {dtype!r} is neither float32 nor float64")
    example = kept(example, steps, layers)
    _refuse_beyond(count_values(example), max_values)
    from .check import torch_available

    if not torch_available():
        raise CheckError("golden vectors need torch: pip install 'lstm-latex[torch]'")
    from .golden_torch import torch_values
    from .pipeline import derive

    derivation = derive(example, check=True, max_steps=0)  # the float64 trace, agreeing with torch
    exact = float64_values(derivation.trace, derivation.gradients)
    measured = torch_values(example, dtype)  # torch's own loop: float32's values, or float64's other order
    quantities = []
    for path, reference in exact.items():
        with np.errstate(over="ignore", invalid="ignore"):  # float32's overflow: refused below, without warnings
            if _GIVEN.fullmatch(path):  # read by a port, not computed: exact as written
                value, tolerance = reference.astype(dtype), 0.0
            else:
                value = measured[path] if dtype == "float32" else reference
                tolerance = _tolerance(measured[path], reference, dtype)
        if not np.isfinite(value).all():  # inf is no number in C or JSON
            raise InputError(f"{path} overflows {dtype}: the numbers are too large for it (--dtype float64 holds them)")
        quantities.append(Quantity(path, value, tolerance, float(np.abs(value).max(initial=0.0))))
    return GoldenVectors(example, dtype, tuple(quantities))


def golden_batch(
    examples: Sequence[Example],
    *,
    dtype: str = "float32",
    steps: int | None = None,
    layers: int | None = None,
    max_values: int = MAX_VALUES,
) -> GoldenVectors:
    """The golden vectors of every sequence of a batch (``load_every_sequence``'s examples) in one
    file: each sequence's quantities (its loss and gradients too, as if it were alone) stacked along
    a first axis of size B, x of shape (B, T, I) as with batch_first; the weights once."""
    examples = [kept(example, steps, layers) for example in examples]
    shared = sum(array.size for array in examples[0].network.state_dict().values())  # the weights, once
    _refuse_beyond(len(examples) * (count_values(examples[0]) - shared) + shared, max_values)  # shapes alike
    each = [golden_vectors(example, dtype=dtype, max_values=max_values) for example in examples]
    quantities = []
    for parts in zip(*(golden.quantities for golden in each), strict=True):
        first = parts[0]
        value = first.value if first.path.startswith("weights/") else np.stack([q.value for q in parts])
        tolerance, max_abs = max(q.tolerance for q in parts), max(q.max_abs for q in parts)
        quantities.append(Quantity(first.path, value, tolerance, max_abs))
    return GoldenVectors(examples[0], dtype, tuple(quantities), batch_size=len(examples))


def _refuse_beyond(planned: int, max_values: int) -> None:
    if planned > max_values:
        raise InputError(
            f"the golden file would hold {planned:,} numbers, more than the limit of {max_values:,}:"
            " keep fewer with --first-steps or --first-layers, or raise --max-values"
            " (steps=, layers=, max_values= in Python)"
        )


def kept(example: Example, steps: int | None, layers: int | None) -> Example:
    """``example`` on its first ``steps`` steps and through its first ``layers`` layers: a network
    and inputs of their own, which torch runs as they are."""
    network, inputs = example.network, example.inputs
    seq_len = int(inputs.x.shape[0])
    if steps is not None:
        if not 1 <= steps <= seq_len:
            raise InputError(f"the first {steps} steps asked for, but x has {seq_len} step(s)")
        loss = inputs.loss
        if loss is not None:
            loss = dataclasses.replace(
                loss,
                target=None if loss.target is None else loss.target[:steps],
                grad_output=None if loss.grad_output is None else loss.grad_output[:steps],
            )
        inputs = dataclasses.replace(inputs, x=inputs.x[:steps], loss=loss)
    if layers is not None:
        if not 1 <= layers <= network.num_layers:
            raise InputError(f"the first {layers} layers asked for, but the network has {network.num_layers} layer(s)")
        count = layers * network.num_directions
        network = dataclasses.replace(network, num_layers=layers, directions=network.directions[:count])
        inputs = dataclasses.replace(inputs, h0=inputs.h0[:count], c0=None if inputs.c0 is None else inputs.c0[:count])
    return dataclasses.replace(example, network=network, inputs=inputs)


def count_values(example: Example) -> int:
    """How many numbers the golden file of ``example`` holds (gradients included), from its first
    step alone: the cost of one step, not of the whole sequence."""
    from .backprop import backward
    from .network import forward

    first = kept(example, 1, None)
    trace = forward(first)
    gradients = None if first.inputs.loss is None else backward(trace)
    seq_len = int(example.inputs.x.shape[0])
    return sum(
        array.size * (1 if _TIMELESS.fullmatch(path) else seq_len)
        for path, array in float64_values(trace, gradients).items()
    )


def float64_values(trace: Trace[Any], gradients: Gradients | None = None) -> dict[str, Array]:
    """Every array of the golden file, by path, from the float64 trace (and its backward pass's
    ``gradients``): the weights, the inputs, each direction's steps stacked over time, the results."""
    example = trace.example
    inputs = example.inputs
    values = {f"weights/{name}": array for name, array in example.network.state_dict().items()}
    values |= {"x": inputs.x, "h0": inputs.h0} | ({} if inputs.c0 is None else {"c0": inputs.c0})
    if inputs.loss is not None:
        given = {"target": inputs.loss.target, "grad_output": inputs.loss.grad_output}
        values |= {name: array for name, array in given.items() if array is not None}
    for direction in trace.directions:
        values |= _stacked(direction.params, direction.steps)
    values |= {"output": trace.output, "h_n": trace.h_n} | ({} if trace.c_n is None else {"c_n": trace.c_n})
    if gradients is not None:
        values["loss"] = np.array(gradients.value)
        values["grad/output"] = gradients.d_output
        values |= {f"grad/weights/{name}": array for name, array in gradients.state_dict().items()}
        values |= {"grad/x": gradients.x, "grad/h0": gradients.h0}
        if gradients.c0 is not None:
            values["grad/c0"] = gradients.c0
        for backward in gradients.directions:
            values |= {f"grad/{path}": array for path, array in _stacked(backward.params, backward.steps).items()}
    return values


def _stacked(params: DirectionParams, records: tuple[Any, ...]) -> dict[str, Array]:
    """A direction's step records as one array a field, stacked in time order, under its path."""
    prefix = f"{params.layer}/{'reverse' if params.reverse else 'forward'}/"
    fields = [_fields(record) for record in sorted(records, key=lambda record: record.t)]
    return {prefix + name: np.stack([found[name] for found in fields]) for name in fields[0]}


def _fields(record: Any) -> dict[str, Array]:
    """A step's (or its gradients') arrays by name, in equation order; a gate's parts as gates/k/part."""
    found: dict[str, Array] = {}
    for field in dataclasses.fields(record):
        value = getattr(record, field.name)
        if isinstance(value, Gate | GateGrad):
            for part in dataclasses.fields(value)[1:]:  # after its name
                found[f"gates/{value.name}/{part.name}"] = getattr(value, part.name)
        elif isinstance(value, np.ndarray):
            found[field.name] = value
    return found


def _tolerance(independent: AnyArray, reference: Array, dtype: str) -> float:
    """SAFETY · (the largest |independent − reference| + eps · the largest |reference|), rounded up to
    two significant digits."""
    gap = float(np.abs(independent.astype(np.float64) - reference).max(initial=0.0))
    tolerance = SAFETY * (gap + _EPSILON[dtype] * float(np.abs(reference).max(initial=0.0)))
    if tolerance == 0 or not math.isfinite(tolerance):  # inf: the value overflowed, and is refused
        return tolerance
    unit = 10.0 ** (math.floor(math.log10(tolerance)) - 1)
    return float(f"{math.ceil(tolerance / unit) * unit:.1e}")


# The three formats.


def golden_json(golden: GoldenVectors) -> Iterator[str]:
    """The summary's keys a line, then every quantity's values under "values", a matrix a row a line,
    each number with the digits that read back as the same ``dtype`` number."""
    digits = _DIGITS[golden.dtype]
    yield "{\n"
    for key, value in golden.summary().items():
        if isinstance(value, dict):  # a quantity a line
            value = "{\n" + ",\n".join(f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in value.items()) + "\n }"
        else:
            value = json.dumps(value)
        yield f" {json.dumps(key)}: {value},\n"
    yield ' "values": {'
    for k, q in enumerate(golden.quantities):
        rows = _rows(q.value, digits, "[", "]")
        yield ("," if k else "") + f"\n  {json.dumps(q.path)}: {rows}"
    yield "\n }\n}\n"


def golden_npz(golden: GoldenVectors) -> bytes:
    """An npz archive: each quantity under its path, in the file's dtype, and the summary as JSON text
    under ``summary``; written with a fixed date, so the same vectors give the same bytes."""
    buffer = io.BytesIO()
    arrays = {q.path: q.value for q in golden.quantities} | {"summary": np.array(json.dumps(golden.summary()))}
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for path, array in arrays.items():
            with archive.open(zipfile.ZipInfo(path + ".npy", date_time=(1980, 1, 1, 0, 0, 0)), "w") as stream:
                np.lib.format.write_array(stream, np.asarray(array), allow_pickle=False)
    return buffer.getvalue()


def golden_c(golden: GoldenVectors, name: str = "golden.h") -> Iterator[str]:
    """A C99 header (C++ reads it too): the sizes as #defines, every quantity as a static const float
    (or double) array with its tolerance, its range and its int16 Q format as #defines."""
    network = golden.example.network
    ctype = "float" if golden.dtype == "float32" else "double"
    guard = re.sub(r"[^A-Za-z0-9]", "_", name).upper().lstrip("_0123456789") or "GOLDEN_H"
    summary = golden.summary()
    yield (
        f"/* Golden vectors of {_constructor(golden.example)} in {golden.dtype}, written by lstm-latex golden\n"
        f"   from {summary['source_dtype']} weights.\n"
        "   Each array is named by the trace's path, / as _ and layer 0 as l0; the steps of a direction are\n"
        "   stacked over time, row t - 1 holding step t (in a reverse direction too).\n"
        f"   NAME_TOLERANCE: what a port in {golden.dtype} may differ by, entry by entry:\n"
        f"   {summary['tolerance_rule']}.\n"
        "   NAME_MAX_ABS: the largest |value|; NAME_INT_BITS: the fewest m such that max |v|, rounded\n"
        "   to a multiple of 2^(m - 15), fits int16's Q{m}.{15 - m}: at most 32767 * 2^(m - 15). */\n"
    )
    yield f"#ifndef {guard}\n#define {guard}\n\n"
    sizes = {
        "SEQ_LEN": summary["seq_len"],
        "INPUT_SIZE": network.input_size,
        "HIDDEN_SIZE": network.hidden_size,
        "OUTPUT_SIZE": network.output_size,
        "NUM_LAYERS": network.num_layers,
        "NUM_DIRECTIONS": network.num_directions,
        "NUM_GATES": len(CELLS[network.cell].gates),
        "BIAS": int(network.bias),
    }
    if golden.batch_size is not None:
        sizes["BATCH_SIZE"] = golden.batch_size
    yield "".join(f"#define GOLDEN_{key} {value}\n" for key, value in sizes.items())
    suffix = "f" if ctype == "float" else ""
    for q in golden.quantities:
        macro = q.c_name.upper()
        q_format = f"Q{q.int_bits}.{15 - q.int_bits} in int16" if q.q_format else "beyond int16"
        yield f"\n/* {q.path} {list(q.value.shape)}: max |v| {q.max_abs:.3g} ({q_format}) */\n"
        yield f"#define {macro}_TOLERANCE {q.tolerance!r}\n"
        yield f"#define {macro}_MAX_ABS {q.max_abs!r}\n#define {macro}_INT_BITS {q.int_bits}\n"
        dims = "".join(f"[{n}]" for n in q.value.shape)
        yield f"static const {ctype} {q.c_name}{dims} = {_rows(q.value, _DIGITS[golden.dtype], '{', '}', suffix)};\n"
    yield f"\n#endif /* {guard} */\n"


def _constructor(example: Example) -> str:
    """The torch module that computes the network: ``torch.nn.LSTM(8, 16, num_layers=2)``."""
    network = example.network
    cell = CELLS[network.cell]
    options = [str(network.input_size), str(network.hidden_size)]
    options += [f"{key}={value!r}" for key, value in cell.torch_options.items()]
    if network.num_layers > 1:
        options.append(f"num_layers={network.num_layers}")
    if not network.bias:
        options.append("bias=False")
    if network.bidirectional:
        options.append("bidirectional=True")
    if network.proj_size:
        options.append(f"proj_size={network.proj_size}")
    return f"torch.nn.{cell.torch_class}({', '.join(options)})"


def _rows(array: AnyArray, digits: str, opening: str, closing: str, suffix: str = "", indent: str = "") -> str:
    """``array`` as nested brackets, a matrix a row a line; each number with ``digits`` (and a C
    literal's ``suffix``, after a decimal point)."""

    def number(value: float) -> str:
        text = digits % value
        if suffix and not any(mark in text for mark in ".e"):
            text += ".0"
        return text + suffix

    if array.ndim == 0:
        return number(float(array))
    if array.ndim == 1:
        return opening + ", ".join(number(value) for value in array.tolist()) + closing
    inner = indent + "  "
    rows = (_rows(row, digits, opening, closing, suffix, inner) for row in array)
    return opening + "\n" + inner + (",\n" + inner).join(rows) + "\n" + indent + closing


def encode(golden: GoldenVectors, golden_format: str, name: str = "golden.h") -> bytes | Iterator[str]:
    """The file in ``golden_format`` (one of FORMATS): text in pieces, or the npz's bytes."""
    if golden_format == "npz":
        return golden_npz(golden)
    return golden_c(golden, name) if golden_format == "c" else golden_json(golden)
