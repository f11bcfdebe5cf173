"""The formats a derivation is written in. A format is its templates (an entry template per
document, ``NAME<suffix>``, and its markup partial) and one entry of FORMATS: what the command calls
it, the files it writes, how its text is escaped, and whether its math must be portable."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from .latex import escape_html, escape_latex, escape_markdown

OutputFormat = Literal["latex", "markdown", "html"]  # the names of FORMATS, as --format and output_format= take them


@dataclass(frozen=True)
class Format:
    """One output format."""

    name: OutputFormat
    title: str  # as messages name it
    suffix: str  # of its entry templates' files: NAME.tex.j2
    extensions: tuple[str, ...]  # of the files -o names in it
    document: str  # the entry template the command renders when none is named
    escape: Callable[[str], str]  # text made literal in it (the templates' `text` filter)
    # Math that KaTeX and MathJax render, read without a preamble: a gate's colour by a name all of
    # them know rather than a macro, and matrices without LaTeX's own environments.
    portable: bool
    help: str  # what --format says of it


FORMATS: dict[OutputFormat, Format] = {
    "latex": Format("latex", "LaTeX", ".tex.j2", (".tex",), "document", escape_latex, False, "LaTeX"),
    "markdown": Format(
        "markdown",
        "Markdown",
        ".md.j2",
        (".md", ".markdown"),
        "markdown",
        escape_markdown,
        True,
        "Markdown with $$ math for GitHub, Jupyter and MkDocs",
    ),
    "html": Format(
        "html",
        "HTML",
        ".html.j2",
        (".html", ".htm"),
        "html",
        escape_html,
        True,
        "one HTML page that works offline, its math typeset by the KaTeX it carries",
    ),
}
LATEX = FORMATS["latex"]


def written_in(template: str) -> Format:
    """The format a template file writes, by its suffix: LaTeX unless another format's."""
    return next((f for f in FORMATS.values() if f is not LATEX and template.endswith(f.suffix)), LATEX)


def named_by(extension: str) -> Format | None:
    """The format a file of this extension (``.md``) is written in, or None for one no format writes."""
    return next((f for f in FORMATS.values() if extension.lower() in f.extensions), None)
