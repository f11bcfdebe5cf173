"""Turn a recurrent network's weights into a step-by-step derivation a person can check by hand.

The pipeline, one call a stage::

    example = lstm_latex.load("weights.json")  # load: JSON format or a dict
    trace = lstm_latex.forward(example)  # compute: every intermediate, float64
    gradients = lstm_latex.backward(trace)  # and, with a target or grad_output, every gradient
    worked = lstm_latex.hand_pass(example, 2)  # or both as worked by hand, rounding to 2 decimals as they go
    report = lstm_latex.cross_check(trace)  # check: the same network in torch (torch imported here only)
    text = lstm_latex.render(trace, check=report)  # render: LaTeX through Jinja templates
    derivation = lstm_latex.derive(example, hand=2, check=None)  # or every pass at once, as the commands run them
    text = lstm_latex.render(derivation)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._version import __version__
from .backprop import Gradients, backward
from .cells import Grad, GruGrad, GruStep, LstmGrad, LstmStep, RnnGrad, RnnStep, Step
from .errors import CheckError, InputError, LstmLatexError, OutputError, RenderError
from .hand import HandPass, hand_pass
from .latex import NumberFormat
from .loaders import load
from .model import MARKDOWN, DirectionTrace, Example, Gate, Trace
from .network import forward
from .notebook import example_markdown, trace_markdown
from .pipeline import Derivation, derive
from .render import Style, render
from .selection import Indices, Selection

if TYPE_CHECKING:
    from .check import CheckReport, cross_check


def __getattr__(name: str) -> Any:
    """The torch cross-check is imported when first used: rendering without it never loads it."""
    if name in ("CheckReport", "cross_check"):
        from . import check

        return getattr(check, name)
    raise AttributeError(f"module 'lstm_latex' has no attribute {name!r}")


# how the records show themselves in Jupyter: their _repr_markdown_ reads this, not the display module
MARKDOWN.update(example=example_markdown, trace=trace_markdown)

__all__ = [
    "CheckError",
    "CheckReport",
    "Derivation",
    "DirectionTrace",
    "Example",
    "Gate",
    "Grad",
    "Gradients",
    "GruGrad",
    "GruStep",
    "HandPass",
    "Indices",
    "InputError",
    "LstmGrad",
    "LstmLatexError",
    "LstmStep",
    "NumberFormat",
    "OutputError",
    "RenderError",
    "RnnGrad",
    "RnnStep",
    "Selection",
    "Step",
    "Style",
    "Trace",
    "__version__",
    "backward",
    "cross_check",
    "derive",
    "forward",
    "hand_pass",
    "load",
    "render",
]
