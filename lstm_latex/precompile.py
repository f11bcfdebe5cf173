"""`python -m lstm_latex.precompile`: compile the built-in templates ahead of time, into
templates/precompiled.json, which a render then reads instead of parsing them.

`make install` runs it, and `make wheel` before building a wheel. A render never writes the file,
and uses a template's code from it only while it matches the template's source (render.py).
"""

from __future__ import annotations

from .render import PRECOMPILED, precompile


def main() -> None:
    names = precompile(PRECOMPILED)
    print(f"compiled {len(names)} built-in templates into {PRECOMPILED}")


if __name__ == "__main__":
    main()
