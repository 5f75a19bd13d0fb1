"""The base classes: ``Parameter``, ``Module``, ``Sequential`` and ``ModuleList``.

There is no autograd engine. Each module computes its forward pass, caches what its backward
pass needs, and implements ``backward`` by hand. Composite modules call their children's
``backward`` in reverse order.

See the chapter :doc:`/backpropagation`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np


class Parameter:
    """A trainable array and its gradient, side by side.

    Parameters
    ----------
    data : numpy.ndarray
        The initial value. It is used as is (not copied).

    Attributes
    ----------
    data : numpy.ndarray
        The value.
    grad : numpy.ndarray
        The accumulated gradient of the loss with respect to ``data``; same shape and dtype.

    See the chapter :doc:`/backpropagation`.
    """

    def __init__(self, data: np.ndarray):
        if not isinstance(data, np.ndarray) or not np.issubdtype(data.dtype, np.floating):
            raise TypeError(f"Parameter: expected a floating-point numpy.ndarray, got {data!r:.60}")
        self.data = data
        self.grad = np.zeros_like(data)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    def zero_grad(self) -> None:
        self.grad[...] = 0

    def __repr__(self) -> str:
        return f"Parameter(shape={self.shape}, dtype={self.dtype})"


class Module:
    """Base class of every layer, loss and model.

    A subclass sets its parameters and sub-modules as attributes in ``__init__`` (after calling
    ``super().__init__()``), and implements ``forward`` and ``backward``. Parameters and
    sub-modules are found by looking at the instance's attributes in the order they were set, so
    ``state_dict`` keys follow the attribute names: a ``Linear`` stored as ``self.linear1`` gives
    the keys ``linear1.weight`` and ``linear1.bias``, exactly as in PyTorch.

    Contract
    --------
    * ``forward(*inputs)`` computes the output and caches what ``backward`` needs.
    * ``backward(grad_output)`` returns the gradient with respect to the input(s) and *adds* the
      gradient of each parameter into its ``.grad``.
    * Calling ``backward`` before ``forward`` raises ``RuntimeError``.
    * A module caches one forward pass. To use the same weights twice in one computation, give
      two modules the same ``Parameter`` (tied weights) rather than calling one module twice:
      the second call would overwrite the cache the first call's backward needs.

    See the chapter :doc:`/backpropagation`.
    """

    def __init__(self) -> None:
        self.training = True

    # -- the computation ---------------------------------------------------------------------
    def forward(self, *inputs):
        raise NotImplementedError(f"{type(self).__name__} does not implement forward")

    def backward(self, *grad_outputs):
        raise NotImplementedError(f"{type(self).__name__} does not implement backward")

    def __call__(self, *inputs, **kwargs):
        return self.forward(*inputs, **kwargs)

    def _require_cache(self, cache):
        """Return ``cache``; raise ``RuntimeError`` if forward has not filled it yet."""
        if cache is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")
        return cache

    # -- the tree of parameters and sub-modules ------------------------------------------------
    def named_children(self) -> Iterator[tuple[str, Module]]:
        for name, value in vars(self).items():
            if isinstance(value, Module):
                yield name, value

    def children(self) -> Iterator[Module]:
        for _, module in self.named_children():
            yield module

    def modules(self) -> Iterator[Module]:
        """This module and every module below it, depth first."""
        yield self
        for child in self.children():
            yield from child.modules()

    def named_parameters(
        self, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """Yield ``(name, parameter)`` pairs with dotted, PyTorch-style names.

        A parameter shared by several sub-modules (tied weights) is yielded once, under its
        first name, as in PyTorch, so an optimiser updates it once with its summed gradient.
        """
        seen: set[int] = set()
        for name, param in self._all_parameters(prefix):
            if remove_duplicate:
                if id(param) in seen:
                    continue
                seen.add(id(param))
            yield name, param

    def _all_parameters(self, prefix: str) -> Iterator[tuple[str, Parameter]]:
        for name, value in vars(self).items():
            if isinstance(value, Parameter):
                yield prefix + name, value
            elif isinstance(value, Module):
                yield from value._all_parameters(prefix + name + ".")

    def parameters(self) -> list[Parameter]:
        return [p for _, p in self.named_parameters()]

    def num_parameters(self) -> int:
        """The number of trainable scalars."""
        return sum(p.data.size for p in self.parameters())

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.zero_grad()

    def train(self, mode: bool = True) -> Module:
        """Set training mode on this module and every sub-module; returns ``self``."""
        for module in self.modules():
            module.training = bool(mode)
        return self

    def eval(self) -> Module:
        """Set evaluation mode (e.g. dropout off) recursively; returns ``self``."""
        return self.train(False)

    # -- saving and loading ----------------------------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        """A copy of every parameter, keyed by PyTorch's names for the same module."""
        # Like torch, a tied parameter appears under each of its names.
        return {name: p.data.copy() for name, p in self.named_parameters(remove_duplicate=False)}

    def load_state_dict(self, state_dict, strict: bool = True) -> None:
        """Copy values into the parameters, e.g. from ``torch_module.state_dict()``.

        Values may be NumPy arrays or anything with ``.detach().cpu().numpy()`` (a torch
        tensor). They are cast to each parameter's dtype, as ``torch`` does on load.

        Raises
        ------
        KeyError
            With ``strict=True``, if keys are missing or unexpected (all of them are listed).
        ValueError
            If a value's shape differs from the parameter's.
        """
        params = dict(self.named_parameters(remove_duplicate=False))
        missing = [k for k in params if k not in state_dict]
        unexpected = [k for k in state_dict if k not in params]
        if strict and (missing or unexpected):
            raise KeyError(
                f"{type(self).__name__}.load_state_dict: missing keys {missing}, "
                f"unexpected keys {unexpected}"
            )
        arrays = {}
        for name, param in params.items():
            if name not in state_dict:
                continue
            value = state_dict[name]
            if hasattr(value, "detach"):
                value = value.detach().cpu().numpy()
            value = np.asarray(value)
            if value.shape != param.shape:
                raise ValueError(
                    f"{type(self).__name__}.load_state_dict: {name} expects shape {param.shape}, "
                    f"got {value.shape}"
                )
            arrays[name] = value
        # Copy only after every key has been checked, so a failed load changes nothing.
        for name, value in arrays.items():
            params[name].data[...] = value

    def __repr__(self) -> str:
        lines = [
            f"  ({name}): " + repr(child).replace("\n", "\n  ")
            for name, child in self.named_children()
        ]
        extra = self.extra_repr()
        if not lines:
            return f"{type(self).__name__}({extra})"
        return f"{type(self).__name__}({extra}\n" + "\n".join(lines) + "\n)"

    def extra_repr(self) -> str:
        return ""


class ModuleList(Module):
    """Holds sub-modules under the names ``"0"``, ``"1"``, ... (as ``torch.nn.ModuleList``).

    See the chapter :doc:`/backpropagation`.
    """

    def __init__(self, modules: Iterable[Module] = ()):
        super().__init__()
        for i, module in enumerate(modules):
            if not isinstance(module, Module):
                raise TypeError(
                    f"{type(self).__name__}: item {i} is a {type(module).__name__}, not a Module"
                )
            setattr(self, str(i), module)

    def __len__(self) -> int:
        return sum(1 for _ in self.children())

    def __iter__(self) -> Iterator[Module]:
        return self.children()

    def __getitem__(self, index: int) -> Module:
        return list(self.children())[index]


class Sequential(ModuleList):
    """Applies its modules in order; backward runs them in reverse.

    Examples
    --------
    >>> import nnbook
    >>> model = nnbook.Sequential(
    ...     nnbook.Linear(2, 4, rng=0), nnbook.Tanh(), nnbook.Linear(4, 1, rng=1)
    ... )
    >>> sorted(model.state_dict())
    ['0.bias', '0.weight', '2.bias', '2.weight']

    See the chapter :doc:`/backpropagation`.
    """

    def __init__(self, *modules: Module):
        super().__init__(modules)

    def forward(self, x):
        for module in self:
            x = module(x)
        return x

    def backward(self, grad_output):
        for module in reversed(list(self)):
            grad_output = module.backward(grad_output)
        return grad_output
