"""SGD and Adam: several steps equal torch.optim's on the same gradients; argument checks."""

import numpy as np
import pytest

import nnbook
from nnbook.module import Parameter


def _torch_steps(name, kwargs, values, grads):
    """The parameters after each step of ``torch.optim.<name>(**kwargs)``.

    ``values`` are the initial parameters; ``grads[k]`` holds each parameter's gradient at step
    ``k``. Returns, for each step, the list of parameters after it.
    """
    import torch

    params = [torch.tensor(v.copy(), requires_grad=True) for v in values]
    optimizer = getattr(torch.optim, name)(params, **kwargs)
    history = []
    for step_grads in grads:
        optimizer.zero_grad()
        for t, g in zip(params, step_grads, strict=True):
            t.grad = torch.tensor(g.copy())
        optimizer.step()
        history.append([t.detach().numpy().copy() for t in params])
    return history


def _run_both(make_ours, name, kwargs, rng, torch_reference, steps=6):
    """Apply ``steps`` updates with the same gradients to nnbook and torch.optim.<name>."""
    shapes = [(3, 4), (4,), (2, 2, 3)]
    values = [rng.standard_normal(s) for s in shapes]
    grads = [[rng.standard_normal(s) for s in shapes] for _ in range(steps)]
    expected = torch_reference(_torch_steps, name, kwargs, values, grads)
    ours = [Parameter(v.copy()) for v in values]
    opt = make_ours(ours)
    for step_grads, theirs in zip(grads, expected, strict=True):
        opt.zero_grad()
        for p, g in zip(ours, step_grads, strict=True):
            p.grad += g
        opt.step()
        for p, t in zip(ours, theirs, strict=True):
            np.testing.assert_allclose(p.data, t, rtol=1e-12, atol=1e-14)
    return ours


@pytest.mark.parametrize(
    "kwargs",
    [
        {"lr": 0.1},
        {"lr": 0.05, "momentum": 0.9},
        {"lr": 0.05, "weight_decay": 0.01},
        {"lr": 0.05, "momentum": 0.8, "weight_decay": 0.1},
        {"lr": 0.05, "momentum": 0.9, "nesterov": True},
    ],
)
def test_sgd_matches_torch(kwargs, rng, torch_reference):
    _run_both(lambda p: nnbook.SGD(p, **kwargs), "SGD", kwargs, rng, torch_reference)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"lr": 0.01},
        {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-6},
        {"lr": 0.01, "weight_decay": 0.1},
    ],
)
def test_adam_matches_torch(kwargs, rng, torch_reference):
    _run_both(lambda p: nnbook.Adam(p, **kwargs), "Adam", kwargs, rng, torch_reference, steps=8)


def test_plain_sgd_step_by_hand():
    p = Parameter(np.array([1.0, -2.0]))
    p.grad[:] = [0.5, 1.0]
    nnbook.SGD([p], lr=0.1).step()
    np.testing.assert_allclose(p.data, [0.95, -2.1])


def test_first_adam_step_moves_each_weight_by_about_lr():
    # With bias correction the first step is lr * g / (|g| + eps'): about lr, whatever |g| is.
    p = Parameter(np.zeros(3))
    p.grad[:] = [1e-3, 5.0, -200.0]
    nnbook.Adam([p], lr=0.01).step()
    np.testing.assert_allclose(p.data, [-0.01, -0.01, 0.01], rtol=1e-4)


def test_zero_grad_clears_every_parameter():
    model = nnbook.Sequential(nnbook.Linear(2, 3, rng=0), nnbook.Tanh(), nnbook.Linear(3, 1, rng=1))
    for p in model.parameters():
        p.grad += 1.0
    opt = nnbook.SGD(model.parameters(), lr=0.1)
    opt.zero_grad()
    assert all(np.all(p.grad == 0) for p in model.parameters())


def test_float32_parameters_stay_float32(rng):
    model = nnbook.Linear(3, 2, rng=0, dtype=np.float32)
    for opt in (
        nnbook.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=0.01),
        nnbook.Adam(model.parameters(), weight_decay=0.01),
    ):
        for p in model.parameters():
            p.grad += rng.standard_normal(p.shape).astype(np.float32)
        opt.step()
        opt.step()
        assert all(p.data.dtype == np.float32 for p in model.parameters())


def test_optimizer_updates_in_place():
    layer = nnbook.Linear(2, 2, rng=0)
    weight = layer.weight.data
    layer.weight.grad += 1.0
    nnbook.Adam(layer.parameters()).step()
    assert layer.weight.data is weight


@pytest.mark.parametrize("cls", [nnbook.SGD, nnbook.Adam])
def test_param_errors(cls):
    with pytest.raises(ValueError, match=f"{cls.__name__}: got an empty parameter list"):
        cls([], lr=0.1)
    with pytest.raises(TypeError, match=r"params\[1\] is a ndarray, not a Parameter"):
        cls([Parameter(np.zeros(2)), np.zeros(2)], lr=0.1)
    with pytest.raises(TypeError, match="params must be an iterable of Parameter"):
        cls(3, lr=0.1)
    p = Parameter(np.zeros(2))
    with pytest.raises(ValueError, match="a parameter appears more than once"):
        cls([p, p], lr=0.1)
    with pytest.raises(ValueError, match=f"{cls.__name__}: lr must be >= 0.0, got -0.1"):
        cls([p], lr=-0.1)
    with pytest.raises(TypeError, match="lr must be a real number, got str"):
        cls([p], lr="0.1")
    with pytest.raises(ValueError, match="weight_decay must be >= 0.0"):
        cls([p], lr=0.1, weight_decay=-1)


def test_sgd_argument_errors():
    p = Parameter(np.zeros(2))
    with pytest.raises(ValueError, match="SGD: momentum must be >= 0.0, got -0.5"):
        nnbook.SGD([p], lr=0.1, momentum=-0.5)
    with pytest.raises(ValueError, match="nesterov=True needs momentum > 0"):
        nnbook.SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="lr must be >= 0.0, got nan"):
        nnbook.SGD([p], lr=float("nan"))


def test_adam_argument_errors():
    p = Parameter(np.zeros(2))
    with pytest.raises(ValueError, match=r"Adam: betas\[0\] must be \[0.0, 1.0\), got 1.0"):
        nnbook.Adam([p], betas=(1.0, 0.999))
    with pytest.raises(ValueError, match=r"betas\[1\] must be \[0.0, 1.0\), got -0.1"):
        nnbook.Adam([p], betas=(0.9, -0.1))
    with pytest.raises(TypeError, match="betas must be a pair"):
        nnbook.Adam([p], betas=0.9)
    with pytest.raises(ValueError, match="eps must be >= 0.0"):
        nnbook.Adam([p], eps=-1e-8)
