"""`lstm-latex worksheet`'s three files: written all or none, never two of them one file; its names
read whole; its messages one line, however long what was given."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from lstm_latex.cli import main
from lstm_latex.errors import InputError
from lstm_latex.generate import NetworkSpec, variant_seeds
from lstm_latex.latex import TYPESET, escape_latex
from lstm_latex.output import write_files
from lstm_latex.worksheet import MAX_NAMES_BYTES, drawn_variants, make_worksheet, read_names

OLD = {"sheet.tex": "old sheet\n", "sheet-answers.tex": "old key\n", "sheet-answers.json": "old answers\n"}


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["worksheet", *args])


def old_worksheet(folder: Path) -> dict[str, str]:
    for name, text in OLD.items():
        (folder / name).write_text(text)
    return OLD


def files(folder: Path) -> dict[str, str]:
    """Every file in ``folder`` (temporary ones too) and its text."""
    return {p.name: p.read_text() for p in sorted(folder.iterdir()) if p.is_file() or p.is_symlink()}


def assert_refused(result: Result, message: str, status: int = 1) -> None:
    assert result.exit_code == status, result.output
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == f"Error: {message}"
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("output", "message"),
    [
        (
            "sheet.json",
            "-o sheet.json: its key would be sheet-answers.json, the answers' file: name the sheet .tex or .md",
        ),
        (
            "sheet.JSON",
            "-o sheet.JSON: its key would be sheet-answers.JSON, the answers' file: name the sheet .tex or .md",
        ),
        ("", "-o: the file name is empty"),
        ("-", "-o -: a worksheet is three files (the sheet, its key and its answers), not stdout: give a file name"),
        ("sheet/", "sheet/: cannot write (a file name must not end in /)"),
    ],
)
def test_a_name_that_cannot_give_three_files_is_refused_and_nothing_written(
    output: str, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert_refused(run("--seed", "1", "-o", output), message)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(os.name != "posix", reason="POSIX links and modes")
@pytest.mark.parametrize("link", [os.symlink, os.link])
def test_two_files_that_are_one_are_refused_before_any_work(link, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    old_worksheet(tmp_path)
    (tmp_path / "sheet-answers.json").unlink()
    link(tmp_path / "sheet-answers.tex", tmp_path / "sheet-answers.json")  # the answers would overwrite the key
    before = files(tmp_path)
    result = run("--seed", "1", "-o", str(tmp_path / "sheet.tex"))
    assert_refused(result, f"{tmp_path / 'sheet-answers.tex'} and {tmp_path / 'sheet-answers.json'} are the same file")
    assert files(tmp_path) == before


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
def test_a_read_only_key_leaves_the_sheet_as_it_was(tmp_path: Path) -> None:
    old_worksheet(tmp_path)
    (tmp_path / "sheet-answers.tex").chmod(0o444)
    result = run("--seed", "1", "-o", str(tmp_path / "sheet.tex"))
    assert_refused(result, f"{tmp_path / 'sheet-answers.tex'}: cannot write (the file is read-only)")
    assert files(tmp_path) == OLD


def test_a_read_only_file_is_refused_before_the_texts_are_made(tmp_path: Path) -> None:
    (tmp_path / "c").write_text("old")
    (tmp_path / "c").chmod(0o444)
    started = []

    def texts() -> Iterator[tuple[str, str, str]]:
        started.append(True)
        yield "a", "b", "c"

    outputs = [str(tmp_path / name) for name in "abc"]
    with pytest.raises(Exception, match="the file is read-only"):
        write_files(outputs, texts())
    assert started == []
    assert files(tmp_path) == {"c": "old"}


@pytest.mark.parametrize("interruption", [KeyboardInterrupt(), InputError("variant 2: too large")])
def test_a_failure_after_the_first_pieces_leaves_every_file_as_it_was(
    interruption: BaseException, tmp_path: Path
) -> None:
    old_worksheet(tmp_path)

    def texts() -> Iterator[tuple[str, str, str]]:
        yield "new sheet", "new key", "new answers"
        raise interruption

    with pytest.raises(type(interruption)):
        write_files([str(tmp_path / name) for name in OLD], texts())
    assert files(tmp_path) == OLD  # no temporary file either


def test_the_three_files_are_the_pieces_joined_and_replace_the_old_ones(tmp_path: Path) -> None:
    old_worksheet(tmp_path)
    write_files([str(tmp_path / name) for name in OLD], iter([("s1", "k1", "a1"), ("s2", "k2", "a2")]))
    assert files(tmp_path) == {"sheet.tex": "s1s2", "sheet-answers.tex": "k1k2", "sheet-answers.json": "a1a2"}


def test_names_are_read_whole_however_far_into_the_file(tmp_path: Path) -> None:
    # 260 names of 200 two-byte letters: 104,260 bytes, and Christopher and Daniel after them.
    padding = ["é" * 200 for _ in range(260)]
    path = tmp_path / "names.txt"
    path.write_text("\n".join([*padding, "Christopher", "Daniel"]) + "\n", encoding="utf-8")
    assert path.stat().st_size > 101_001
    assert read_names(str(path), latex=True)[-2:] == ["Christopher", "Daniel"]


def test_only_a_line_end_ends_a_name(tmp_path: Path) -> None:
    path = tmp_path / "names.txt"
    path.write_bytes("Ada Lovelace\r\nJean\fPaul\nMarie\u2028Curie\n\n  \nAlan\n".encode())
    assert read_names(str(path), latex=False) == ["Ada Lovelace", "Jean\fPaul", "Marie\u2028Curie", "Alan"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"Ada\n\x00\x01\n", "line 2: the name has no printable character"),
        ("Ada\n\u00ad\n".encode(), "line 2: the name has no printable character"),  # a soft hyphen alone
        (b"Ada\nBob\n\xc3", "line 3: not UTF-8 text"),  # cut within a character
        (
            "Ada\nMarie\u2028Curie\n".encode(),
            "line 2: cannot typeset '\\u2028' (U+2028) with pdflatex and Latin Modern's T1 fonts",
        ),
        (
            b"a" * (MAX_NAMES_BYTES + 1),
            f"the file is {MAX_NAMES_BYTES + 1} bytes: a file of names is at most {MAX_NAMES_BYTES}",
        ),
    ],
)
def test_a_bad_names_file_is_one_error_naming_its_line(data: bytes, message: str, tmp_path: Path) -> None:
    path = tmp_path / "names.txt"
    path.write_bytes(data)
    (tmp_path / "out").mkdir()
    result = run("--names", str(path), "--seed", "1", "-o", str(tmp_path / "out" / "sheet.tex"))
    assert_refused(result, f"{path}: {message}")
    assert list((tmp_path / "out").iterdir()) == []


NAMES = ["Łukasz Wróbel", "Antonín Dvořák", "Paul Erdős", "Ayşe Şahin", "Ștefan Țiriac", "Ǉubica"]


def test_latin_extended_names_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "names.txt"
    path.write_text("\n".join(NAMES) + "\n", encoding="utf-8")
    result = run("--names", str(path), "--seed", "1", "--title", "Ćwiczenie: łańcuch", "-o", str(tmp_path / "c.tex"))
    assert result.exit_code == 0, result.output
    sheet = (tmp_path / "c.tex").read_text(encoding="utf-8")
    assert all(rf"\noindent\textbf{{{name} (variant {k}, seed " in sheet for k, name in enumerate(NAMES, 1))


def test_sheets_headed_by_latin_extended_names_compile(latex, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    variants = drawn_variants(NetworkSpec(seq_len=1), 3, None, NAMES)
    made = make_worksheet(variants, blank="states", title="Ćwiczenie: łańcuch Erdősa")
    run = latex(made.sheet)
    assert "Missing character" not in run.log
    text = run.text
    assert "Ćwiczenie: łańcuch Erdősa" in text
    assert all(name in text for name in ["Łukasz Wróbel", "Antonín Dvořák", "Paul Erdős", "Ayşe Şahin"])


def test_every_character_accepted_compiles_in_a_worksheets_preamble(latex) -> None:  # type: ignore[no-untyped-def]
    sheet = make_worksheet(drawn_variants(NetworkSpec(seq_len=1), 3, None, None), blank="states").sheet
    characters = "".join(sorted(TYPESET))
    lines = "\n".join(escape_latex(characters[k : k + 30]) + r"\par" for k in range(0, len(characters), 30))
    run = latex(sheet.replace("\\begin{document}\n", "\\begin{document}\n" + lines + "\n", 1))
    assert "Missing character" not in run.log


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["new", "--seed", "9" * 5000],
            "Invalid value for '--seed': '99999999999999999999'... (5000 characters)"
            " is not in the range 0<=x<=18446744073709551615.",
        ),
        (
            ["new", "--seq-len", "9" * 4301],
            "Invalid value for '--seq-len': '99999999999999999999'... (4301 characters) is not in the range 1<=x<=8.",
        ),
        (
            ["worksheet", "--num-layers", "1" * 4301, "-o", "x.tex"],
            "Invalid value for '--num-layers': '11111111111111111111'... (4301 characters)"
            " is not in the range 1<=x<=4.",
        ),
        (
            ["worksheet", "--variants", "-" + "0" * 50, "-o", "x.tex"],
            "Invalid value for '--variants': '-0000000000000000000'... (51 characters) is not in the range 1<=x<=500.",
        ),
        (
            ["worksheet", "--precision", "5", "-o", "x.tex"],
            "Invalid value for '--precision': 5 is not in the range 1<=x<=4.",
        ),
    ],
)
def test_a_long_integer_is_a_usage_error_that_echoes_its_start(
    args: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert_refused(CliRunner().invoke(main, args), message, status=2)
    assert list(tmp_path.iterdir()) == []
    assert re.search(r"\d{100}", CliRunner().invoke(main, args).stderr) is None


def test_drawn_variants_are_drawn_when_asked_for_as_a_list_would_give_them() -> None:
    variants = drawn_variants(NetworkSpec(), 5, 3, None)
    assert len(variants) == 3
    assert [v.number for v in variants] == [1, 2, 3]
    assert variants[-1].seed == variants[2].seed == variant_seeds(5, 3)[2]
    assert [v.number for v in variants[1:]] == [2, 3]
    with pytest.raises(IndexError):
        variants[3]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs")
def test_a_fifo_among_the_three_is_refused_unopened(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "sheet-answers.json")  # opening it to write would wait for a reader
    result = run("--seed", "1", "-o", str(tmp_path / "sheet.tex"))
    fifo = tmp_path / "sheet-answers.json"
    assert_refused(result, f"{fifo}: cannot write (not a regular file, which is replaced whole)")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sheet-answers.json"]
