"""Helpers for the cross-checks against PyTorch.

A cross-check has a *torch function*, which takes NumPy arguments, runs PyTorch and returns NumPy
results, and the nnbook side, which computes the same and compares. The ``torch_reference``
fixture (conftest.py) calls the torch function live where PyTorch is installed, and otherwise
returns its recorded result (``make references``). Only code inside a torch function may import
torch.
"""

import numpy as np

from nnbook.counterpart import leaves, torch_results, torch_spec


def to_torch(x, requires_grad=False):
    """A torch tensor holding a copy of ``x`` (call inside a torch function only)."""
    import torch

    t = torch.from_numpy(np.array(x, copy=True))
    if requires_grad:
        t.requires_grad_(True)
    return t


def module_reference(torch_reference, module, inputs, grad_outputs, chosen=(0,), **kwargs):
    """PyTorch's results for ``module``'s counterpart with the same weights (eval mode).

    ``inputs`` are the positional inputs, ``kwargs`` the keyword ones (masks, initial state);
    the loss is the sum of ``grad_outputs[i] * output_leaf[chosen[i]]``. Returns a dict:
    ``"output"`` (every leaf of the output), ``"inputs"`` (the gradient of each input leaf) and
    ``"params"`` (each parameter's gradient by name); see :func:`nnbook.counterpart.torch_results`.
    """
    return torch_reference(
        torch_results,
        torch_spec(module),
        module.state_dict(),
        tuple(inputs),
        dict(kwargs),
        [np.asarray(g) for g in leaves(list(grad_outputs))],
        list(chosen),
    )


def assert_grads_equal(module, expected, atol=1e-10, rtol=1e-8):
    """Every parameter gradient of ``module`` equals ``expected[name]`` (torch's)."""
    names = [name for name, _ in module.named_parameters()]
    assert sorted(names) == sorted(expected), "parameter names differ from torch's"
    for name, p in module.named_parameters():
        np.testing.assert_allclose(p.grad, expected[name], atol=atol, rtol=rtol, err_msg=name)
