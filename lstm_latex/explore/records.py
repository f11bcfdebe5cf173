"""What the web page can mark in a display: a chain, its matrices as they print and the entries
it computes, each with the places of its operands and its line of arithmetic; how a number of
that line is written (as its matrix prints it), and how the line reads."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..latex import NumberFormat
from ..model import Array

FUNCTIONS = {"sigmoid": "σ", "tanh": "tanh", "relu": "ReLU"}  # an activation as the arithmetic line names it
# A matrix of the display (by its order there), a row and a column of it; and the chain of another
# display, for a forward value a backward entry uses.
Place = tuple[int, int, int] | tuple[int, int, int, int]
Shown = Callable[[float], str]  # a number of a chain's line of arithmetic, as its matrix prints it
_MATRIX = re.compile(r"\\left\[\\begin\{array\}\{[rlc]*\}(.*)\\end\{array\}\\right\]", re.DOTALL)  # its entries
Ref = tuple[int, int]  # a matrix of another display: its chain's place in the page's list, the matrix's in the chain


@dataclass(frozen=True)
class Entry:
    """An entry a chain computes, where it is, where its operands are, and its arithmetic."""

    at: Place
    uses: tuple[Place, ...]
    arithmetic: str


@dataclass(frozen=True)
class Chain:
    """A display's chain of arithmetic: its matrices' printed entries, row by row, in the display's
    order, and the entries it computes."""

    matrices: tuple[tuple[tuple[str, ...], ...], ...]
    entries: tuple[Entry, ...]


def chain_of(
    arrays: Sequence[Array],
    numbers: NumberFormat,
    entries: Callable[[int, Shown], list[Entry]],
    rows: int | None = None,
) -> Chain | None:
    """A display of these matrices in this order, with the entries ``entries(k, number)`` computes
    at each index k of the last one (or up to ``rows``), its numbers written by ``number`` as their
    matrices print them; None where a matrix prints a power of ten or leaves entries out."""
    shown = [_printed(array, numbers) for array in arrays]
    grids = [grid for grid in shown if grid is not None]
    if len(grids) < len(shown):
        return None
    # a number's text in its matrix: one text for equal floats (the same notation in every matrix)
    texts = {
        float(v): t for a, grid in zip(arrays, grids, strict=True) for v, t in zip(a.flat, _flat(grid), strict=True)
    }

    def number(value: float) -> str:
        return texts[float(value)].replace("-", "−")

    count = len(arrays[-1]) if rows is None else rows
    return Chain(tuple(grids), tuple(e for k in range(count) for e in entries(k, number)))


def _printed(array: Array, numbers: NumberFormat) -> tuple[tuple[str, ...], ...] | None:
    """The entries of ``array`` as its matrix prints them on the page, row by row (a vector as a
    column), or None where it prints a power of ten before them or leaves some out."""
    matrix = _MATRIX.fullmatch(numbers.matrix(array, portable=True))
    if matrix is None or "\\" in matrix[1].replace(r"\\", ""):
        return None
    return tuple(tuple(entry.strip() for entry in row.split("&")) for row in matrix[1].split(r"\\"))


def _flat(grid: tuple[tuple[str, ...], ...]) -> list[str]:
    return [entry for row in grid for entry in row]


def summed(products: Sequence[tuple[float, float]], added: Sequence[float], result: float, number: Shown) -> str:
    """``a · b + c · d + e = r``, each negative number but the first in parentheses."""
    values = [value for pair in products for value in pair] + list(added)
    shown = [bracketed(number)(value) if k else number(value) for k, value in enumerate(values)]
    products_shown = [f"{shown[2 * k]} · {shown[2 * k + 1]}" for k in range(len(products))]
    return " + ".join([*products_shown, *shown[2 * len(products) :]]) + f" = {number(result)}"


def bracketed(number: Shown) -> Shown:
    """``number``, a negative number in parentheses: one after an operator."""

    def shown(value: float) -> str:
        text = number(value)
        return f"({text})" if text.startswith("−") else text

    return shown
