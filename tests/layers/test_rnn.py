"""RNN, LSTM and GRU over sequences: shapes, gradient checks, torch cross-checks, errors.

Every test runs for each kind of module (tanh RNN, ReLU RNN, LSTM, GRU); the LSTM-only tests are
in test_lstm.py and the cells in test_rnn_cells.py.
"""

import numpy as np
import pytest
from rnn_helpers import CELLS, KINDS, Flat, make, num_states, random_states, torch_state_shapes
from torch_helpers import assert_grads_equal, module_reference

import nnbook
from nnbook.gradcheck import check_module

ALL = list(KINDS)


def _outputs(kind, module, x, init):
    """forward with the right calling convention; returns (output, tuple of final states)."""
    if kind == "lstm":
        output, final = module(x, tuple(init) if init else None)
        return output, final
    output, h_n = module(x, init[0] if init else None)
    return output, (h_n,)


def _backward(kind, module, grad_output, grad_final):
    if kind == "lstm":
        return module.backward(grad_output, grad_final)
    return module.backward(grad_output, grad_final[0])


# -- shapes and parameters ---------------------------------------------------------------------
@pytest.mark.parametrize("kind", ALL)
@pytest.mark.parametrize("N, T, D, H, L", [(1, 1, 1, 1, 1), (2, 5, 3, 4, 1), (3, 4, 2, 5, 3)])
def test_shapes(kind, N, T, D, H, L, rng):
    module = make(kind, D, H, L)
    x = rng.standard_normal((N, T, D))
    output, final = _outputs(kind, module, x, ())
    assert output.shape == (N, T, H)
    assert len(final) == num_states(kind)
    assert all(f.shape == (L, N, H) for f in final)
    grad_x = _backward(kind, module, np.ones_like(output), (None,) * num_states(kind))
    assert grad_x.shape == x.shape


@pytest.mark.parametrize("kind", ALL)
def test_output_is_last_layer_states_and_h_n_its_last_step(kind, rng):
    module = make(kind, 3, 4, num_layers=2)
    output, final = _outputs(kind, module, rng.standard_normal((2, 5, 3)), ())
    np.testing.assert_array_equal(output[:, -1], final[0][-1])


@pytest.mark.parametrize("kind", ALL)
@pytest.mark.parametrize("bias", [True, False])
def test_parameter_names_and_shapes_are_torchs(kind, bias, torch_reference):
    module = make(kind, 3, 4, 2, bias=bias)
    ours = {k: v.shape for k, v in module.state_dict().items()}
    theirs = dict(torch_reference(torch_state_shapes, kind, 3, 4, 2, bias))
    assert list(ours) == list(theirs)
    assert ours == theirs


@pytest.mark.parametrize("kind", ALL)
def test_init_is_uniform_within_one_over_sqrt_hidden(kind):
    module = make(kind, 6, 16, 2, rng=1)
    for name, p in module.named_parameters():
        assert np.abs(p.data).max() <= 1 / np.sqrt(16), name
        assert p.data.std() > 0.5 / np.sqrt(3 * 16), name  # U(-b, b) has std b / sqrt(3)
    again = make(kind, 6, 16, 2, rng=1)
    for (name, p), (_, q) in zip(module.named_parameters(), again.named_parameters(), strict=True):
        np.testing.assert_array_equal(p.data, q.data, err_msg=name)


# -- gradient checks ---------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ALL)
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("with_init", [False, True])
@pytest.mark.parametrize("use", ["output", "final", "both"])
def test_gradcheck(kind, num_layers, with_init, use, rng):
    N, T, D, H = 2, 3, 2, 3
    use_output, use_final = use in ("output", "both"), use in ("final", "both")
    module = Flat(make(kind, D, H, num_layers), use_output, use_final)
    x = rng.standard_normal((N, T, D))
    init = random_states(kind, rng, (num_layers, N, H)) if with_init else ()
    errors = check_module(module, x, *init, select=lambda out: out)
    expected = 1 + len(init) + len(list(module.parameters()))
    assert len(errors) == expected
    for name, err in errors.items():
        assert err < 1e-6, (name, err)


@pytest.mark.parametrize("kind", ALL)
def test_gradcheck_of_the_module_itself_with_select(kind, rng):
    """The documented calling convention works with check_module directly."""
    module = make(kind, 3, 4, 2)
    x = rng.standard_normal((2, 3, 3))
    errors = check_module(module, x, select=lambda out: out)  # grad of output and final state
    assert set(errors) == {"input0"} | {name for name, _ in module.named_parameters()}
    for name, err in errors.items():
        assert err < 1e-6, (name, err)


def test_gradcheck_without_bias(rng):
    for kind in ALL:
        module = Flat(make(kind, 2, 3, 2, bias=False))
        errors = check_module(
            module,
            rng.standard_normal((2, 3, 2)),
            *random_states(kind, rng, (2, 2, 3)),
            select=lambda out: out,
        )
        # The input, every initial state and every weight (there are no biases) were checked.
        params = {name for name, _ in module.named_parameters()}
        assert params and not any("bias" in name for name in params)
        assert (
            set(errors) == {"input0"} | {f"input{i + 1}" for i in range(num_states(kind))} | params
        )
        for name, err in errors.items():
            assert err < 1e-6, (kind, name, err)


# -- cross-checks against torch ----------------------------------------------------------------
@pytest.mark.parametrize("kind", ALL)
@pytest.mark.parametrize(
    "num_layers, with_init, use, bias",
    [
        (1, False, "output", True),
        (1, True, "final", True),
        (1, True, "both", True),
        (2, False, "final", True),
        (2, True, "output", True),
        (2, True, "both", True),
        (2, True, "both", False),
    ],
)
def test_matches_torch(kind, num_layers, with_init, use, bias, rng, torch_reference):
    N, T, D, H = 3, 6, 4, 5
    module = make(kind, D, H, num_layers, bias=bias, rng=1)
    x = rng.standard_normal((N, T, D))
    init = random_states(kind, rng, (num_layers, N, H)) if with_init else ()
    grad_output = rng.standard_normal((N, T, H)) if use != "final" else None
    grad_final = tuple(
        rng.standard_normal((num_layers, N, H)) if use != "output" else None
        for _ in range(num_states(kind))
    )

    output, final = _outputs(kind, module, x, init)
    grad_x = _backward(kind, module, grad_output, grad_final)
    # torch's output leaves are (output, h_n) or (output, h_n, c_n); the loss takes the given ones.
    given = [(i, g) for i, g in enumerate((grad_output, *grad_final)) if g is not None]
    state = (tuple(init) if kind == "lstm" else init[0]) if with_init else None
    expected = module_reference(
        torch_reference,
        module,
        [x, state],
        [g for _, g in given],
        chosen=[i for i, _ in given],
    )
    t_output, *t_final = expected["output"]
    t_grad_x, *t_grad_init = expected["inputs"]  # the gradients of x and of each initial state
    np.testing.assert_allclose(output, t_output, atol=1e-12, rtol=1e-10)
    for ours, theirs in zip(final, t_final, strict=True):
        np.testing.assert_allclose(ours, theirs, atol=1e-12, rtol=1e-10)
    np.testing.assert_allclose(grad_x, t_grad_x, atol=1e-10, rtol=1e-8)
    grad_init = module.grad_state if kind == "lstm" else (module.grad_h0,)
    if with_init:
        for ours, theirs in zip(grad_init, t_grad_init, strict=True):
            np.testing.assert_allclose(ours, theirs, atol=1e-10, rtol=1e-8)
    else:
        assert grad_init in (None, (None,))
    assert_grads_equal(module, expected["params"])


@pytest.mark.parametrize("kind", ALL)
def test_gradients_accumulate_over_backward_calls(kind, rng):
    module = make(kind, 3, 4, 2)
    x, g = rng.standard_normal((2, 3, 3)), rng.standard_normal((2, 3, 4))
    _outputs(kind, module, x, ())
    _backward(kind, module, g, (None,) * num_states(kind))
    once = {name: p.grad.copy() for name, p in module.named_parameters()}
    _backward(kind, module, g, (None,) * num_states(kind))
    for name, p in module.named_parameters():
        np.testing.assert_allclose(p.grad, 2 * once[name], rtol=1e-12, err_msg=name)


@pytest.mark.parametrize("kind", KINDS)
def test_an_empty_batch_gives_empty_outputs_as_torch(kind):
    """Regression: a batch of 0 sequences was refused; torch returns empty outputs."""
    module = make(kind, 3, 4, num_layers=2)
    output, final = module(np.zeros((0, 5, 3)))
    assert output.shape == (0, 5, 4)
    for state in final if kind == "lstm" else (final,):
        assert state.shape == (2, 0, 4)
    assert module.backward(np.zeros((0, 5, 4))).shape == (0, 5, 3)
    assert not any(p.grad.any() for p in module.parameters())


@pytest.mark.parametrize("kind", ALL)
def test_sequence_module_equals_a_loop_over_cells(kind, rng):
    """The fast module computes exactly what one cell per step computes (forward and BPTT)."""
    N, T, D, H = 2, 4, 3, 5
    module = make(kind, D, H)
    cell_cls, _, extra = CELLS[kind]
    cells = []
    for _ in range(T):
        cell = cell_cls(D, H, **extra)
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            setattr(cell, name, getattr(module, name + "_l0"))  # shared Parameter objects
        cells.append(cell)
    x, grad_output = rng.standard_normal((N, T, D)), rng.standard_normal((N, T, H))

    state, hs = None, []
    for t in range(T):
        state = cells[t](x[:, t], state)
        hs.append(state[0] if kind == "lstm" else state)
    grad_x_cells = np.zeros_like(x)
    grad_h, grad_c = np.zeros((N, H)), None
    for t in reversed(range(T)):
        grad_h = grad_h + grad_output[:, t]
        if kind == "lstm":
            grad_x_cells[:, t], prev = cells[t].backward(grad_h, grad_c)
            grad_h, grad_c = prev if prev is not None else (None, None)
        else:
            grad_x_cells[:, t], grad_h = cells[t].backward(grad_h)
    cell_grads = {name: p.grad.copy() for name, p in module.named_parameters()}

    module.zero_grad()
    output, _ = _outputs(kind, module, x, ())
    grad_x = _backward(kind, module, grad_output, (None,) * num_states(kind))
    np.testing.assert_allclose(output, np.stack(hs, axis=1), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(grad_x, grad_x_cells, rtol=1e-10, atol=1e-13)
    for name, p in module.named_parameters():
        np.testing.assert_allclose(p.grad, cell_grads[name], rtol=1e-10, atol=1e-13)


# -- float32 -----------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ALL)
def test_float32_end_to_end(kind, rng):
    m64 = make(kind, 3, 6, 2)
    m32 = make(kind, 3, 6, 2, dtype=np.float32)
    m32.load_state_dict(m64.state_dict())
    x = rng.standard_normal((4, 7, 3))
    init = random_states(kind, rng, (2, 4, 6))
    g = rng.standard_normal((4, 7, 6))
    out64, final64 = _outputs(kind, m64, x, init)
    out32, final32 = _outputs(
        kind, m32, x.astype(np.float32), tuple(s.astype(np.float32) for s in init)
    )
    gfinal = tuple(np.ones_like(f) for f in final64)
    gx64 = _backward(kind, m64, g, gfinal)
    gx32 = _backward(kind, m32, g.astype(np.float32), tuple(f.astype(np.float32) for f in gfinal))
    assert out32.dtype == gx32.dtype == np.float32
    assert all(f.dtype == np.float32 for f in final32)
    np.testing.assert_allclose(out32, out64, atol=1e-5)
    np.testing.assert_allclose(gx32, gx64, atol=1e-4)
    for (name, p32), (_, p64) in zip(m32.named_parameters(), m64.named_parameters(), strict=True):
        assert p32.grad.dtype == np.float32, name
        np.testing.assert_allclose(p32.grad, p64.grad, atol=1e-4, rtol=1e-4, err_msg=name)


# -- errors ------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ALL)
def test_constructor_errors(kind):
    cls, _, extra = KINDS[kind]
    name = cls.__name__
    with pytest.raises(ValueError, match=f"{name}: input_size must be positive"):
        cls(0, 4, **extra)
    with pytest.raises(TypeError, match=f"{name}: hidden_size must be an int"):
        cls(3, 4.0, **extra)
    with pytest.raises(ValueError, match=f"{name}: num_layers must be positive"):
        cls(3, 4, 0, **extra)
    with pytest.raises(ValueError, match="only batch_first=True is supported"):
        cls(3, 4, batch_first=False, **extra)
    with pytest.raises(TypeError, match="dtype must be float32 or float64"):
        cls(3, 4, dtype=np.int64, **extra)


def test_rnn_nonlinearity_error():
    with pytest.raises(ValueError, match="RNN: nonlinearity must be 'tanh' or 'relu', got 'sig'"):
        nnbook.RNN(3, 4, nonlinearity="sig")


@pytest.mark.parametrize("kind", ALL)
def test_forward_errors(kind, rng):
    module = make(kind, 3, 4, num_layers=2)
    name = type(module).__name__
    x = rng.standard_normal((2, 5, 3))
    with pytest.raises(TypeError, match=f"{name}: expected input to be a numpy.ndarray"):
        module(x.tolist())
    with pytest.raises(ValueError, match=r"expected 3-D input, got shape \(5, 3\)"):
        module(x[0])
    with pytest.raises(ValueError, match=r"last dimension 3, got shape \(2, 5, 2\)"):
        module(x[..., :2])
    with pytest.raises(TypeError, match="expected input of dtype float64.*got float32"):
        module(x.astype(np.float32))
    with pytest.raises(TypeError, match="floating-point dtype, got int64"):
        module(x.astype(np.int64))
    with pytest.raises(ValueError, match="T >= 1"):
        module(x[:, :0])
    state_name = "h0"
    wrong = rng.standard_normal((1, 2, 4))  # num_layers is 2
    bad_state = (wrong, wrong) if kind == "lstm" else wrong
    with pytest.raises(
        ValueError,
        match=rf"expected {state_name} of shape \(num_layers, N, "
        r"hidden_size\) = \(2, 2, 4\), got \(1, 2, 4\)",
    ):
        module(x, bad_state)
    wrong = rng.standard_normal((2, 2, 4)).astype(np.float32)
    bad_state = (wrong, wrong) if kind == "lstm" else wrong
    with pytest.raises(TypeError, match="expected h0 of dtype float64"):
        module(x, bad_state)


@pytest.mark.parametrize("kind", ALL)
def test_backward_errors(kind, rng):
    module = make(kind, 3, 4)
    empty = (None,) * num_states(kind)
    with pytest.raises(RuntimeError, match="backward called before forward"):
        _backward(kind, module, np.ones((2, 5, 4)), empty)
    _outputs(kind, module, rng.standard_normal((2, 5, 3)), ())
    with pytest.raises(
        ValueError, match=r"grad_output of shape \(2, 5, 4\) \(the output's\), got \(2, 4, 4\)"
    ):
        _backward(kind, module, np.ones((2, 4, 4)), empty)
    with pytest.raises(
        ValueError, match=r"grad_h_n of shape \(1, 2, 4\) \(the output's\), got \(2, 4\)"
    ):
        _backward(kind, module, None, (np.ones((2, 4)),) * num_states(kind))
