"""Helpers for the cross-checks against PyTorch (only imported by tests that have torch)."""

import numpy as np


def to_torch(x, requires_grad=False):
    """A float64 (or bool/int) torch tensor holding a copy of ``x``."""
    import torch

    t = torch.from_numpy(np.array(x, copy=True))
    if requires_grad:
        t.requires_grad_(True)
    return t


def copy_weights(torch_module, module):
    """Load ``torch_module``'s weights into ``module`` (the keys must match exactly)."""
    module.load_state_dict(torch_module.state_dict())


def assert_grads_match(torch_module, module, atol=1e-10, rtol=1e-8):
    """Every nnbook parameter gradient equals torch's ``.grad`` of the same name."""
    torch_params = dict(torch_module.named_parameters())
    names = [name for name, _ in module.named_parameters()]
    assert sorted(names) == sorted(torch_params), "parameter names differ from torch's"
    for name, p in module.named_parameters():
        expected = torch_params[name].grad
        assert expected is not None, f"torch computed no gradient for {name}"
        np.testing.assert_allclose(p.grad, expected.numpy(), atol=atol, rtol=rtol, err_msg=name)
