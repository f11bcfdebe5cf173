"""The trace as JSON: golden vectors for anyone porting a recurrent layer elsewhere."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from .model import Gate, Trace

TRACE_FORMAT = "lstm-latex-trace"
TRACE_VERSION = 1


def trace_to_dict(trace: Trace) -> dict[str, Any]:
    """Every value of the trace as plain lists of floats (exact: JSON keeps float64's digits)."""
    network = trace.example.network
    result: dict[str, Any] = {
        "format": TRACE_FORMAT,
        "version": TRACE_VERSION,
        "cell": network.cell,
        "input_size": network.input_size,
        "hidden_size": network.hidden_size,
        "proj_size": network.proj_size,
        "num_layers": network.num_layers,
        "bidirectional": network.bidirectional,
        "bias": network.bias,
        "seq_len": int(trace.example.inputs.x.shape[0]),
        "output": trace.output.tolist(),
        "h_n": trace.h_n.tolist(),
    }
    if trace.c_n is not None:
        result["c_n"] = trace.c_n.tolist()
    result["layers"] = [
        {
            "layer": d.params.layer,
            "direction": "reverse" if d.params.reverse else "forward",
            "steps": [_record(step) for step in d.steps],
        }
        for d in trace.directions
    ]
    return result


def _record(step: object) -> dict[str, Any]:
    """A step's fields in equation order; its gates gathered under "gates" where the first one stands."""
    fields: dict[str, Any] = {}
    for field in dataclasses.fields(step):  # type: ignore[arg-type]
        value = getattr(step, field.name)
        if isinstance(value, Gate):
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
