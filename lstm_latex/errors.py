"""The exceptions lstm-latex raises; the CLI turns each into one ``Error: ...`` line."""

from __future__ import annotations


class LstmLatexError(Exception):
    """Base class of every error this package raises on purpose."""


class InputError(LstmLatexError):
    """A weights or inputs file is unreadable, incomplete or inconsistent."""


class CheckError(LstmLatexError):
    """The NumPy trace disagrees with torch, or torch is needed and missing."""


class RenderError(LstmLatexError):
    """A template is missing or cannot be rendered."""
