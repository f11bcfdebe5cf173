from __future__ import annotations

import numpy as np
import pytest

from lstm_latex.latex import NumberFormat, escape_latex, round_array


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.5, "0.5000"),
        (-0.36, "-0.3600"),
        (0.0, "0.0000"),
        (-0.0, "0.0000"),
        (12.345678, "12.3457"),
        (-0.00004, r"-4.0000 \times 10^{-5}"),  # 0.0000 at 4 decimals: scaled instead
        (3.2e-5, r"3.2000 \times 10^{-5}"),
        (0.00005, "0.0001"),  # rounds to a visible digit: stays fixed
        (-1e-300, r"-1.0000 \times 10^{-300}"),
    ],
)
def test_fixed_decimals_never_show_a_rounded_zero(value: float, text: str) -> None:
    assert NumberFormat().number(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.5, "0.500"), (-123456.0, r"-1.23 \times 10^{5}"), (0.000123456, r"0.000123"), (1e-7, r"1.00 \times 10^{-7}")],
)
def test_significant_digits(value: float, text: str) -> None:
    assert NumberFormat(significant=3).number(value) == text


def test_precision_sets_the_decimals() -> None:
    assert NumberFormat(precision=2).number(-0.3651) == "-0.37"
    assert NumberFormat(precision=0).number(2.6) == "3"
    assert NumberFormat(precision=0).number(0.2) == r"2 \times 10^{-1}"


def test_rounding_is_half_away_from_zero_on_the_decimal_value() -> None:
    # 0.125 and 0.375 are exact in binary: ties, rounded away from zero (Python's format rounds
    # them to the even neighbour). 2.675 is 2.67499999... in binary, but stands for 2.675: a tie, up.
    assert [NumberFormat(precision=2).number(v) for v in (0.125, -0.125, 0.375, 2.675)] == [
        "0.13",
        "-0.13",
        "0.38",
        "2.68",
    ]
    assert round_array(np.array([[0.125, -0.375], [2.675, 0.5]]), 2).tolist() == [[0.13, -0.38], [2.68, 0.5]]


def test_a_vector_is_a_right_aligned_column() -> None:
    assert NumberFormat(precision=1).matrix(np.array([1.0, -2.0])) == r"\begin{bmatrix*}[r] 1.0 \\ -2.0 \end{bmatrix*}"


def test_a_matrix_keeps_its_rows() -> None:
    text = NumberFormat(precision=0).matrix(np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert text == r"\begin{bmatrix*}[r] 1 & 2 \\ 3 & 4 \end{bmatrix*}"


def test_large_dimensions_are_elided_with_their_shape_underneath() -> None:
    matrix = np.arange(64 * 32, dtype=float).reshape(64, 32)
    text = NumberFormat(precision=0, max_size=8).matrix(matrix)
    assert text.startswith(r"\underbrace{\begin{bmatrix*}[r] 0 & 1 & 2 & \cdots & 29 & 30 & 31 \\")
    assert r"\vdots & \vdots & \vdots & \ddots & \vdots & \vdots & \vdots" in text
    assert text.endswith(r"2045 & 2046 & 2047 \end{bmatrix*}}_{64 \times 32}")
    vector = NumberFormat(precision=0, max_size=8).matrix(np.arange(9, dtype=float))
    assert vector == r"\underbrace{\begin{bmatrix*}[r] 0 \\ 1 \\ 2 \\ \vdots \\ 6 \\ 7 \\ 8 \end{bmatrix*}}_{9}"


def test_a_dimension_at_the_limit_is_shown_whole() -> None:
    assert r"\cdots" not in NumberFormat(max_size=8).matrix(np.zeros((8, 8)))


def test_escape_latex_prints_every_special_character() -> None:
    assert escape_latex(r"a & b % c $ d # e _ f { g } h ~ i ^ j \ k") == (
        r"a \& b \% c \$ d \# e \_ f \{ g \} h \textasciitilde{} i \textasciicircum{} j \textbackslash{} k"
    )
