"""What a document shows of a derivation: some steps, layers, directions, gates and parts.

The computation and the torch check always cover the whole network and sequence; a selection
changes only what is rendered, and the document says what it left out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from numbers import Integral
from typing import TypeVar

from .cells import CELLS
from .errors import RenderError
from .model import DirectionParams, Example
from .values import kind

# The parts of a document, in its order: the blocks of partials/base.j2, the network's block cut
# into its table (network) and its equations in symbols (equations).
PARTS = ("network", "equations", "parameters", "steps", "results", "backward")
DIRECTIONS = ("forward", "reverse")

_INDEX = re.compile(r"([0-9]+)(?:-([0-9]+))?")
_LARGEST = 10**12  # an index beyond any sequence or network: kept from growing without bound

Item = TypeVar("Item")


@dataclass(frozen=True)
class Indices:
    """Whole numbers written as a list of numbers and inclusive ranges, ``"1,3-4"``; kept as the
    ranges written, so that ``1-1000000`` costs no more than ``1``."""

    spans: tuple[tuple[int, int], ...]  # (first, last), each first <= last, in the order written

    @classmethod
    def of(cls, *values: int) -> Indices:
        """The numbers ``values``."""
        return cls(tuple((value, value) for value in values))

    @classmethod
    def parse(cls, text: str) -> Indices:
        """``"1,3-4"``: numbers and ranges, separated by commas. Raises RenderError for anything else."""
        spans = []
        for item in text.split(","):
            match = _INDEX.fullmatch(item.strip())
            if match is None:
                raise RenderError(f"{item.strip()!r} is neither a number nor a range such as 3-4")
            first, last = _number(match[1]), _number(match[2] or match[1])
            if last < first:
                raise RenderError(f"the range {first}-{last} runs backwards: write {last}-{first}")
            if last > _LARGEST:
                raise RenderError(f"{last} is larger than any sequence or network")
            spans.append((first, last))
        return cls(tuple(spans))

    def __contains__(self, value: object) -> bool:
        return any(first <= value <= last for first, last in self.spans) if isinstance(value, int) else False

    def merged(self) -> list[tuple[int, int]]:
        """The same numbers as the fewest ranges, in increasing order."""
        merged: list[tuple[int, int]] = []
        for first, last in sorted(self.spans):
            if merged and first <= merged[-1][1] + 1:
                merged[-1] = (merged[-1][0], max(last, merged[-1][1]))
            else:
                merged.append((first, last))
        return merged

    def __len__(self) -> int:
        return sum(last - first + 1 for first, last in self.merged())

    def outside(self, valid: range) -> tuple[int, int] | None:
        """The first number or range, as written, that holds a number ``valid`` does not, or None."""
        for first, last in self.spans:
            if first not in valid or last not in valid:
                return first, last
        return None

    def __str__(self) -> str:
        """``1, 3\u20134``, as a document writes them: with an en dash."""
        return ", ".join(str(first) if first == last else f"{first}\u2013{last}" for first, last in self.merged())


@dataclass(frozen=True)
class Selection:
    """What a document shows; each None means all of it. Steps are the t of x_t (1-based); layers
    are 0-based, as torch's ``_l0``; directions ``forward`` and ``reverse``; gates the cell's
    letters (``i, f, g, o``; ``r, z, n``; an RNN's ``h``); parts those of PARTS. ``first_steps``
    keeps only the first so many of the steps selected that each direction ran (forward and
    backward pass). The results and the gradients' sums over the steps always hold every step."""

    steps: Indices | None = None
    layers: Indices | None = None
    directions: tuple[str, ...] | None = None
    gates: tuple[str, ...] | None = None
    parts: tuple[str, ...] | None = None
    first_steps: int | None = None

    def __post_init__(self) -> None:
        """Refuse, naming the argument, a value of the wrong type: each is None or of its field's type."""
        for name in ("steps", "layers"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, Indices):
                raise RenderError(
                    f'Selection({name}=...) is {kind(value)}, expected Indices: Indices.parse("1,3-4"),'
                    f' or Selection.parse({name}="1,3-4")'
                )
        for name in ("directions", "gates", "parts"):
            value = getattr(self, name)
            if value is None or (isinstance(value, tuple) and all(isinstance(v, str) for v in value)):
                continue
            wrong = (
                kind(value)
                if not isinstance(value, tuple)
                else "a tuple holding " + ", ".join(kind(v) for v in value if not isinstance(v, str))
            )
            raise RenderError(f'Selection({name}=...) is {wrong}, expected a tuple of names, as ("f", "o")')
        first = self.first_steps
        if first is not None and (isinstance(first, bool) or not isinstance(first, Integral)):
            raise RenderError(f"Selection(first_steps=...) is {kind(first)}, expected a whole number of steps")

    @classmethod
    def parse(
        cls,
        steps: str | None = None,
        layers: str | None = None,
        directions: str | None = None,
        gates: str | None = None,
        parts: str | None = None,
    ) -> Selection:
        """A selection written as the command line's options are: ``parse(steps="1,3-4", gates="f,o")``."""

        def names(text: str | None) -> tuple[str, ...] | None:
            return None if text is None else tuple(name.strip() for name in text.split(","))

        return cls(
            steps=None if steps is None else Indices.parse(steps),
            layers=None if layers is None else Indices.parse(layers),
            directions=names(directions),
            gates=names(gates),
            parts=names(parts),
        )

    def check(self, example: Example) -> None:
        """Raise RenderError, naming the option, the value and what there is, for a step, layer,
        direction, gate or part that ``example`` does not have."""
        network, seq_len = example.network, example.inputs.x.shape[0]
        cell = CELLS[network.cell]
        if self.steps is not None:
            span = self.steps.outside(range(1, seq_len + 1))
            if span is not None:
                sequence = f"T = {seq_len} step{_s(seq_len)}, t = {_span(1, seq_len)}"
                raise RenderError(
                    f"--steps {span[0]}: there is no step t = {span[0]}; the sequence has {sequence}"
                    if span[0] == span[1]
                    else f"--steps {span[0]}-{span[1]}: the range is not within the sequence, which has {sequence}"
                )
        if self.layers is not None:
            span = self.layers.outside(range(network.num_layers))
            if span is not None:
                layers = (
                    f"{network.num_layers} layer{_s(network.num_layers)}, numbered {_span(0, network.num_layers - 1)}"
                )
                raise RenderError(
                    f"--layers {span[0]}: there is no layer {span[0]}; the network has {layers}"
                    if span[0] == span[1]
                    else f"--layers {span[0]}-{span[1]}: the range is not within the network, which has {layers}"
                )
        for direction in self.directions or ():
            if direction not in DIRECTIONS:
                raise RenderError(
                    f"--directions {direction}: there is no direction {direction};"
                    " the directions are forward and reverse"
                )
            if direction == "reverse" and not network.bidirectional:
                raise RenderError("--directions reverse: the network is unidirectional; its only direction is forward")
        for gate in self.gates or ():
            if gate not in cell.gate_names:
                names = ", ".join(cell.gate_names)
                raise RenderError(f"--gates {gate}: there is no gate {gate} in this {cell.title}; its gates: {names}")
        parts = _parts(example)
        for part in self.parts or ():
            if part not in parts:
                why = "without a target or grad_output" if part == "backward" else ""
                raise RenderError(
                    f"--part {part}: there is no part {part}{why and ' ' + why}; the parts are {', '.join(parts)}"
                )
        if self.first_steps is not None and self.first_steps < 1:
            raise RenderError(f"first_steps={self.first_steps}: show at least one step")

    def shows_part(self, part: str) -> bool:
        return self.parts is None or part in self.parts

    def shows_gate(self, name: str) -> bool:
        return self.gates is None or name in self.gates

    def shows_direction(self, params: DirectionParams) -> bool:
        """Whether a document shows the steps and parameters of this layer and direction."""
        direction = "reverse" if params.reverse else "forward"
        layer_shown = self.layers is None or params.layer in self.layers
        return layer_shown and (self.directions is None or direction in self.directions)

    def pick(self, items: Sequence[Item], t: Callable[[Item], int]) -> list[Item]:
        """The items of the steps shown, of a direction's ``items`` in the order they ran."""
        shown = [item for item in items if self.steps is None or t(item) in self.steps]
        return shown[: self.first_steps]

    def blocks(self, example: Example) -> tuple[int, int, int]:
        """How many steps of each direction, layers and directions a document shows (of a valid selection)."""
        network, seq_len = example.network, example.inputs.x.shape[0]
        steps = seq_len if self.steps is None else len(self.steps)
        steps = steps if self.first_steps is None else min(steps, self.first_steps)
        layers = network.num_layers if self.layers is None else len(self.layers)
        directions = network.num_directions if self.directions is None else len(set(self.directions))
        return steps, layers, directions

    def note(self, example: Example, checked: bool) -> str | None:
        """The sentences that say what a document leaves out (None when it shows everything),
        with ``checked``: whether the torch check ran."""
        network, seq_len = example.network, example.inputs.x.shape[0]
        cell = CELLS[network.cell]
        parts = _parts(example)
        steps = seq_len if self.steps is None else len(self.steps)
        # What a part shows of the steps, layers, directions and gates chosen: the network, the
        # equations and the results show them all, whichever are chosen.
        by_step = any(self.shows_part(part) for part in parts if part in ("steps", "backward"))
        by_gate = by_step or self.shows_part("parameters")
        shown = []
        if by_step and self.steps is not None and steps < seq_len:
            shown.append(f"step{_s(steps)} {self.steps} of T = {seq_len}")
        if by_step and self.first_steps is not None and self.first_steps < steps:
            of = "of them" if steps < seq_len else f"of the T = {seq_len} steps"
            shown.append(f"the first {self.first_steps} {of} each direction ran")
        if by_gate and self.layers is not None and len(self.layers) < network.num_layers:
            shown.append(f"layer{_s(len(self.layers))} {self.layers} of {network.num_layers}")
        if by_gate and self.directions is not None and len(set(self.directions)) < network.num_directions:
            shown.append(f"the {self.directions[0]} direction")
        kept = [name for name in cell.gate_names if self.shows_gate(name)]
        if by_gate and len(kept) < len(cell.gate_names):
            shown.append(f"gate{_s(len(kept))} {', '.join(kept)} of {', '.join(cell.gate_names)}")
        kept = [part for part in parts if self.shows_part(part)]
        if len(kept) < len(parts):
            shown.append(f"the part{_s(len(kept))} {', '.join(kept)}")
        if not shown:
            return None
        rest = "The rest was computed too" + (", and checked against PyTorch" if checked else "")
        holders = ["the results"] if self.shows_part("results") else []
        if example.inputs.loss is not None and self.shows_part("backward"):
            holders.append("the gradients' sums")
        if by_step and min(steps, self.first_steps or steps) < seq_len and holders:
            rest += f"; {' and '.join(holders)} hold every step"
        return f"Shown here: {'; '.join(shown)}. {rest}."


EVERYTHING = Selection()  # the whole derivation


def _number(digits: str) -> int:
    """A number of an index list, refused before ``int`` reads more digits than any index has."""
    if len(digits.lstrip("0")) > len(str(_LARGEST)):
        shown = digits if len(digits) <= 20 else f"{digits[:20]}... ({len(digits)} digits)"
        raise RenderError(f"{shown} is larger than any sequence or network")
    return int(digits.lstrip("0") or "0")


def _parts(example: Example) -> tuple[str, ...]:
    """The parts ``example``'s document has: the backward pass only with a target or grad_output."""
    return PARTS if example.inputs.loss is not None else tuple(part for part in PARTS if part != "backward")


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def _span(first: int, last: int) -> str:
    """``0``, ``0 and 1``, ``1 to 9``: the whole numbers from ``first`` to ``last``."""
    if first == last:
        return str(first)
    return f"{first} {'and' if last == first + 1 else 'to'} {last}"
