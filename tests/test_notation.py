"""One notation a matrix: the same decimals for every entry, a power of ten in front only when
the entries would otherwise all print as zeros or have too many digits."""

from __future__ import annotations

import re
from decimal import Decimal

import numpy as np
import pytest

from lstm_latex.latex import NumberFormat, round_decimal
from lstm_latex.model import Array


def column(*entries: str) -> str:
    return r"\begin{bmatrix*}[r] " + r" \\ ".join(entries) + r" \end{bmatrix*}"


def entries(matrix: str) -> tuple[int, list[str]]:
    """The power of ten in front of a matrix (0 for none) and its entries, row by row."""
    power = re.match(r"10\^\{(-?\d+)\} ", matrix)
    body = matrix[matrix.index("[r] ") + 4 : matrix.index(r" \end")]
    return (int(power[1]) if power else 0), re.split(r" \\\\ | & ", body)


def test_precision_0_prints_integers() -> None:
    matrix = NumberFormat(precision=0).matrix(np.array([[2.6, -1.2], [0.2, -0.4], [0.0, 3.0]]))
    assert matrix == r"\begin{bmatrix*}[r] 3 & -1 \\ 0 & 0 \\ 0 & 3 \end{bmatrix*}"


def test_a_tiny_entry_among_ordinary_ones_is_shown_as_it_rounds() -> None:
    matrix = NumberFormat(precision=2).matrix(np.array([0.5, -0.002, 3e-7, 0.125]))
    assert matrix == column("0.50", "0.00", "0.00", "0.13")  # never -0.00, nor 10^{-3} among decimals


def test_significant_digits_give_every_entry_the_decimals_of_the_largest() -> None:
    values = np.array([[12.345, 0.5], [-0.0678, 0.004]])
    assert NumberFormat(significant=3).matrix(values) == r"\begin{bmatrix*}[r] 12.3 & 0.5 \\ -0.1 & 0.0 \end{bmatrix*}"
    assert NumberFormat(significant=3).matrix(values / 1000) == (
        r"\begin{bmatrix*}[r] 0.0123 & 0.0005 \\ -0.0001 & 0.0000 \end{bmatrix*}"
    )
    # 9.996 has 3 significant digits as 10.0: one decimal for all, the largest's rounded value decides.
    assert NumberFormat(significant=3).matrix(np.array([9.996, 0.25])) == column("10.0", "0.3")


def test_values_too_large_for_fixed_digits_share_one_power_of_ten() -> None:
    matrix = NumberFormat(precision=2).matrix(np.array([[2e10, 1.5], [-3e12, 0.0]]))
    assert matrix == r"10^{12} \begin{bmatrix*}[r] 0.02 & 0.00 \\ -3.00 & 0.00 \end{bmatrix*}"
    assert NumberFormat(precision=2).matrix(np.array([9_999_999_999.99, 1.0])) == column("9999999999.99", "1.00")
    assert NumberFormat(significant=3).matrix(np.array([123456.0, -5.0])) == r"10^{5} " + column("1.23", "0.00")


def test_a_matrix_of_tiny_values_has_its_power_of_ten_in_front() -> None:
    vector = np.array([3.2e-5, -1.1e-6, 0.0])
    assert NumberFormat().matrix(vector) == r"10^{-5} " + column("3.2000", "-0.1100", "0.0000")
    assert NumberFormat(precision=0).matrix(vector) == r"10^{-5} " + column("3", "0", "0")
    assert NumberFormat(significant=2).matrix(vector) == r"10^{-5} " + column("3.2", "-0.1", "0.0")
    # 9.99996e-6 rounds to 10.0000e-6 at the power of its leading digit: written 1.0000e-5.
    assert NumberFormat().matrix(np.array([9.99996e-6])) == r"10^{-5} " + column("1.0000")


def test_an_all_zero_matrix_prints_zeros() -> None:
    zeros = np.zeros((2, 1))
    assert NumberFormat().matrix(zeros) == column("0.0000", "0.0000")
    assert NumberFormat(precision=0).matrix(zeros) == column("0", "0")
    assert NumberFormat(significant=3).matrix(-zeros) == column("0.00", "0.00")


def test_unscaled_numbers_always_have_fixed_decimals() -> None:
    # Hand arithmetic rounds every quantity to the precision and prints it as it rounds.
    fixed = NumberFormat(precision=2, scaled=False)
    assert fixed.matrix(np.array([3.2e-5, -1.1e-6])) == column("0.00", "0.00")
    assert fixed.matrix(np.array([1e20, 0.125])) == column("100000000000000000000.00", "0.13")
    assert fixed.number(-3e-5) == "0.00"
    assert NumberFormat(precision=12, scaled=False).number(1e20) == "100000000000000000000.000000000000"


def test_the_power_of_ten_stands_before_an_elided_matrix_and_counts_in_its_width() -> None:
    numbers = NumberFormat(max_size=3)
    values = np.linspace(1.0, 9.0, 9)
    plain, plain_width = numbers.layout(values)
    scaled, scaled_width = numbers.layout(values * 1e-7)
    assert plain == r"\underbrace{\begin{bmatrix*}[r] 1.0000 \\ \vdots \\ 9.0000 \end{bmatrix*}}_{9}"
    assert scaled == r"10^{-7} " + plain
    # "10" and a thin space, and a superscript "-7" at 0.8 of a minus sign's and a digit's width
    assert scaled_width == pytest.approx(plain_width + 2.43 + 0.8 * (1.556 + 1))
    portable, _ = numbers.layout(values * 1e-7, portable=True)
    assert portable.startswith(r"10^{-7} \underbrace{\left[\begin{array}{r} 1.0000 \\ \vdots \\ 9.0000")
    assert numbers.power(values * 1e-7) == -7
    assert numbers.grid(values * 1e-7) == [["1.0000"], [r"\vdots"], ["9.0000"]]


@pytest.mark.parametrize("numbers", [NumberFormat(precision=p) for p in (0, 2, 4)] + [NumberFormat(significant=3)])
def test_every_entry_is_its_value_rounded_in_one_notation(numbers: NumberFormat) -> None:
    rng = np.random.default_rng(13)
    for _ in range(150):
        magnitude = 10.0 ** rng.integers(-14, 14)
        values: Array = rng.uniform(-1, 1, (2, 3)) * magnitude * rng.choice([1.0, 1e-3, 0.0], (2, 3))
        power, shown = entries(numbers.matrix(values))
        decimals = {len(entry.partition(".")[2]) for entry in shown}
        assert len(decimals) == 1, shown  # the points align
        (places,) = decimals
        for value, entry in zip(values.flat, shown, strict=True):
            assert not entry.startswith("-0") or Decimal(entry) != 0, shown
            # within half a unit of the last place shown, of the value divided by the power
            assert abs(Decimal(entry).scaleb(power) - Decimal(value)) <= Decimal(5).scaleb(power - places - 1)
            assert Decimal(entry).scaleb(power) == round_decimal(value, places - power)
        largest = float(np.max(np.abs(values)))
        if numbers.significant is None:
            assert places == numbers.precision
            # a power of ten only where the entries would all be zeros, or too long
            all_zeros = not any(round_decimal(value, places) for value in values.flat)
            assert (power != 0) == (largest > 0 and (all_zeros or largest >= 1e10)), shown
        elif largest > 0:
            assert len(max(abs(Decimal(entry)) for entry in shown).as_tuple().digits) == numbers.significant, shown
            assert (power != 0) == (not 1e-4 <= largest < 10**numbers.significant), shown
