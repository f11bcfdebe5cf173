"""Property tests: random valid networks of every cell type agree with torch; random bytes and
random JSON documents, wild or almost right, end in a clean InputError and nothing else.

Derandomized and without an example database, so CI sees the same examples every run.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lstm_latex.cells import CELLS
from lstm_latex.check import TOLERANCE, cross_check
from lstm_latex.errors import InputError
from lstm_latex.json_text import nesting_depth
from lstm_latex.loaders import load
from lstm_latex.network import forward
from lstm_latex.serialize import trace_to_dict

FAST = settings(
    derandomize=True, database=None, deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow]
)


@st.composite
def valid_documents(draw: st.DrawFn) -> dict[str, Any]:
    """A network of any registered cell (sizes, layers, directions, bias, projection) and inputs."""
    name = draw(st.sampled_from(sorted(CELLS)))
    cell = CELLS[name]
    gates = len(cell.gates)
    input_size, hidden_size = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    layers, directions = draw(st.integers(1, 3)), draw(st.sampled_from([1, 2]))
    bias = draw(st.booleans())
    projected = cell.torch_class == "LSTM" and hidden_size > 1 and draw(st.booleans())
    output_size = draw(st.integers(1, hidden_size - 1)) if projected else hidden_size
    seq_len = draw(st.integers(1, 5))
    scale = draw(st.sampled_from([0.1, 1.0, 4.0]))  # 4: saturated gates
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))

    def normal(*shape: int) -> list[Any]:
        return list(rng.normal(scale=scale, size=shape).tolist())

    state = {}
    for layer in range(layers):
        for suffix in [f"_l{layer}", f"_l{layer}_reverse"][:directions]:
            state["weight_ih" + suffix] = normal(
                gates * hidden_size, input_size if layer == 0 else directions * output_size
            )
            state["weight_hh" + suffix] = normal(gates * hidden_size, output_size)
            if bias:
                state["bias_ih" + suffix] = normal(gates * hidden_size)
                state["bias_hh" + suffix] = normal(gates * hidden_size)
            if projected:
                state["weight_hr" + suffix] = normal(output_size, hidden_size)
    document = {"cell": name, "state_dict": state, "x": normal(seq_len, input_size)}
    document["h0"] = normal(layers * directions, output_size)
    if cell.has_cell_state:
        document["c0"] = normal(layers * directions, hidden_size)
    return document


@pytest.mark.torch
@FAST
@given(valid_documents())
def test_random_valid_networks_agree_with_torch(document: dict[str, Any]) -> None:
    pytest.importorskip("torch")
    # Through JSON text, as a file would come: Python's repr of a float reads back exactly.
    text = json.dumps(document).encode()
    trace = forward(load(text, where="<random>"))
    report = cross_check(trace)
    assert report.max_float64 <= TOLERANCE, report.differences


def load_to_the_end(data: bytes) -> None:
    """Load, compute and serialize: an InputError anywhere is the clean refusal; a result must be
    finite JSON. Any other exception fails the test."""
    try:
        example = load(data, where="<random>")
        text = json.dumps(trace_to_dict(forward(example)), allow_nan=False)
    except InputError as error:
        message = str(error)
        assert message.startswith("<random>: "), message
        assert "\n" not in message, message
        return
    assert json.loads(text)["format"] == "lstm-latex-trace"


@FAST
@given(st.binary(max_size=300))
def test_random_bytes_end_in_an_input_error(data: bytes) -> None:
    load_to_the_end(data)


_leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # NaN and infinities too: json.dumps writes them as NaN and Infinity
    | st.text(alphabet='ab[]{}"\\:, \x00é', max_size=6)
)
json_values = st.recursive(
    _leaves,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=25,
)


@FAST
@given(json_values)
def test_random_json_ends_in_an_input_error(value: Any) -> None:
    load_to_the_end(json.dumps(value).encode())


_numbers = st.floats(-3, 3) | st.integers(-3, 3)
_arrays = st.one_of(
    st.lists(_numbers, max_size=9),
    st.sampled_from([1, 2, 3, 4, 6, 8, 12, 16]).flatmap(
        lambda rows: st.sampled_from([0, 1, 2, 3, 4]).flatmap(
            lambda columns: st.lists(
                st.lists(_numbers, min_size=columns, max_size=columns), min_size=rows, max_size=rows
            )
        )
    ),
    json_values,
)
_STATE_KEYS = [
    f"{name}{suffix}"
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")
    for suffix in ("", "_l0", "_l1", "_l2", "_l0_reverse", "_l1_reverse")
] + ["weight_xh_l0", "weight"]


@FAST
@given(
    st.fixed_dictionaries(
        {"state_dict": st.dictionaries(st.sampled_from(_STATE_KEYS), _arrays, max_size=6)},
        optional={
            "cell": st.sampled_from([*CELLS, "gru", "rnn_tanh", "lsmt", "", 3, None]),
            "x": _arrays,
            "h0": _arrays,
            "c0": _arrays,
        },
    )
)
def test_almost_right_documents_end_in_an_input_error(document: dict[str, Any]) -> None:
    load_to_the_end(json.dumps(document).encode())


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a document: keys of objects, indices of lists, at every depth."""
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    return [p for key, child in items for p in [(*path, key), *_paths(child, (*path, key))]]


@st.composite
def mutated_documents(draw: st.DrawFn) -> dict[str, Any]:
    """A valid document with one value, row, number or key replaced, at a depth drawn first
    (so that the few top-level keys are as likely to be hit as the many numbers)."""
    document = draw(valid_documents())
    paths = _paths(document)
    depth = draw(st.integers(1, max(map(len, paths))))
    path = draw(st.sampled_from([p for p in paths if len(p) == depth]))
    container = document
    for key in path[:-1]:
        container = container[key]
    if isinstance(container, dict) and draw(st.booleans()):
        container[draw(st.text(max_size=12))] = container.pop(path[-1])  # a key renamed
    else:
        container[path[-1]] = draw(json_values)
    return document


@FAST
@given(mutated_documents())
def test_valid_documents_with_one_wrong_value_end_in_an_input_error(document: dict[str, Any]) -> None:
    load_to_the_end(json.dumps(document).encode())


def _depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    return 0


@FAST
@given(json_values)
def test_the_nesting_prescan_counts_like_the_parser(value: Any) -> None:
    assert nesting_depth(json.dumps(value)) == _depth(value)
    assert nesting_depth(json.dumps(value, indent=1, ensure_ascii=False)) == _depth(value)
