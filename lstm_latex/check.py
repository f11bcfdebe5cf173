"""The torch cross-check: run the same network in torch and compare every state with the trace.

torch is imported inside the functions only, so that rendering without the check never loads it.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import math
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .cells import CELLS, LstmGrad, Step
from .errors import CheckError
from .model import Array, Inputs, Loss, Network, Trace

if TYPE_CHECKING:
    import torch

    from .backprop import Gradients

# float64 against float64, where only summation order may differ: agreement means a difference of at
# most TOLERANCE + RELATIVE_TOLERANCE·|torch's value|. The relative part lets an exploding network
# (values of 1e7 that agree to 16 significant digits) agree; the absolute part, values near zero.
TOLERANCE = 1e-10
RELATIVE_TOLERANCE = 1e-12
TOLERANCE_TEXT = f"tolerance {TOLERANCE:g} + {RELATIVE_TOLERANCE:g}·|value|"


@dataclass(frozen=True)
class Difference:
    """The largest absolute difference between the trace and torch for one quantity."""

    quantity: str  # "output", "h_n", "c_n", "h_t (layer 0, forward)", ...
    float64: float  # torch in float64
    float32: float  # torch in float32, what a user's model computes: shown, not judged; inf if it overflowed
    trace_value: float  # where float64 differs most for its tolerance: the trace's value ...
    torch_value: float  # ... and torch's
    index: tuple[int, ...] = ()  # ... at this position of the quantity's array
    agrees: bool = True  # every float64 difference within TOLERANCE + RELATIVE_TOLERANCE·|torch's value|


# The file's own framework runs in float32: agreement within float32's rounding of values near 1.
FRAMEWORK_TOLERANCE = 1e-5
FRAMEWORK_TOLERANCE_TEXT = f"tolerance {FRAMEWORK_TOLERANCE:g}·(1 + |value|), float32"
# the framework's module, the reader that runs it, and the extra that installs it
_FRAMEWORKS = {"Keras": ("keras", "keras_io", "keras"), "ONNX": ("onnxruntime", "onnx_io", "onnx")}


@dataclass(frozen=True)
class FrameworkCheck:
    """The Keras or ONNX file's own framework run on its layer alone, compared with the trace."""

    framework: str  # "Keras 3.15.1 (torch backend)", "onnxruntime 1.31.1"; or the module that was missing
    differences: tuple[tuple[str, float], ...]  # (quantity, largest absolute difference): output, h_n, c_n
    skipped: str | None = None  # why it did not run

    @property
    def agrees(self) -> bool:
        return self.skipped is not None or all(d <= FRAMEWORK_TOLERANCE for _, d in self.differences)

    @property
    def largest(self) -> float:
        return max((d for _, d in self.differences), default=0.0)

    def line(self) -> str:
        if self.skipped is not None:
            return f"{self.framework}: not run ({self.skipped})"
        verdict = "agrees" if self.agrees else "DISAGREES"
        largest = f"largest difference {self.largest:.2e} ({FRAMEWORK_TOLERANCE_TEXT})"
        return f"{self.framework} on the file's layer {verdict}: {largest}"


@dataclass(frozen=True)
class CheckReport:
    torch_version: str
    differences: tuple[Difference, ...]
    framework: FrameworkCheck | None = None  # a Keras or ONNX file's own framework, when it was one

    @property
    def agrees(self) -> bool:
        return all(d.agrees for d in self.differences) and (self.framework is None or self.framework.agrees)

    @property
    def forward(self) -> CheckReport:
        """The forward pass's quantities alone: the results and every step's states."""
        return CheckReport(self.torch_version, tuple(d for d in self.differences if not _is_gradient(d.quantity)))

    @property
    def backward(self) -> CheckReport | None:
        """The backward pass's quantities alone, the loss and every gradient; None when not checked."""
        found = tuple(d for d in self.differences if _is_gradient(d.quantity))
        return CheckReport(self.torch_version, found) if found else None

    @property
    def float32_overflows(self) -> bool:
        """torch's float32 run overflowed (inf or nan) where float64 did not: no difference to show."""
        return any(math.isinf(d.float32) for d in self.differences)

    @property
    def max_float64(self) -> float:
        return max(d.float64 for d in self.differences)

    @property
    def max_float32(self) -> float:
        return max(d.float32 for d in self.differences)

    def table(self) -> str:
        """The differences as a plain-text table, and a last line saying whether torch agrees."""
        width = max(len("quantity"), *(len(d.quantity) for d in self.differences))
        lines = [f"{'quantity':<{width}}  {'float64':>9}  {'float32':>9}"]
        lines += [f"{d.quantity:<{width}}  {d.float64:>9.2e}  {_float32_text(d.float32):>9}" for d in self.differences]
        verdict = "agrees" if self.agrees else "DISAGREES"
        lines.append(f"torch {self.torch_version} {verdict} in float64 ({TOLERANCE_TEXT})")
        if self.float32_overflows:
            lines.append("torch's float32 run overflows: its numbers are too large for float32")
        if self.framework is not None:
            lines.append(self.framework.line())
        return "\n".join(lines)

    def require_agreement(self) -> None:
        """Raise a CheckError naming the first quantity that differs from torch, with both values."""
        for d in self.differences:
            if not d.agrees:
                position = "".join(f"[{k}]" for k in d.index)
                raise CheckError(
                    f"the NumPy trace disagrees with torch {self.torch_version} in float64: {d.quantity}{position}"
                    f" is {d.trace_value!r} here and {d.torch_value!r} in torch ({_gap_text(d)}, {TOLERANCE_TEXT})"
                )
        if self.framework is not None and not self.framework.agrees:
            raise CheckError(f"the NumPy trace disagrees with the file's own framework: {self.framework.line()}")


def _gap_text(d: Difference) -> str:
    if not (math.isfinite(d.trace_value) and math.isfinite(d.torch_value)):
        return "not a finite number"
    return f"difference {abs(d.trace_value - d.torch_value):.3g}"


def _is_gradient(quantity: str) -> bool:
    return quantity == "loss" or quantity.startswith("grad ")


def _float32_text(difference: float) -> str:
    return "overflow" if math.isinf(difference) else f"{difference:.2e}"


def check_trace(trace: Trace[Step], mode: bool | None, gradients: Gradients | None = None) -> CheckReport | None:
    """The cross-check as the commands run it: ``mode`` True (torch required), None (when torch is
    installed) or False (never). None when not checked; a CheckError when torch disagrees."""
    if mode is False or (mode is None and not torch_available()):
        return None
    report = cross_check(trace, gradients)
    report.require_agreement()
    return report


def torch_available() -> bool:
    return importlib.util.find_spec("torch") is not None


def cross_check(trace: Trace[Step], gradients: Gradients | None = None) -> CheckReport:
    """Compare output, h_n, c_n and every step's h_t and c_t of ``trace`` with torch's; with the
    trace's ``gradients``, also the loss and every gradient with torch autograd's.

    The whole network runs once as torch.nn.LSTM/GRU/RNN, which gives the results and autograd's
    gradients of the parameters and inputs; for the per-step states (and their gradients) each
    layer and direction runs again one step at a time as a one-layer torch module, fed by torch's
    own outputs of the layer below.
    """
    try:
        import torch
    except ImportError:
        raise CheckError("the torch check needs torch: pip install 'lstm-latex[torch]'") from None
    inputs = trace.example.inputs
    if gradients is None:
        inputs = dataclasses.replace(inputs, loss=None)  # the forward pass alone
    with torch.set_grad_enabled(gradients is not None), warnings.catch_warnings():
        # torch says, with no bearing on the result, that oneDNN has no projected LSTM.
        warnings.filterwarnings("ignore", message="LSTM with projections is not supported")
        runs = {dtype: _torch_states(trace.example.network, inputs, dtype) for dtype in (torch.float64, torch.float32)}
    ours = _trace_states(trace) | ({} if gradients is None else _gradient_states(gradients))
    differences = []
    for quantity, value in ours.items():
        exact, single = runs[torch.float64][quantity], runs[torch.float32][quantity]
        with np.errstate(over="ignore", invalid="ignore"):  # torch's inf or nan: no warning, a disagreement
            gap = np.abs(value - exact)
            excess = gap / (TOLERANCE + RELATIVE_TOLERANCE * np.abs(exact))  # > 1: outside the tolerance
            excess[~np.isfinite(exact) | ~np.isfinite(value)] = math.inf
            single_gap = np.abs(value - single)
        where = np.unravel_index(int(np.argmax(excess)), gap.shape)
        differences.append(
            Difference(
                quantity=quantity,
                float64=float(gap.max()),
                float32=float(single_gap.max()) if np.isfinite(single_gap).all() else math.inf,
                trace_value=float(value[where]),
                torch_value=float(exact[where]),
                index=tuple(int(k) for k in where),
                agrees=bool(excess.max() <= 1),
            )
        )
    return CheckReport(torch.__version__, tuple(differences), framework_check(trace))


def framework_check(trace: Trace[Step]) -> FrameworkCheck | None:
    """The trace's output, h_n (and c_n) against those of the file's own framework (Keras, onnxruntime)
    run on the layer alone, when the network was read from such a file; skipped when it is not installed."""
    provenance = trace.example.network.provenance
    if provenance is None:
        return None
    runtime, reader, extra = _FRAMEWORKS[provenance.framework]
    if importlib.util.find_spec(runtime) is None:
        return FrameworkCheck(runtime, (), f"{runtime} is not installed: pip install 'lstm-latex[{extra}]'")
    run = importlib.import_module(f".{reader}", __package__).run
    inputs = trace.example.inputs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the frameworks' own deprecations, not the user's concern here
        try:
            framework, found = run(provenance.native, inputs)
        except Exception as error:  # an opset or setting the installed version cannot run: said, not hidden
            return FrameworkCheck(
                runtime, (), f"it failed: {type(error).__name__}: {(str(error).splitlines() or [''])[0]}"
            )
    ours = {"output": trace.output, "h_n": trace.h_n} | ({} if trace.c_n is None else {"c_n": trace.c_n})
    gaps = tuple((key, float((np.abs(ours[key] - found[key]) / (1 + np.abs(ours[key]))).max())) for key in ours)
    return FrameworkCheck(framework, gaps)


def _trace_states(trace: Trace[Step]) -> dict[str, Array]:
    states = {"output": trace.output, "h_n": trace.h_n}
    if trace.c_n is not None:
        states["c_n"] = trace.c_n
    for d in trace.directions:
        steps = sorted(d.steps, key=lambda s: s.t)
        states[f"h_t ({_name(d.params.layer, d.params.reverse)})"] = d.output
        cs = [s.c for s in steps if s.c is not None]
        if cs:
            states[f"c_t ({_name(d.params.layer, d.params.reverse)})"] = np.stack(cs)
    return states


def _gradient_states(gradients: Gradients) -> dict[str, Array]:
    """The loss and every gradient autograd gives, under the names _torch_states gives them."""
    states = {"loss": np.array([gradients.value])}
    states |= {f"grad {name}": array for name, array in gradients.state_dict().items()}
    states |= {"grad x": gradients.x, "grad h0": gradients.h0}
    if gradients.c0 is not None:
        states["grad c0"] = gradients.c0
    for d in gradients.directions:
        steps = sorted(d.steps, key=lambda s: s.t)
        states[f"grad h_t ({_name(d.params.layer, d.params.reverse)})"] = np.stack([s.dh for s in steps])
        dc_next = [s.dc_next for s in steps if isinstance(s, LstmGrad)]
        if dc_next:
            states[f"grad c_t via the next step ({_name(d.params.layer, d.params.reverse)})"] = np.stack(dc_next)
    return states


def _name(layer: int, reverse: bool) -> str:
    return f"layer {layer}, {'reverse' if reverse else 'forward'}"


def _tensor(array: Array, dtype: torch.dtype, leaf: bool = False) -> torch.Tensor:
    """A copy of ``array`` in torch; a ``leaf`` collects its gradient in ``.grad``."""
    import torch

    tensor = torch.from_numpy(np.ascontiguousarray(array)).to(dtype)
    return tensor.requires_grad_() if leaf else tensor


def _numpy(tensor: torch.Tensor) -> Array:
    import torch

    array: Array = tensor.detach().to(torch.float64).numpy()
    return array


def _torch_loss(loss: Loss, output: torch.Tensor) -> torch.Tensor:
    """The same loss as backprop.loss_value, in torch."""
    if loss.grad_output is not None:
        return (_tensor(loss.grad_output, output.dtype) * output).sum()
    assert loss.target is not None
    squares = (output - _tensor(loss.target, output.dtype)) ** 2
    return {"half_sse": 0.5 * squares.sum(), "sse": squares.sum(), "mse": squares.mean()}[loss.kind]


def _torch_states(network: Network, inputs: Inputs, dtype: torch.dtype) -> dict[str, Array]:
    """What torch computes for the trace's quantities: the whole network as one module, and each
    layer and direction again a step at a time; with the inputs' loss, also autograd's gradients."""
    whole = _torch_whole(network, inputs, dtype)
    stepwise = _torch_stepwise(network, inputs, dtype)
    return {**whole, **stepwise}


def _torch_whole(network: Network, inputs: Inputs, dtype: torch.dtype) -> dict[str, Array]:
    """output, h_n (and c_n) of the network as one torch.nn module; with a loss, the loss and
    autograd's gradient of every parameter and of x, h0 (and c0), under ``.grad``'s names."""
    import torch

    module = _module(network, network.input_size, network.num_layers, network.bidirectional, dtype)
    module.load_state_dict({k: _tensor(v, dtype) for k, v in network.state_dict().items()})
    differentiate = inputs.loss is not None
    leaves = {key: _tensor(value, dtype, differentiate) for key, value in _given(inputs).items()}
    state: Any = leaves["h0"] if "c0" not in leaves else (leaves["h0"], leaves["c0"])
    output, final = module(leaves["x"], state)
    states = {"output": _numpy(output)}
    if "c0" not in leaves:
        states["h_n"] = _numpy(final)
    else:
        states["h_n"], states["c_n"] = _numpy(final[0]), _numpy(final[1])
    if inputs.loss is not None:
        value = _torch_loss(inputs.loss, output)
        torch.autograd.backward(value)
        states["loss"] = _numpy(value).reshape(1)
        states |= {f"grad {key}": _numpy(p.grad) for key, p in module.named_parameters() if p.grad is not None}
        states |= {f"grad {key}": _numpy(leaf.grad) for key, leaf in leaves.items() if leaf.grad is not None}
    return states


def _torch_stepwise(network: Network, inputs: Inputs, dtype: torch.dtype) -> dict[str, Array]:
    """Every step's h_t (and c_t): each layer and direction run a step at a time as a one-layer torch
    module, fed by torch's own outputs of the layer below; with a loss, autograd's ∂L/∂h_t (and ∂L/∂c_t)."""
    import torch

    parameters = network.state_dict()
    differentiate = inputs.loss is not None
    layer_input = _tensor(inputs.x, dtype)  # (T, I)
    seq_len = layer_input.shape[0]
    kept: dict[str, list[torch.Tensor]] = {}  # "h_t (layer 0, forward)": h_t for t = 1 .. T
    for layer in range(network.num_layers):
        outputs = []
        for d in range(network.num_directions):
            index = layer * network.num_directions + d
            params = network.directions[index]
            single = _module(network, layer_input.shape[1], 1, False, dtype)
            own = {k.removesuffix(params.suffix) + "_l0": v for k, v in parameters.items() if k.endswith(params.suffix)}
            single.load_state_dict({k: _tensor(v, dtype) for k, v in own.items()})
            h = _tensor(inputs.h0[index : index + 1], dtype)
            c = None if inputs.c0 is None else _tensor(inputs.c0[index : index + 1], dtype)
            by_time: dict[int, tuple[torch.Tensor, torch.Tensor | None]] = {}
            for t in range(seq_len - 1, -1, -1) if params.reverse else range(seq_len):
                if c is None:
                    _, h = single(layer_input[t : t + 1], h)
                else:
                    _, (h, c) = single(layer_input[t : t + 1], (h, c))
                for state in (h, c):
                    if differentiate and state is not None:
                        state.retain_grad()
                by_time[t] = (h, c)
            name = _name(layer, params.reverse)
            kept[f"h_t ({name})"] = [by_time[t][0] for t in range(seq_len)]
            if c is not None:
                kept[f"c_t ({name})"] = [by_time[t][1] for t in range(seq_len)]  # type: ignore[misc]
            outputs.append(torch.cat(kept[f"h_t ({name})"]))
        layer_input = torch.cat(outputs, dim=1)
    states = {quantity: _numpy(torch.cat(tensors)) for quantity, tensors in kept.items()}
    if inputs.loss is not None:
        torch.autograd.backward(_torch_loss(inputs.loss, layer_input))
        # A returned h_t's gradient is ∂L/∂h_t, from the output and the next step; a returned c_t's is
        # the part from the next step only (torch computes h_t from c_t inside the step): none at the last.
        for quantity, tensors in kept.items():
            gradients = [torch.zeros_like(t) if t.grad is None else t.grad for t in tensors]
            name = "grad " + quantity.replace("c_t (", "c_t via the next step (")
            states[name] = _numpy(torch.cat(gradients))
    return states


def _given(inputs: Inputs) -> dict[str, Array]:
    """x, h0 and c0 (for a cell that has it): what a forward pass reads besides the parameters."""
    given = {"x": inputs.x, "h0": inputs.h0}
    return given if inputs.c0 is None else given | {"c0": inputs.c0}


def _module(
    network: Network, input_size: int, num_layers: int, bidirectional: bool, dtype: torch.dtype
) -> torch.nn.Module:
    import torch

    cell = CELLS[network.cell]
    options: dict[str, Any] = {"num_layers": num_layers, "bias": network.bias, "bidirectional": bidirectional}
    options |= cell.torch_options
    if cell.has_projection:
        options["proj_size"] = network.proj_size
    torch_class = getattr(torch.nn, cell.torch_class)
    module: torch.nn.Module = torch_class(input_size, network.hidden_size, **options)
    return module.to(dtype)
