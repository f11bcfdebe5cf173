"""ONNX files -> a Network in torch's layout: the LSTM, GRU and RNN operators, read with the onnx package.

An ONNX node keeps its weights as W (D, G·H, I), R (D, G·H, H) and B (D, 2·G·H) = [Wb | Rb], a
direction a slice and the gates stacked as rows: LSTM i|o|f|c, GRU z|r|h, RNN one block. torch
stacks the same rows as LSTM i|f|g|o and GRU r|z|n, so each gate's rows move, and nothing turns.
The weights come from the graph's initializers or Constant nodes; initial_h and initial_c, when
stored so, are the inputs' default initial states.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .blocks import Block, assemble, choose
from .errors import InputError
from .model import Array, Inputs, Network, Provenance
from .values import quote, require_budget, shape_text, to_array

if TYPE_CHECKING:
    import onnx

# torch's gate letter -> the gate's place among ONNX's row blocks (LSTM i|o|f|c, GRU z|r|h)
ONNX_GATES = {"LSTM": {"i": 0, "f": 2, "g": 3, "o": 1}, "GRU": {"r": 1, "z": 0, "n": 2}, "RNN": {"h": 0}}
DEFAULT_ACTIVATIONS = {"LSTM": ("Sigmoid", "Tanh", "Tanh"), "GRU": ("Sigmoid", "Tanh"), "RNN": ("Tanh",)}
# the operator's inputs, by position
INPUT_NAMES = ("X", "W", "R", "B", "sequence_lens", "initial_h", "initial_c", "P")
DIRECTIONS = {"forward": 1, "bidirectional": 2}
_FLOAT_TYPES = (1, 10, 11, 16)  # FLOAT, FLOAT16, DOUBLE, BFLOAT16


@dataclass(frozen=True)
class OnnxNative:
    """What onnxruntime needs to run the node alone, for the check."""

    op_type: str
    attributes: tuple[Any, ...]  # the node's AttributeProtos
    weights: Mapping[str, Array]  # W, R and B (when given), as stored
    opset: int  # the model's opset of the default domain
    layout: int  # 0: X is (T, batch, I); 1: (batch, T, I)


def read(data: bytes, where: str, layer: str | None, max_numbers: int) -> Network:
    """The recurrent node ``layer`` (or the only one) of an ONNX model's bytes, as a Network."""
    import onnx
    from google.protobuf.message import DecodeError

    try:
        model = onnx.load_model_from_string(data)
    except (DecodeError, ValueError, RuntimeError) as error:
        raise InputError(f"not a readable ONNX model ({error})") from None
    graph = model.graph
    recurrent = [node for node in graph.node if node.op_type in ONNX_GATES and node.domain in ("", "ai.onnx")]
    names = [node.name or f"{node.op_type}_{k}" for k, node in enumerate(recurrent)]
    if len(set(names)) < len(names):
        names = [f"{name} #{k}" for k, name in enumerate(names)]
    node = recurrent[names.index(choose(names, layer, "node"))]
    name = names[recurrent.index(node)]
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)
    return _network(node, name, _constants(graph), where, opset, max_numbers)


def _constants(graph: onnx.GraphProto) -> dict[str, onnx.TensorProto]:
    """The tensors stored in the graph, by name: its initializers and its Constant nodes' values."""
    found = {tensor.name: tensor for tensor in graph.initializer}
    for node in graph.node:
        if node.op_type == "Constant" and node.output:
            for attribute in node.attribute:
                if attribute.name == "value":
                    found[node.output[0]] = attribute.t
    return found


def _network(
    node: onnx.NodeProto,
    name: str,
    constants: Mapping[str, onnx.TensorProto],
    where: str,
    opset: int,
    max_numbers: int,
) -> Network:
    from onnx import helper

    op = node.op_type
    subject = f"{op} node {quote(name)}"
    attributes = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    direction = _text(attributes.get("direction", b"forward"))
    if direction not in DIRECTIONS:
        refusal = {"reverse": "torch has no layer that runs backwards alone (a bidirectional node is read)"}
        raise InputError(
            f"{subject} has direction={quote(direction)}: {refusal.get(direction, 'expected forward or bidirectional')}"
        )
    count = DIRECTIONS[direction]
    cell = _cell(subject, op, attributes, count)
    given = {INPUT_NAMES[k]: tensor for k, tensor in enumerate(node.input) if tensor}
    for role in ("W", "R"):
        if role not in given:
            raise InputError(f"{subject} has no {role} input")
    tensors = {}
    for role in ("W", "R", "B", "initial_h", "initial_c", "P"):
        if role in given:
            if given[role] not in constants:
                if role in ("initial_h", "initial_c"):
                    continue  # an input of the graph: the inputs give it, or it is zero
                raise InputError(
                    f"{subject}'s {role} is {quote(given[role])}, not a tensor stored in the file"
                    " (an initializer or a Constant node)"
                )
            tensors[role] = constants[given[role]]
    for role, tensor in tensors.items():
        _require_stored(tensor, f"{subject}'s {role} ({quote(tensor.name)})")
    require_budget({f"{role} ({quote(t.name)})": tuple(t.dims) for role, t in tensors.items()}, subject, max_numbers)
    arrays = {role: _array(tensor, f"{role} ({quote(tensor.name)})") for role, tensor in tensors.items()}
    notes = []
    if "P" in arrays:
        if arrays["P"].any():
            raise InputError(f"{subject} has peepholes (P): its gates read c_t, which torch's LSTM does not: not read")
        notes.append("Its peephole weights P are all zero: the equations have none.")
    if "sequence_lens" in given:
        notes.append("Its sequence_lens is not read: the derivation runs the whole sequence.")
    gates = ONNX_GATES[op]
    hidden_size = _hidden_size(subject, arrays, attributes, len(gates), count)
    names = {role: given[role] for role in arrays}
    directions = [_blocks(arrays, names, d, gates, hidden_size) for d in range(count)]
    provenance = Provenance(
        where,
        "ONNX",
        name,
        f"{op} node",
        (),
        tuple(notes),
        initial_states=_initial_states(subject, arrays, count, hidden_size, attributes.get("layout", 0)),
        native=OnnxNative(
            op,
            tuple(node.attribute),
            {role: arrays[role] for role in ("W", "R", "B") if role in arrays},
            opset,
            int(attributes.get("layout", 0)),
        ),
    )
    return assemble(cell, directions, provenance)


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _cell(subject: str, op: str, attributes: Mapping[str, Any], count: int) -> str:
    """The torch cell of the node; a setting torch's layers do not have is refused by name."""
    activations = tuple(_text(a) for a in attributes.get("activations", ()))
    defaults = DEFAULT_ACTIVATIONS[op]
    if op == "RNN" and activations in (("Relu",) * count, ("Tanh",) * count, ()):
        cell = "rnn_relu" if activations and activations[0] == "Relu" else "rnn_tanh"
    elif activations in (defaults * count, ()):
        cell = op.lower()
    else:
        torch_has = "Tanh or Relu" if op == "RNN" else ", ".join(defaults)
        raise InputError(
            f"{subject} has activations={list(activations)}: torch's {op} has {torch_has}"
            + (" in each direction" if count > 1 else "")
        )
    if "clip" in attributes:
        raise InputError(f"{subject} has clip={attributes['clip']}: torch does not clip the gates' inputs: not read")
    if attributes.get("input_forget", 0):
        raise InputError(f"{subject} has input_forget=1 (f_t = 1 - i_t), which torch's LSTM does not have: not read")
    if op == "GRU" and not attributes.get("linear_before_reset", 0):
        raise InputError(
            f"{subject} has linear_before_reset=0, which applies r_t before the recurrent product"
            " (R_h (r_t ⊙ h_{t-1})), where torch's GRU applies it after (r_t ⊙ (R_h h_{t-1} + Rb_h)),"
            " as linear_before_reset=1 does: not read"
        )
    return cell


def _require_stored(tensor: onnx.TensorProto, what: str) -> None:
    from onnx import TensorProto

    if tensor.data_location == TensorProto.EXTERNAL:
        location = next((entry.value for entry in tensor.external_data if entry.key == "location"), "")
        raise InputError(f"{what} keeps its data in another file ({quote(location)}), which is not read")
    if tensor.data_type not in _FLOAT_TYPES:
        raise InputError(f"{what} has data type {tensor.data_type}, expected floating-point numbers")
    if any(d < 0 for d in tensor.dims):
        raise InputError(f"{what} has a negative dimension {list(tensor.dims)}")


def _array(tensor: onnx.TensorProto, what: str) -> Array:
    from onnx import numpy_helper

    try:
        array = numpy_helper.to_array(tensor)
    except (ValueError, TypeError) as error:
        raise InputError(f"{what}: its data does not fill its shape {list(tensor.dims)} ({error})") from None
    return to_array(np.asarray(array, dtype=np.float64), what) if array.size else np.zeros(array.shape)


def _hidden_size(
    subject: str, arrays: Mapping[str, Array], attributes: Mapping[str, Any], gate_count: int, count: int
) -> int:
    w, r = arrays["W"], arrays["R"]
    hidden_size = int(attributes.get("hidden_size", r.shape[-1] if r.ndim == 3 else 0))
    rows = gate_count * hidden_size
    input_size = w.shape[2] if w.ndim == 3 else 0
    expected = {"W": (count, rows, input_size), "R": (count, rows, hidden_size), "B": (count, 2 * rows)}
    expected["P"] = (count, 3 * hidden_size)
    for role, array in arrays.items():
        if role in expected and (array.shape != expected[role] or hidden_size == 0 or input_size == 0):
            raise InputError(
                f"{subject}'s {role} has shape {shape_text(array.shape)}, expected {shape_text(expected[role])}"
                f" for {count} direction{'s' if count > 1 else ''} of hidden_size {hidden_size}"
            )
    return hidden_size


def _blocks(
    arrays: Mapping[str, Array], names: Mapping[str, str], d: int, gates: Mapping[str, int], hidden_size: int
) -> dict[str, dict[str, Block]]:
    """Direction ``d``'s gate blocks: rows of W[d], R[d], and the two halves of B[d]."""
    spans = {gate: (k * hidden_size, (k + 1) * hidden_size) for gate, k in gates.items()}
    rows = len(gates) * hidden_size
    blocks: dict[str, dict[str, Block]] = {}
    for parameter, role in (("weight_ih", "W"), ("weight_hh", "R")):
        blocks[parameter] = {
            g: Block(arrays[role][d, a:b], names[role], f"[{d}, {a}:{b}, :]") for g, (a, b) in spans.items()
        }
    if "B" in arrays:
        for parameter, offset in (("bias_ih", 0), ("bias_hh", rows)):
            blocks[parameter] = {
                g: Block(arrays["B"][d, offset + a : offset + b], names["B"], f"[{d}, {offset + a}:{offset + b}]")
                for g, (a, b) in spans.items()
            }
    return blocks


def _initial_states(
    subject: str, arrays: Mapping[str, Array], count: int, hidden_size: int, layout: Any
) -> dict[str, Array]:
    """initial_h and initial_c stored in the file, as h0 and c0 (D, H): (D, 1, H), or (1, D, H) with layout=1."""
    states = {}
    for role, key in (("initial_h", "h0"), ("initial_c", "c0")):
        if role in arrays:
            array = arrays[role]
            if array.size != count * hidden_size:
                expected = (1, count, hidden_size) if layout else (count, 1, hidden_size)
                raise InputError(
                    f"{subject}'s {role} has shape {shape_text(array.shape)}, expected {shape_text(expected)}"
                    " (a batch of one)"
                )
            states[key] = array.reshape(count, hidden_size)
    return states


def run(native: OnnxNative, inputs: Inputs) -> tuple[str, dict[str, Array]]:
    """onnxruntime's output, h_n (and c_n) of the node alone on ``inputs``, in float32; and its version."""
    import onnxruntime
    from onnx import TensorProto, helper, numpy_helper

    count, hidden_size = inputs.h0.shape
    batch_first = native.layout == 1
    x = inputs.x[np.newaxis] if batch_first else inputs.x[:, np.newaxis]  # (1, T, I) or (T, 1, I)
    feeds = {"X": x}
    feeds["initial_h"] = inputs.h0[np.newaxis] if batch_first else inputs.h0[:, np.newaxis]
    if inputs.c0 is not None:
        feeds["initial_c"] = inputs.c0[np.newaxis] if batch_first else inputs.c0[:, np.newaxis]
    feeds = {key: value.astype(np.float32) for key, value in feeds.items()}
    node_inputs = ["X", "W", "R", "B" if "B" in native.weights else "", "", "initial_h"]
    node_inputs += ["initial_c"] if inputs.c0 is not None else []
    outputs = ["Y", "Y_h"] + (["Y_c"] if inputs.c0 is not None else [])
    node = helper.make_node(native.op_type, node_inputs, outputs)
    node.attribute.extend(native.attributes)
    graph = helper.make_graph(
        [node],
        "check",
        [helper.make_tensor_value_info(key, TensorProto.FLOAT, value.shape) for key, value in feeds.items()],
        [helper.make_tensor_value_info(key, TensorProto.FLOAT, None) for key in outputs],
        [numpy_helper.from_array(value.astype(np.float32), key) for key, value in native.weights.items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", native.opset)])
    model.ir_version = 8  # what onnxruntime reads for every opset the operators have
    session = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    results = dict(zip(outputs, session.run(outputs, feeds), strict=True))
    y = results["Y"][0] if batch_first else results["Y"][:, :, 0]  # (T, D, H)
    found = {"output": y.reshape(len(inputs.x), count * hidden_size)}
    for key, name in (("Y_h", "h_n"), ("Y_c", "c_n")):
        if key in results:
            found[name] = results[key][0] if batch_first else results[key][:, 0]
    return f"onnxruntime {onnxruntime.__version__}", found
