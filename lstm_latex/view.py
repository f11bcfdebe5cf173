"""What a page is, as records the templates print: decided in Python, once, for every format."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

# What a sheet leaves blank, each level with the ones before it: the states (c_t, h_t; ∂L/∂h_t,
# ∂L/∂c_t), then the gates (the activations, the δ's, the parameters' gradients), then every
# computed vector (the affine parts, the preactivations, the products and sums between).
Blank = Literal["states", "gates", "all"]
BLANKS: tuple[Blank, ...] = get_args(Blank)


@dataclass(frozen=True)
class Sheet:
    """A worksheet's page: its key or its sheet, the levels it asks for, and where it stands among
    the variants. The default is what `render --template worksheet` prints: one key of every level."""

    answers: bool = True  # the key, with every answer's numbers; else boxes to fill in
    blank: Blank = "all"  # the deepest level asked for: every level up to it is asked
    variant: str | None = None  # the variant's heading, its number or a name
    named: bool = False  # whether that heading is a name (else the sheet has a line for one)
    first: bool = True  # whether this variant opens the document
    last: bool = True  # and whether it closes it

    def asks(self, level: Blank) -> bool:
        """Whether the page asks for the quantities of ``level`` ("states", "gates" or "all")."""
        return BLANKS.index(level) <= BLANKS.index(self.blank)


WHOLE_KEY = Sheet()  # the page of a worksheet rendered on its own: the key of every level
