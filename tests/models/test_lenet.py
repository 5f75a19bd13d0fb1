"""LeNet5: layer sizes, torch-compatible state_dict, forward and gradients against torch."""

import numpy as np
import pytest
from torch_helpers import assert_grads_equal, to_torch

import nnbook
from nnbook.gradcheck import numerical_gradient, relative_error

VARIANTS = [("tanh", "avg"), ("relu", "max")]


def _torch_lenet(activation, pooling, num_classes=10):
    """LeNet-5 written out in torch.nn, layer by layer (call inside a torch function only)."""
    import torch

    act = {"tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}[activation]
    pool = {"avg": torch.nn.AvgPool2d, "max": torch.nn.MaxPool2d}[pooling]
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(1, 6, 5),
        act(),
        pool(2),
        nn.Conv2d(6, 16, 5),
        act(),
        pool(2),
        nn.Flatten(),
        nn.Linear(400, 120),
        act(),
        nn.Linear(120, 84),
        act(),
        nn.Linear(84, num_classes),
    ).double()


def _torch_lenet_keys(activation, pooling):
    """The state_dict keys of the torch LeNet-5, in order."""
    return list(_torch_lenet(activation, pooling).state_dict())


def _torch_lenet_results(activation, pooling, state, x, g):
    """The torch LeNet-5 with weights ``state``: its output, and the gradients of the input
    and of every parameter for the loss sum(g * output)."""
    reference = _torch_lenet(activation, pooling)
    reference.load_state_dict({k: to_torch(v) for k, v in state.items()})
    xt = to_torch(x, requires_grad=True)
    yt = reference(xt)
    yt.backward(to_torch(g))
    return {
        "output": yt.detach().numpy(),
        "input": xt.grad.numpy(),
        "params": {name: p.grad.numpy() for name, p in reference.named_parameters()},
    }


def test_feature_map_sizes_and_parameter_count(rng):
    model = nnbook.LeNet5(rng=0)
    x = rng.standard_normal((2, 1, 32, 32))
    shapes = []
    for layer in model:
        x = layer(x)
        shapes.append(x.shape[1:])
    assert shapes[0] == (6, 28, 28) and shapes[2] == (6, 14, 14)
    assert shapes[3] == (16, 10, 10) and shapes[5] == (16, 5, 5)
    assert shapes[6:] == [(400,), (120,), (120,), (84,), (84,), (10,)]
    assert model[0].num_parameters() == 6 * (5 * 5 + 1)  # 156, the chapter's figure
    assert model.num_parameters() == 61706


def test_default_is_the_classic_tanh_average_pool_network():
    model = nnbook.LeNet5(rng=0)
    assert isinstance(model[1], nnbook.Tanh) and isinstance(model[2], nnbook.AvgPool2d)
    modern = nnbook.LeNet5(activation="relu", pooling="max", rng=0)
    assert isinstance(modern[1], nnbook.ReLU) and isinstance(modern[2], nnbook.MaxPool2d)
    assert nnbook.LeNet5(num_classes=3, rng=0)[11].out_features == 3


@pytest.mark.parametrize(("activation", "pooling"), VARIANTS)
def test_matches_torch_sequential(activation, pooling, rng, torch_reference):
    model = nnbook.LeNet5(activation=activation, pooling=pooling, rng=1)
    assert list(model.state_dict()) == torch_reference(_torch_lenet_keys, activation, pooling)
    x = rng.standard_normal((3, 1, 32, 32))
    g = rng.standard_normal((3, 10))
    expected = torch_reference(_torch_lenet_results, activation, pooling, model.state_dict(), x, g)
    np.testing.assert_allclose(model(x), expected["output"], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(model.backward(g), expected["input"], rtol=1e-10, atol=1e-12)
    assert_grads_equal(model, expected["params"])


def test_input_gradient_matches_finite_differences(rng):
    # Every parameter gradient is cross-checked against torch above; the full finite-difference
    # check of 61,706 parameters would be slow, so the input (and a few weights) are checked here.
    model = nnbook.LeNet5(rng=0)
    x = rng.standard_normal((1, 1, 32, 32))
    r = rng.standard_normal((1, 10))

    def loss():
        return float(np.sum(r * model(x)))

    model(x)
    analytic = model.backward(r)
    assert relative_error(analytic, numerical_gradient(loss, x)) < 1e-6
    conv1 = model[0].weight
    assert relative_error(conv1.grad, numerical_gradient(loss, conv1.data)) < 1e-6


def test_float32_end_to_end(rng):
    x = rng.standard_normal((2, 1, 32, 32))
    reference = nnbook.LeNet5(rng=0)
    model = nnbook.LeNet5(rng=0, dtype=np.float32)
    assert all(p.dtype == np.float32 for p in model.parameters())
    y = model(x.astype(np.float32))
    dx = model.backward(np.ones((2, 10), dtype=np.float32))
    assert y.dtype == np.float32 and dx.dtype == np.float32
    np.testing.assert_allclose(y, reference(x), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(dx, reference.backward(np.ones((2, 10))), rtol=1e-3, atol=1e-6)


@pytest.mark.parametrize(("activation", "pooling"), VARIANTS)
def test_a_few_adam_steps_fit_a_tiny_batch(activation, pooling, rng):
    model = nnbook.LeNet5(activation=activation, pooling=pooling, rng=0)
    loss_fn = nnbook.CrossEntropyLoss()
    optimizer = nnbook.Adam(model.parameters(), lr=3e-3)
    x = rng.standard_normal((8, 1, 32, 32))
    labels = np.arange(8)
    first = loss_fn(model(x), labels)
    for _ in range(25):
        optimizer.zero_grad()
        loss_fn(model(x), labels)
        model.backward(loss_fn.backward())
        optimizer.step()
    assert loss_fn(model(x), labels) < 0.05 * first


def test_errors(rng):
    with pytest.raises(
        ValueError,
        match=r"LeNet5: expected images of size 32×32, "
        r"\(N, C, 32, 32\), got shape \(1, 1, 28, 28\)",
    ):
        nnbook.LeNet5(rng=0)(rng.standard_normal((1, 1, 28, 28)))
    with pytest.raises(ValueError, match="Conv2d: expected input with 1 channels"):
        nnbook.LeNet5(rng=0)(rng.standard_normal((1, 3, 32, 32)))
    with pytest.raises(ValueError, match="LeNet5: activation must be one of"):
        nnbook.LeNet5(activation="sigmoid")
    with pytest.raises(ValueError, match="LeNet5: pooling must be one of"):
        nnbook.LeNet5(pooling="min")
    with pytest.raises(ValueError, match="LeNet5: num_classes must be positive"):
        nnbook.LeNet5(0)
    with pytest.raises(TypeError, match="LeNet5: dtype must be float32 or float64"):
        nnbook.LeNet5(dtype=np.int64)
    with pytest.raises(RuntimeError, match="backward called before forward"):
        nnbook.LeNet5(rng=0).backward(np.ones((1, 10)))
