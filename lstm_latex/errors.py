"""The exceptions lstm-latex raises; the CLI turns each into one ``Error: ...`` line."""

from __future__ import annotations


class LstmLatexError(Exception):
    """Base class of every error this package raises on purpose."""


class InputError(LstmLatexError):
    """A weights or inputs file is unreadable, incomplete or inconsistent.

    Raised with what is wrong and its key path (``state_dict.weight_hh_l0 has shape ...``); the
    name of the file is added once, where the file is known (``within``), never threaded through
    the functions that check its values.
    """

    def __init__(self, message: str, source: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.source = source

    def __str__(self) -> str:
        return self.message if self.source is None else f"{self.source}: {self.message}"

    def within(self, source: str) -> InputError:
        """This error, said of ``source`` (a file's name, ``<stdin>``), unless it names one already."""
        return self if self.source is not None else InputError(self.message, source)


class CheckError(LstmLatexError):
    """The NumPy trace disagrees with torch, or torch is needed and missing."""


class RenderError(LstmLatexError):
    """A template is missing or cannot be rendered."""


class OutputError(LstmLatexError):
    """The text cannot be written where it is asked to go: a file that is read-only, a closed stdout."""
