"""The trace as JSON: golden vectors for anyone porting a recurrent layer elsewhere; and a network
written back in the JSON format it is read from."""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from .backprop import Gradients
from .cells import Grad, Step
from .check import RELATIVE_TOLERANCE, TOLERANCE, CheckReport
from .latex import round_array
from .model import Array, DirectionParams, DirectionTrace, Example, Gate, GateGrad, Inputs, Network, Trace

if TYPE_CHECKING:
    from .hand import HandPass

TRACE_FORMAT = "lstm-latex-trace"
TRACE_VERSION = 1


def trace_to_dict(
    trace: Trace[Step],
    check: CheckReport | None = None,
    gradients: Gradients | None = None,
    hand: HandPass | None = None,
) -> dict[str, Any]:
    """Every value of the trace as plain lists of floats (exact: JSON keeps float64's digits), the
    backward pass's beside them when given, and the torch cross-check's result under "check" (null
    when not checked). With ``hand``, whose trace and gradients these are, its decimals, rule and
    largest difference from float64 under "hand"."""
    result = _summary(trace, gradients, hand)
    result["layers"] = [
        {**_direction(d.params), "steps": [_step_record(s, backward) for s, backward in _paired(d, gradients, k)]}
        for k, d in enumerate(trace.directions)
    ]
    result["check"] = None if check is None else _check_record(check)
    return result


def trace_to_json(
    trace: Trace[Step],
    check: CheckReport | None = None,
    gradients: Gradients | None = None,
    hand: HandPass | None = None,
) -> Iterator[str]:
    """``trace_to_dict`` as JSON text, in pieces, one step at a time: an object has a key a line,
    an array is one line (a matrix, a row a line), so a port can compare vectors line by line."""
    yield "{\n"
    for key, value in _summary(trace, gradients, hand).items():
        yield f" {json.dumps(key)}: {_encode(value, 1)},\n"
    yield ' "layers": ['
    for k, d in enumerate(trace.directions):
        yield ("," if k else "") + "\n  {\n"
        for key, value in _direction(d.params).items():
            yield f"   {json.dumps(key)}: {_encode(value, 3)},\n"
        yield '   "steps": ['
        for j, (step, backward) in enumerate(_paired(d, gradients, k)):
            yield ("," if j else "") + "\n    " + _encode(_step_record(step, backward), 4)
        yield "\n   ]\n  }"
    yield f'\n ],\n "check": {_encode(None if check is None else _check_record(check), 1)}\n}}\n'


def _paired(
    direction: DirectionTrace[Step], gradients: Gradients | None, index: int
) -> Iterator[tuple[Step, Grad | None]]:
    """A direction's steps in the order they ran, each with its gradients when there are any."""
    if gradients is None:
        yield from ((step, None) for step in direction.steps)
        return
    by_time = {grad.t: grad for grad in gradients.directions[index].steps}
    yield from ((step, by_time[step.t]) for step in direction.steps)


def _step_record(step: Step, backward: Grad | None) -> dict[str, Any]:
    record = _record(step)
    if backward is not None:
        record["backward"] = _record(backward)
    return record


def _summary(trace: Trace[Step], gradients: Gradients | None = None, hand: HandPass | None = None) -> dict[str, Any]:
    network = trace.example.network
    result: dict[str, Any] = {"format": TRACE_FORMAT, "version": TRACE_VERSION, **network_record(trace.example)}
    if network.dtype is not None:  # the source's, when not float64: its values are read exactly into float64
        result["dtype"] = network.dtype
    batch = trace.example.inputs.batch
    if batch is not None:  # x was one sequence of a batch
        result["batch"] = {"index": batch.index, "size": batch.size, "batch_first": batch.batch_first}
    provenance = network.provenance
    if provenance is not None:  # read from a Keras or ONNX file: where each gate block came from
        result["source"] = {
            "file": provenance.file,
            "framework": provenance.framework,
            "layer": provenance.layer,
            "kind": provenance.kind,
            "notes": list(provenance.notes),
            "origins": [dataclasses.asdict(origin) | {"rows": list(origin.rows)} for origin in provenance.origins],
        }
    if hand is not None:
        from .hand import RULE

        result["hand"] = {"decimals": hand.decimals, "rule": RULE, "largest_difference": hand.largest_difference}
    result |= {
        "output": trace.output.tolist(),
        "h_n": trace.h_n.tolist(),
    }
    if trace.c_n is not None:
        result["c_n"] = trace.c_n.tolist()
    if gradients is not None:
        result["loss"] = {"kind": gradients.loss.kind, "value": gradients.value}
        own_names = trace.example.network.own_names
        grad = {"output": gradients.d_output, "state_dict": own_names(gradients.state_dict()), "x": gradients.x}
        grad |= {"h0": gradients.h0} | ({} if gradients.c0 is None else {"c0": gradients.c0})
        result["grad"] = _lists(grad)
        updated = gradients.updated_state_dict()
        if updated is not None:
            result["lr"] = gradients.loss.lr
            result["updated_state_dict"] = _lists(own_names(updated))
    return result


def network_record(example: Example) -> dict[str, Any]:
    """The network as torch's constructor names it, and the length of the sequence it runs on."""
    network = example.network
    return {
        "cell": network.cell,
        "input_size": network.input_size,
        "hidden_size": network.hidden_size,
        "proj_size": network.proj_size,
        "num_layers": network.num_layers,
        "bidirectional": network.bidirectional,
        "bias": network.bias,
        "seq_len": int(example.inputs.x.shape[0]),
    }


def _lists(arrays: dict[str, Any]) -> dict[str, Any]:
    """Arrays, also in nested dicts, as lists."""
    return {key: _lists(value) if isinstance(value, dict) else value.tolist() for key, value in arrays.items()}


def _direction(params: DirectionParams) -> dict[str, Any]:
    return {"layer": params.layer, "direction": "reverse" if params.reverse else "forward"}


def _encode(value: Any, depth: int) -> str:
    """JSON for ``value`` at nesting ``depth``: an object a key a line, a matrix a row a line, and
    any other array on one line (the C encoder's speed: most of a trace is arrays)."""
    pad = " " * (depth + 1)
    if isinstance(value, dict) and value:
        items = ",\n".join(f"{pad}{json.dumps(key)}: {_encode(item, depth + 1)}" for key, item in value.items())
        return "{\n" + items + "\n" + " " * depth + "}"
    if isinstance(value, list) and value and isinstance(value[0], (list, dict)):
        rows = (json.dumps(row) if isinstance(row, list) else _encode(row, depth + 1) for row in value)
        return "[\n" + ",\n".join(pad + row for row in rows) + "\n" + " " * depth + "]"
    return json.dumps(value)


def encode_json(value: Any) -> str:
    """``value`` as JSON laid out as a trace is: an object a key a line, a matrix a row a line."""
    return _encode(value, 0)


def encode_json_item(key: str, item: dict[str, Any], *, first: bool, last: bool) -> str:
    """The part of ``encode_json({key: [..., item, ...]}) + "\\n"`` that is ``item``, with the
    object's start before the first item and its end after the last: a long list written an item
    at a time."""
    start = "{\n " + json.dumps(key) + ": [\n" if first else ",\n"
    return start + "  " + _encode(item, 2) + ("\n ]\n}\n" if last else "")


def _check_record(check: CheckReport) -> dict[str, Any]:
    """What the check established, the same under any torch version: the figures it measured, which
    change in their last digits from one version of torch to the next, are ``check_to_dict``'s."""
    return {
        "against": "torch",
        "tolerance": TOLERANCE,
        "relative_tolerance": RELATIVE_TOLERANCE,
        "agrees": check.agrees,
        "float32_overflows": check.float32_overflows,
        "quantities": [d.quantity for d in check.differences],
    } | _framework_record(check, measured=False)


def check_to_dict(check: CheckReport) -> dict[str, Any]:
    """The check's measurement (``lstm-latex check --json``): torch's version, and the largest
    difference of every quantity from torch in float64 and float32."""
    return {
        "torch_version": check.torch_version,
        "tolerance": TOLERANCE,
        "relative_tolerance": RELATIVE_TOLERANCE,
        "agrees": check.agrees,
        "max_abs_diff_float64": check.max_float64,
        # null where torch's float32 run overflowed: JSON has no Infinity or NaN
        "max_abs_diff_float32": _finite(check.max_float32),
        "float32_overflows": check.float32_overflows,
        "quantities": [
            {"quantity": d.quantity, "float64": d.float64, "float32": _finite(d.float32)} for d in check.differences
        ],
    } | _framework_record(check, measured=True)


def _framework_record(check: CheckReport, *, measured: bool) -> dict[str, Any]:
    """The file's own framework's check, for a network read from a Keras or ONNX file."""
    found = check.framework
    if found is None:
        return {}
    if not measured:
        return {"framework": {"agrees": found.agrees, "ran": found.skipped is None}}
    differences = [{"quantity": quantity, "float32": gap} for quantity, gap in found.differences]
    return {
        "framework": {
            "name": found.framework,
            "agrees": found.agrees,
            "skipped": found.skipped,
            "quantities": differences,
        }
    }


def network_to_json(network: Network, inputs: Inputs | None = None, decimals: int | None = None) -> str:
    """``network`` (and ``inputs``) in the JSON format lstm-latex reads, one array a line.

    Without ``decimals`` every float64 is written with all its digits, so reading the text back
    gives the same numbers; with it, each value is rounded to that many decimals as a page rounds
    it (latex.round_decimal: half away from zero, 2.5 to 3).
    """

    def text(array: Array) -> str:
        if decimals is not None:
            array = round_array(array, decimals)
        return json.dumps(array.tolist())

    own = network.own_names(network.state_dict())
    state = ",\n".join(f"    {json.dumps(key)}: {text(array)}" for key, array in own.items())
    parts = [f'  "cell": {json.dumps(network.cell)}', '  "state_dict": {\n' + state + "\n  }"]
    if inputs is not None:
        given = {"x": inputs.x, "h0": inputs.h0, "c0": inputs.c0}
        loss = inputs.loss
        if loss is not None:
            given |= {"target": loss.target, "grad_output": loss.grad_output}
        parts += [f'  "{key}": {text(array)}' for key, array in given.items() if array is not None]
        if loss is not None and loss.target is not None:
            parts.append(f'  "loss": {json.dumps(loss.kind)}')
        if loss is not None and loss.lr is not None:
            parts.append(f'  "lr": {json.dumps(loss.lr)}')  # a setting, never rounded
    return "{\n" + ",\n".join(parts) + "\n}\n"


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _record(step: Step | Grad) -> dict[str, Any]:
    """A step's fields (or its gradients') in equation order, its gates one entry each under "gates"."""
    fields: dict[str, Any] = {}
    for field in dataclasses.fields(step):
        value = getattr(step, field.name)
        if isinstance(value, Gate | GateGrad):
            fields.setdefault("gates", {})[value.name] = {
                "input_affine": value.input_affine.tolist(),
                "hidden_affine": value.hidden_affine.tolist(),
                "preactivation": value.preactivation.tolist(),
                "activation": value.activation.tolist(),
            }
        elif isinstance(value, np.ndarray):
            fields[field.name] = value.tolist()
        elif value is not None:
            fields[field.name] = value
    return fields
