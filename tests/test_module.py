"""Parameter, Module, ModuleList and Sequential: the tree, modes, state dicts and their errors."""

import numpy as np
import pytest
from torch_helpers import assert_grads_equal, module_reference

import nnbook
from nnbook.gradcheck import check_module
from nnbook.module import Module, ModuleList, Parameter, Sequential


class _Block(Module):
    """A two-layer block with named sub-modules, like a torch model's."""

    def __init__(self):
        super().__init__()
        self.linear1 = nnbook.Linear(3, 4, rng=0)
        self.act = nnbook.Tanh()
        self.linear2 = nnbook.Linear(4, 2, rng=1)

    def forward(self, x):
        return self.linear2(self.act(self.linear1(x)))

    def backward(self, grad_output):
        return self.linear1.backward(self.act.backward(self.linear2.backward(grad_output)))


def test_parameter():
    p = Parameter(np.ones((2, 3)))
    assert p.shape == (2, 3) and p.dtype == np.float64
    np.testing.assert_array_equal(p.grad, np.zeros((2, 3)))
    p.grad += 5
    p.zero_grad()
    assert np.all(p.grad == 0)
    assert repr(p) == "Parameter(shape=(2, 3), dtype=float64)"
    assert Parameter(np.ones(2, dtype=np.float32)).grad.dtype == np.float32
    with pytest.raises(TypeError, match="Parameter: expected a floating-point numpy.ndarray"):
        Parameter(np.ones(2, dtype=np.int64))
    with pytest.raises(TypeError, match="Parameter: expected a floating-point numpy.ndarray"):
        Parameter([1.0, 2.0])


def test_named_parameters_follow_attribute_names():
    block = _Block()
    assert [n for n, _ in block.named_parameters()] == [
        "linear1.weight",
        "linear1.bias",
        "linear2.weight",
        "linear2.bias",
    ]
    assert block.num_parameters() == 3 * 4 + 4 + 4 * 2 + 2
    assert [type(m).__name__ for m in block.modules()] == ["_Block", "Linear", "Tanh", "Linear"]
    assert [n for n, _ in block.named_children()] == ["linear1", "act", "linear2"]


def _torch_sequential_keys():
    """The state_dict keys of torch.nn.Sequential(Linear(2, 4), ReLU(), Linear(4, 1))."""
    import torch

    reference = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    return list(reference.state_dict())


def test_sequential_keys_match_torch(torch_reference):
    model = Sequential(nnbook.Linear(2, 4, rng=0), nnbook.ReLU(), nnbook.Linear(4, 1, rng=1))
    assert list(model.state_dict()) == torch_reference(_torch_sequential_keys)
    assert len(model) == 3 and isinstance(model[1], nnbook.ReLU)


def test_sequential_matches_torch_forward_and_gradients(rng, torch_reference):
    model = Sequential(nnbook.Linear(3, 5, rng=0), nnbook.Tanh(), nnbook.Linear(5, 2, rng=1))
    x, g = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    expected = module_reference(torch_reference, model, [x], [g])
    np.testing.assert_allclose(model(x), expected["output"][0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(model.backward(g), expected["inputs"][0], rtol=1e-10, atol=1e-12)
    assert_grads_equal(model, expected["params"])


def test_custom_module_gradcheck(rng):
    errors = check_module(_Block(), rng.standard_normal((5, 3)))
    assert len(errors) == 5
    for name, err in errors.items():
        assert err < 1e-6, (name, err)


def test_train_and_eval_recurse():
    model = Sequential(_Block(), Sequential(nnbook.ReLU()))
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    assert model.train() is model
    assert all(m.training for m in model.modules())
    model.train(False)
    assert not model[1][0].training


def test_zero_grad_recurses(rng):
    block = _Block()
    block(rng.standard_normal((2, 3)))
    block.backward(np.ones((2, 2)))
    assert any(np.any(p.grad != 0) for p in block.parameters())
    block.zero_grad()
    assert all(np.all(p.grad == 0) for p in block.parameters())


def test_state_dict_is_a_copy_and_round_trips():
    a, b = _Block(), _Block()
    b.linear1.weight.data += 1.0
    state = a.state_dict()
    state["linear1.weight"] += 100.0  # editing the copy leaves the module alone
    assert np.abs(a.linear1.weight.data).max() < 1
    b.load_state_dict(a.state_dict())
    for (name, pa), (_, pb) in zip(a.named_parameters(), b.named_parameters(), strict=True):
        np.testing.assert_array_equal(pa.data, pb.data, err_msg=name)


def test_load_state_dict_errors_and_atomicity():
    block = _Block()
    before = block.state_dict()
    state = block.state_dict()
    del state["linear2.bias"]
    state["extra"] = np.zeros(1)
    message = r"missing keys \['linear2.bias'\], unexpected keys \['extra'\]"
    with pytest.raises(KeyError, match=message):
        block.load_state_dict(state)
    changed = {k: v + 1 for k, v in state.items()}
    block.load_state_dict(changed, strict=False)  # loads what matches, ignores the rest
    after = block.state_dict()
    for name in before:
        expected = before[name] + 1 if name in changed else before[name]
        np.testing.assert_array_equal(after[name], expected, err_msg=name)
    block.load_state_dict(before)
    bad = block.state_dict()
    bad["linear1.weight"] = bad["linear1.weight"] + 1
    bad["linear2.weight"] = np.zeros((3, 3))
    with pytest.raises(ValueError, match=r"linear2.weight expects shape \(2, 4\), got \(3, 3\)"):
        block.load_state_dict(bad)
    # The failed load changed nothing, not even the keys checked before the bad one.
    np.testing.assert_array_equal(block.linear1.weight.data, before["linear1.weight"])


def test_load_state_dict_casts_to_the_parameter_dtype():
    layer = nnbook.Linear(2, 2, dtype=np.float32)
    layer.load_state_dict({"weight": np.ones((2, 2)), "bias": np.zeros(2)})
    assert layer.weight.dtype == np.float32 and np.all(layer.weight.data == 1)


def test_module_list_and_errors():
    items = ModuleList([nnbook.ReLU(), nnbook.Tanh()])
    assert len(items) == 2 and [type(m).__name__ for m in items] == ["ReLU", "Tanh"]
    with pytest.raises(TypeError, match="ModuleList: item 1 is a int, not a Module"):
        ModuleList([nnbook.ReLU(), 3])
    with pytest.raises(NotImplementedError, match="Module does not implement forward"):
        Module()(np.zeros(1))
    with pytest.raises(NotImplementedError, match="Module does not implement backward"):
        Module().backward(np.zeros(1))


def test_sequential_backward_before_forward():
    # backward runs in reverse, so the last layer is the one that complains.
    with pytest.raises(RuntimeError, match="Tanh.backward called before forward"):
        Sequential(nnbook.Linear(2, 2), nnbook.Tanh()).backward(np.ones((1, 2)))


def test_repr_shows_the_tree():
    text = repr(Sequential(nnbook.Linear(2, 3), nnbook.Softmax()))
    assert text.startswith("Sequential(\n  (0): Linear(in_features=2, out_features=3, bias=True)")
    assert "(1): Softmax(dim=-1)" in text


def test_tied_parameters_are_listed_once_but_saved_under_each_name(rng):
    first = nnbook.Linear(3, 3, rng=rng)
    second = nnbook.Linear(3, 3, rng=rng)
    second.weight = first.weight  # tie the weights
    model = nnbook.Sequential(first, nnbook.Tanh(), second)
    names = [name for name, _ in model.named_parameters()]
    assert names == ["0.weight", "0.bias", "2.bias"]
    assert len(model.parameters()) == 3
    assert sorted(model.state_dict()) == ["0.bias", "0.weight", "2.bias", "2.weight"]
    nnbook.SGD(model.parameters(), lr=0.1)  # no "appears more than once" error
    x = rng.standard_normal((4, 3))
    errors = nnbook.gradcheck.check_module(model, x)
    assert max(errors.values()) < 1e-6, errors
