"""User text in a document is printed literally: --title cannot run LaTeX, and always compiles."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SEED, as_handout

import lstm_latex
from lstm_latex.cli import main
from lstm_latex.latex import escape_latex

HOSTILE = r"Weights & \input{/etc/passwd} 100% $x$ #1 a_b {c}"


def words(text: str) -> str:
    return " ".join(text.split())


def glyphs(text: str) -> str:
    # pdftotext guesses spaces from gaps, and misses some next to narrow glyphs like ( ) [ ].
    return "".join(text.split())


def render_title(title: str, *options: str) -> str:
    # The network's part alone: the title is on the first page, whatever follows it.
    result = CliRunner().invoke(
        main, ["render", str(SEED), "--no-check", "--part", "network", "--title", title, *options]
    )
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("template", ["document", "beamer"])
def test_a_hostile_title_is_printed_literally_and_runs_nothing(latex, template: str) -> None:  # type: ignore[no-untyped-def]
    source = render_title(HOSTILE, "--template", template)
    run = latex(as_handout(source) if template == "beamer" else source)  # the title is the same on a handout
    assert HOSTILE in words(run.text)
    if template == "document":
        assert run.overfull == []
    passwd = Path("/etc/passwd").read_text().splitlines()
    assert passwd  # the test means something only if there is a file to leak
    assert not any(line in run.text for line in passwd if line)
    assert "root:" not in run.text


# Every printable ASCII character, in short groups so that lines break at spaces.
SPECIALS = r"""\ { } ~ ^ & % $ # _ < > | ' " ` -- --- ,, << >> `` '' !` ?` ! @ * ( ) [ ] + = : ; . / ?"""
PLAIN = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789"
LATIN_1 = "café naïve Ærø ß ½ © ± \u2013 \u2014 \u201cquoted\u201d €"  # an ellipsis comes out as ". . ."


@pytest.mark.parametrize("title", [SPECIALS, PLAIN, LATIN_1])
def test_every_character_comes_out_of_the_pdf_as_it_went_in(latex, title: str) -> None:  # type: ignore[no-untyped-def]
    run = latex(render_title(title))
    assert glyphs(title) in glyphs(run.text)


def test_line_breaks_and_control_characters_become_spaces(latex) -> None:  # type: ignore[no-untyped-def]
    run = latex(render_title("one\ntwo\r\n\tthree\x00four\x1bfive"))
    assert "one two three four five" in words(run.text)


def test_a_character_pdflatex_cannot_typeset_is_refused_by_name() -> None:
    result = CliRunner().invoke(main, ["render", str(SEED), "--no-check", "--title", "the σ gate"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == "Error: cannot typeset 'σ' (U+03C3) with pdflatex and Latin Modern's T1 fonts\n"


def test_escape_latex_keeps_ligatures_from_forming() -> None:
    assert escape_latex("a--b") == "a-{}-b"
    assert escape_latex("a---b") == "a-{}-{}-b"
    assert escape_latex(",,") == ",{},"
    assert escape_latex("``''") == r"\textasciigrave{}\textasciigrave{}\textquotesingle{}\textquotesingle{}"


def test_the_default_title_names_the_cell() -> None:
    text = lstm_latex.render(lstm_latex.forward(lstm_latex.load(SEED)))
    assert r"{\Large\bfseries A worked LSTM forward pass}" in text


def test_a_markdown_title_is_one_heading_line_with_its_punctuation_escaped() -> None:
    first = render_title(HOSTILE + "\n~~struck~~", "--format", "markdown").splitlines()[0]
    assert first == r"# Weights \& \\input\{/etc/passwd\} 100% \$x\$ \#1 a\_b \{c\} \~\~struck\~\~"
