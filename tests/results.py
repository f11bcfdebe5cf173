"""What every refusal of the command line looks like, asserted in one place for the tests."""

from __future__ import annotations

from click.testing import Result


def assert_clean_failure(result: Result, fragment: str) -> None:
    """Exit 1, nothing on stdout, and one ``Error: ...`` line on stderr holding ``fragment``: no
    traceback, and no warning of NumPy's."""
    context = f"{result.stderr}\n{result.exception!r}"
    assert isinstance(result.exception, SystemExit), context  # not an exception of ours, or of numpy's
    assert result.exit_code == 1, context
    assert result.stdout == "", context
    assert result.stderr.startswith("Error: "), context
    assert result.stderr.count("\n") == 1, context
    assert result.stderr.endswith("\n"), context
    assert fragment in result.stderr, context
