"""`python -m lstm_latex.precompile`: compile the built-in templates ahead of time, with Jinja's
own Environment.compile_templates, into templates/precompiled-jinja/ (a Python module each, and
index.json), which a render then reads with jinja2.ModuleLoader instead of parsing them.

`make install` runs it, and `make wheel` before building a wheel. A render never writes there,
and uses a template's module only while it matches the template's source (environment.py).
"""

from __future__ import annotations

from .environment import PRECOMPILED
from .render import precompile


def main() -> None:
    names = precompile(PRECOMPILED)
    print(f"compiled {len(names)} built-in templates into {PRECOMPILED}")


if __name__ == "__main__":
    main()
