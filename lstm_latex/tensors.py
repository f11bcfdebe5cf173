"""A torch tensor (an nn.Parameter too) read as values: only one of real numbers, dense and in
memory, to float64 exactly. torch is imported only once a tensor is given, which exists only where
torch is imported already."""

from __future__ import annotations

from typing import Any

from .errors import InputError
from .model import Array


def tensor_to_array(tensor: Any, path: str) -> Array:
    """A tensor (an nn.Parameter too) as a float64 array, once it is known to hold real numbers: a
    float16 or bfloat16 value converts exactly, an integer beyond 2**53 is refused."""
    import torch

    require_plain(tensor, path)
    array: Array = tensor.detach().to("cpu", torch.float64, copy=True).numpy()  # a copy: the caller's may change
    exact = tensor.is_floating_point() or not bool((torch.from_numpy(array).to(tensor.dtype) != tensor).any())
    if not exact:
        raise InputError(
            f"{path} holds integers beyond 2**53, which float64 cannot hold exactly:"
            " convert the tensor to float64 to accept the nearest values"
        )
    return array


def require_plain(tensor: Any, path: str) -> None:
    """A dense tensor of real numbers in memory: what a recurrent layer's state_dict holds."""
    import torch

    if tensor.is_meta:
        found = "a meta tensor (a shape without values)"
    elif tensor.is_nested:
        found = "a nested tensor"
    elif tensor.layout != torch.strided:
        found = f"a sparse tensor ({tensor.layout})"
    elif tensor.is_quantized:
        found = f"a quantized tensor ({tensor.dtype})"
    elif tensor.is_complex() or tensor.dtype == torch.bool:
        found = f"a tensor of {tensor.dtype}"
    else:
        return
    raise InputError(f"{path} is {found}, expected real numbers")
