"""The module contract: one suite of checks, run over every public module.

The modules and how to exercise each are listed once, in ``tests/module_registry.py``. Every
check below runs on every entry (and in float64 and float32 where the module takes a dtype):

* forward and every gradient match PyTorch's (recorded, and live where it is installed);
* a finite-difference check of the input and parameter gradients (float64);
* two steps in a row without ``zero_grad`` give the same input gradients and exactly twice the
  parameter gradients; with another input, the gradients follow the last forward;
* a call of another shape between two calls of the first gives the results of a fresh module;
* an empty batch behaves as PyTorch does (or raises a clear error where PyTorch raises);
* wrong use (backward before forward, a gradient of the wrong shape or dtype, a wrong input)
  raises an error that names the module;
* ``state_dict`` round trip, ``train()``/``eval()`` reach every sub-module, each parameter is
  listed once, and the caller's arrays are never modified.
"""

from __future__ import annotations

import copy
import inspect
import warnings

import numpy as np
import pytest
from module_registry import ENTRIES, F32, F64
from torch_helpers import module_reference

import nnbook
from nnbook.counterpart import leaves, torch_spec
from nnbook.gradcheck import relative_error

RUNNABLE = [entry for entry in ENTRIES if entry.inputs is not None]
WITH_TORCH = [entry for entry in RUNNABLE if entry.torch is not None]
TOLERANCE = {F64: {"rtol": 1e-10, "atol": 1e-12}, F32: {"rtol": 1e-4, "atol": 1e-5}}


def _cases(entries, dtypes=(F64, F32)):
    return [
        pytest.param(entry, dtype, id=f"{entry.name}-{np.dtype(dtype).name}")
        for entry in entries
        for dtype in entry.dtypes
        if dtype in dtypes
    ]


def _ids(entries):
    return [pytest.param(entry, id=entry.name) for entry in entries]


# -- running a module ------------------------------------------------------------------------------
def _map(fn, tree):
    if isinstance(tree, (tuple, list)):
        return type(tree)(_map(fn, item) for item in tree)
    return None if tree is None else fn(tree)


def _build(entry, dtype=F64, seed=0):
    module = entry.build(dtype, seed)
    module.train() if entry.mode == "train" else module.eval()
    return module


def _inputs(entry, dtype=F64, batch=2, size=None, seed=1):
    size = entry.sizes[0] if size is None else size
    return entry.inputs(np.random.default_rng(seed), dtype, batch, size)


def _selected(entry, out):
    select = entry.select or (lambda out: out[0] if isinstance(out, tuple) else out)
    return select(out)


def _projection(selected, seed=2):
    """Upstream gradients for the selected outputs: random arrays of their shape and dtype (a
    float for a loss)."""
    rng = np.random.default_rng(seed)

    def draw(y):
        if np.ndim(y) == 0:
            return float(rng.standard_normal())
        return rng.standard_normal(np.shape(y)).astype(y.dtype)

    return _map(draw, selected)


def _backward(module, proj):
    grads = module.backward(*proj) if isinstance(proj, tuple) else module.backward(proj)
    return grads if isinstance(grads, tuple) else (grads,)


def _step(module, entry, args, kwargs, proj=None):
    """Forward and backward; returns (output, input gradients, projection)."""
    out = module(*args, **kwargs)
    if proj is None:
        proj = _projection(_selected(entry, out))
    return out, _backward(module, proj), proj


def _grads(module) -> dict:
    return {name: p.grad.copy() for name, p in module.named_parameters()}


def _copy(tree):
    return copy.deepcopy(tree)


def _assert_same(a, b, what=""):
    """Bit-for-bit equal nests of arrays, floats and Nones."""
    if isinstance(a, (tuple, list)):
        assert isinstance(b, (tuple, list)) and len(a) == len(b), what
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _assert_same(x, y, f"{what}[{i}]")
    elif isinstance(a, dict):
        assert sorted(a) == sorted(b), what
        for key in a:
            _assert_same(a[key], b[key], f"{what}[{key}]")
    elif a is None or b is None:
        assert a is None and b is None, what
    else:
        np.testing.assert_array_equal(a, b, err_msg=what)


def _named(module, exc) -> bool:
    """Does the error name the module, or the sub-module that refused the input?"""
    names = {type(m).__name__ for m in module.modules()}
    return any(name in str(exc) for name in names)


# -- the registry is complete ----------------------------------------------------------------------
def test_every_public_module_is_registered():
    public = {
        obj
        for name in nnbook.__all__
        if inspect.isclass(obj := getattr(nnbook, name))
        and issubclass(obj, nnbook.Module)
        and obj is not nnbook.Module
    }
    registered = {entry.cls for entry in ENTRIES}
    missing = sorted(cls.__name__ for cls in public - registered)
    assert not missing, f"modules without a registry entry: {missing}"
    for entry in ENTRIES:
        assert type(entry.build(F64, 0)) is entry.cls, entry.name


@pytest.mark.parametrize("entry", _ids(ENTRIES))
def test_an_entry_without_torch_says_why(entry):
    if entry.torch is None:
        assert entry.no_torch
        if entry.inputs is not None:  # the reason is true: torch.nn has no such module
            with pytest.raises(LookupError):
                torch_spec(_build(entry))
    else:
        assert not entry.no_torch


# -- 1. PyTorch ------------------------------------------------------------------------------------
def _torch_loss(name, x, target, grad):
    """A torch.nn.functional loss and the gradient of ``grad * loss`` for its input."""
    import torch

    xt = torch.from_numpy(x.copy()).requires_grad_(True)
    value = getattr(torch.nn.functional, name)(xt, torch.from_numpy(target.copy()))
    (value * grad).backward()
    return {"value": float(value.detach()), "grad": xt.grad.numpy()}


def _chosen(out, selected) -> list[int]:
    flat = leaves(out)
    return [next(i for i, o in enumerate(flat) if o is s) for s in leaves(selected)]


@pytest.mark.parametrize(("entry", "dtype"), _cases(WITH_TORCH))
def test_matches_torch(entry, dtype, torch_reference):
    module = _build(entry, dtype)
    args, kwargs = _inputs(entry, dtype)
    state = module.state_dict()
    out, grads, proj = _step(module, entry, args, kwargs)
    tol = TOLERANCE[dtype]
    if entry.torch != "module":  # a loss: torch's functional form
        expected = torch_reference(_torch_loss, entry.torch, *args, proj)
        np.testing.assert_allclose(out, expected["value"], **tol)
        np.testing.assert_allclose(grads[0], expected["grad"], **tol)
        return
    module.load_state_dict(state)  # the weights torch gets are those of the forward pass
    chosen = _chosen(out, _selected(entry, out))
    expected = module_reference(
        torch_reference, module, args, leaves(proj), chosen=chosen, **kwargs
    )
    for i, (ours, theirs) in enumerate(zip(leaves(out), expected["output"], strict=True)):
        np.testing.assert_allclose(ours, theirs, err_msg=f"output {i}", **tol)
    position = 0
    for i, arg in enumerate(args):
        n = len(leaves(arg))
        theirs = expected["inputs"][position : position + n]
        position += n
        ours = grads[i] if i < len(grads) else None
        if any(t is None for t in theirs):  # indices or masks: no gradient in either
            assert ours is None, f"input {i}"
            continue
        for j, (o, t) in enumerate(zip(leaves(ours), theirs, strict=True)):
            np.testing.assert_allclose(o, t, err_msg=f"gradient of input {i}.{j}", **tol)
    for name, p in module.named_parameters():
        np.testing.assert_allclose(p.grad, expected["params"][name], err_msg=name, **tol)


# -- 2. Finite differences -------------------------------------------------------------------------
ENTRIES_CHECKED = 12  # entries of each array checked by finite differences (all, if fewer)


@pytest.mark.parametrize("entry", _ids(RUNNABLE))
def test_gradients_match_finite_differences(entry):
    module = _build(entry)
    args, kwargs = _inputs(entry)
    module.zero_grad()
    _, grads, proj = _step(module, entry, args, kwargs)
    analytic = _grads(module)

    def loss() -> float:
        selected = _selected(entry, module(*args, **kwargs))
        pairs = zip(leaves(proj), leaves(selected), strict=True)
        return float(sum(np.sum(p * y) for p, y in pairs))

    targets = [(name, p.data, analytic[name]) for name, p in module.named_parameters()]
    for i, arg in enumerate(args):
        grad = grads[i] if i < len(grads) else None
        if grad is not None:
            targets += [
                (f"input {i}.{j}", x, g)
                for j, (x, g) in enumerate(zip(leaves(arg), leaves(grad), strict=True))
            ]
    assert targets, "nothing to check"
    rng = np.random.default_rng(3)
    eps = 1e-6
    for name, value, grad in targets:
        flat = value.reshape(-1)
        assert np.shares_memory(flat, value), name
        picked = rng.choice(flat.size, min(flat.size, ENTRIES_CHECKED), replace=False)
        numeric = np.empty(len(picked))
        for k, index in enumerate(picked):
            old = flat[index]
            flat[index] = old + eps
            plus = loss()
            flat[index] = old - eps
            minus = loss()
            flat[index] = old
            numeric[k] = (plus - minus) / (2 * eps)
        error = relative_error(grad.reshape(-1)[picked], numeric)
        assert error < 1e-6, (name, error)


# -- 3. Two steps in a row -------------------------------------------------------------------------
@pytest.mark.parametrize(("entry", "dtype"), _cases(RUNNABLE))
def test_two_steps_accumulate_and_follow_the_last_forward(entry, dtype):
    module = _build(entry, dtype)
    args, kwargs = _inputs(entry, dtype)
    _, first, proj = _step(module, entry, args, kwargs)
    first, once = _copy(first), _grads(module)
    _, second, _ = _step(module, entry, args, kwargs, proj)
    _assert_same(second, first, "input gradients of the second step")
    for name, p in module.named_parameters():
        np.testing.assert_array_equal(p.grad, 2 * once[name], err_msg=name)

    # Another input on the second step: the gradients are those of that input alone.
    other_args, other_kwargs = _inputs(entry, dtype, seed=5)
    _, other, other_proj = _step(module, entry, other_args, other_kwargs)
    fresh = _build(entry, dtype)
    _, expected, _ = _step(fresh, entry, other_args, other_kwargs, other_proj)
    _assert_same(other, expected, "input gradients after another input")
    for name, p in module.named_parameters():
        expected_grad = 2 * once[name] + dict(fresh.named_parameters())[name].grad
        np.testing.assert_array_equal(p.grad, expected_grad, err_msg=name)


# -- 4. Shape changes ------------------------------------------------------------------------------
@pytest.mark.parametrize(("entry", "dtype"), _cases(RUNNABLE))
def test_a_call_of_another_shape_leaves_no_trace(entry, dtype):
    module = _build(entry, dtype)
    shapes = [(2, entry.sizes[0]), (3, entry.sizes[1]), (2, entry.sizes[0])]
    for call, (batch, size) in enumerate(shapes):
        args, kwargs = _inputs(entry, dtype, batch, size, seed=10 + call)
        module.zero_grad()
        out, grads, proj = _step(module, entry, args, kwargs)
        fresh = _build(entry, dtype)
        fresh_out, fresh_grads, _ = _step(fresh, entry, args, kwargs, proj)
        what = f"call {call + 1}, batch {batch}, size {size}"
        _assert_same(out, fresh_out, f"output, {what}")
        _assert_same(grads, fresh_grads, f"input gradients, {what}")
        _assert_same(_grads(module), _grads(fresh), f"parameter gradients, {what}")


# -- 5. Empty batch --------------------------------------------------------------------------------
def _empty_batch_result(module, entry, args, kwargs):
    """nnbook on a batch of 0: forward, and backward with zero gradients."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # torch neither warns nor fails here; nnbook must not
        out = module(*args, **kwargs)
        proj = _map(lambda y: np.zeros_like(y) if np.ndim(y) else 1.0, _selected(entry, out))
        grads = _backward(module, proj)
    return out, grads


@pytest.mark.parametrize("entry", _ids(RUNNABLE))
def test_an_empty_batch_behaves_as_in_torch(entry, torch_reference):
    module = _build(entry)
    args, kwargs = _inputs(entry, batch=0)
    if entry.torch is None:
        expected = {"works": "", "raises": "an error"}[entry.empty_batch]
    else:
        expected = torch_reference(_torch_empty_batch_run, *_empty_arguments(entry, module))
    if expected if isinstance(expected, str) else expected["raised"]:
        with pytest.raises((ValueError, TypeError)) as excinfo:
            _empty_batch_result(module, entry, args, kwargs)
        assert _named(module, excinfo.value), str(excinfo.value)
        return
    out, grads = _empty_batch_result(module, entry, args, kwargs)
    if isinstance(expected, dict):
        ours = [list(np.shape(leaf)) for leaf in leaves(out)]
        assert ours == expected["output_shapes"], (ours, expected)
        if "value" in expected:
            assert np.isnan(out) == np.isnan(expected["value"])
    for i, arg in enumerate(args):
        grad = grads[i] if i < len(grads) else None
        if grad is not None:
            for x, g in zip(leaves(arg), leaves(grad), strict=True):
                assert g.shape == x.shape and g.dtype == x.dtype, (i, g.shape, x.shape)
    for name, p in module.named_parameters():
        assert not p.grad.any(), f"{name}: a batch of 0 contributes no gradient"


def _empty_arguments(entry, module):
    args, kwargs = _inputs(entry, batch=0)
    if entry.torch != "module":
        return (None, {}, args, {}, entry.torch)
    # What torch does with no samples depends on the shapes of the weights, not on their values;
    # zeros keep the record small.
    zeros = {name: np.zeros_like(value) for name, value in module.state_dict().items()}
    return (torch_spec(module), zeros, args, kwargs, "")


def _torch_empty_batch_run(spec, state, args, kwargs, loss):
    """torch on a batch of 0: the output shapes (and a loss's value), or the error's name."""
    from nnbook.counterpart import build_torch, to_torch_inputs

    try:
        if loss:
            result = _torch_loss(loss, *args, 1.0)
            return {"raised": "", "value": result["value"], "output_shapes": [[]]}
        t_args, t_kwargs = to_torch_inputs(spec, args, kwargs)
        out = leaves(build_torch(spec, state)(*t_args, **t_kwargs))
        sum(y.sum() for y in out).backward()
    except Exception as exc:  # noqa: BLE001 - torch's error is the result
        return {"raised": type(exc).__name__}
    return {"raised": "", "output_shapes": [list(y.shape) for y in out]}


# -- 6. Errors that name the module ----------------------------------------------------------------
@pytest.mark.parametrize("entry", _ids(RUNNABLE))
def test_backward_before_forward_names_the_module(entry):
    args, kwargs = _inputs(entry)
    donor = _build(entry)
    proj = _projection(_selected(entry, donor(*args, **kwargs)))
    module = _build(entry)
    with pytest.raises(RuntimeError, match="backward called before forward") as excinfo:
        _backward(module, proj)
    assert _named(module, excinfo.value), str(excinfo.value)  # a container names the sub-module


@pytest.mark.parametrize("entry", _ids(RUNNABLE))
def test_a_gradient_of_the_wrong_shape_or_dtype_names_the_module(entry):
    module = _build(entry)
    args, kwargs = _inputs(entry)
    proj = _projection(_selected(entry, module(*args, **kwargs)))
    if not isinstance(proj, (tuple, np.ndarray)):  # a loss: its gradient is a number
        with pytest.raises(TypeError, match=type(module).__name__):
            _backward(module, np.ones(2))
        return
    longer = _map(lambda g: np.concatenate([g, g[:1]]), proj)
    with pytest.raises(ValueError) as excinfo:
        _backward(module, longer)
    assert _named(module, excinfo.value), str(excinfo.value)
    float32 = _map(lambda g: g.astype(F32), proj)
    with pytest.raises(TypeError) as excinfo:
        _backward(module, float32)
    assert _named(module, excinfo.value), str(excinfo.value)


@pytest.mark.parametrize("entry", _ids([entry for entry in RUNNABLE if entry.wrong_input]))
def test_a_wrong_input_names_the_module(entry):
    module = _build(entry)
    args, kwargs = entry.wrong_input(*_inputs(entry))
    with pytest.raises((ValueError, TypeError)) as excinfo:
        module(*args, **kwargs)
    assert _named(module, excinfo.value), str(excinfo.value)


# -- 7. State, modes, parameters, the caller's arrays ----------------------------------------------
@pytest.mark.parametrize("entry", _ids(ENTRIES))
def test_state_dict_round_trip(entry):
    source, target = _build(entry, seed=0), _build(entry, seed=1)
    state = source.state_dict()
    assert list(state) == list(target.state_dict())
    target.load_state_dict(state)
    _assert_same(target.state_dict(), state, "state after loading")
    if entry.inputs is not None:
        args, kwargs = _inputs(entry)
        _assert_same(target(*args, **kwargs), source(*args, **kwargs), "output after loading")


@pytest.mark.parametrize("entry", _ids(ENTRIES))
def test_train_and_eval_reach_every_sub_module(entry):
    module = _build(entry)
    module.eval()
    assert not any(m.training for m in module.modules())
    module.train()
    assert all(m.training for m in module.modules())


@pytest.mark.parametrize("entry", _ids(ENTRIES))
def test_each_parameter_is_listed_once(entry):
    module = _build(entry)
    listed = [id(p) for p in module.parameters()]
    assert len(set(listed)) == len(listed) == len(dict(module.named_parameters()))
    held = {
        id(value)
        for m in module.modules()
        for value in vars(m).values()
        if isinstance(value, nnbook.Parameter)
    }
    assert set(listed) == held


@pytest.mark.parametrize(("entry", "dtype"), _cases(RUNNABLE))
def test_the_callers_arrays_are_not_modified(entry, dtype):
    module = _build(entry, dtype)
    args, kwargs = _inputs(entry, dtype)
    proj = _projection(_selected(entry, _build(entry, dtype)(*args, **kwargs)))
    before = _copy((args, kwargs, proj))
    _step(module, entry, args, kwargs, proj)
    _step(module, entry, args, kwargs, proj)
    _assert_same((args, kwargs, proj), before, "the caller's arrays")
