"""Embedding: lookup shapes, gradient accumulation, padding_idx, torch cross-check, errors."""

import numpy as np
import pytest
from torch_helpers import assert_grads_equal, module_reference

import nnbook
from nnbook.gradcheck import check_module


@pytest.mark.parametrize("shape", [(), (5,), (2, 3), (2, 3, 4)])
def test_shapes(shape, rng):
    emb = nnbook.Embedding(10, 4, rng=0)
    idx = rng.integers(0, 10, size=shape)
    out = emb(idx)
    assert out.shape == shape + (4,)
    np.testing.assert_array_equal(out, emb.weight.data[idx])
    assert emb.backward(np.ones(shape + (4,))) is None  # integer indices have no gradient


def test_init_is_standard_normal_and_padding_row_zero():
    emb = nnbook.Embedding(400, 50, padding_idx=3, rng=0)
    np.testing.assert_array_equal(emb.weight.data[3], 0)
    assert abs(emb.weight.data.mean()) < 0.02
    assert abs(emb.weight.data.std() - 1) < 0.02


def test_gradcheck_with_repeated_indices(rng):
    emb = nnbook.Embedding(6, 3, rng=0)
    idx = np.array([[0, 2, 2], [5, 0, 2]])  # repeats must add up
    errors = check_module(emb, idx)
    assert set(errors) == {"weight"}
    assert errors["weight"] < 1e-6


def test_repeated_index_collects_the_sum_of_its_gradients():
    emb = nnbook.Embedding(4, 2, rng=0)
    emb(np.array([1, 1, 1, 3]))
    emb.backward(np.ones((4, 2)))
    np.testing.assert_array_equal(emb.weight.grad, [[0, 0], [3, 3], [0, 0], [1, 1]])


def test_second_backward_adds_exactly_the_same_gradient(rng):
    """Regression: scattering straight into .grad made the second step round differently."""
    emb = nnbook.Embedding(7, 4, rng=0)
    indices, grad = rng.integers(0, 7, (2, 5)), rng.standard_normal((2, 5, 4))
    emb(indices)
    emb.backward(grad)
    once = emb.weight.grad.copy()
    emb(indices)
    emb.backward(grad)
    np.testing.assert_array_equal(emb.weight.grad, 2 * once)


def _torch_padding_idx(num_embeddings, embedding_dim, padding_idx):
    """torch.nn.Embedding's padding_idx after it resolves a negative one."""
    import torch

    return torch.nn.Embedding(num_embeddings, embedding_dim, padding_idx=padding_idx).padding_idx


@pytest.mark.parametrize("padding_idx", [None, 2, -1])
def test_matches_torch(padding_idx, rng, torch_reference):
    emb = nnbook.Embedding(7, 3, padding_idx=padding_idx, rng=1)
    assert emb.padding_idx == torch_reference(_torch_padding_idx, 7, 3, padding_idx)
    idx = rng.integers(0, 7, size=(4, 5))
    idx[0, :3] = [2, 6, 2]  # make sure the padding rows appear
    grad = rng.standard_normal((4, 5, 3))
    out = emb(idx)
    expected = module_reference(torch_reference, emb, [idx], [grad])
    np.testing.assert_allclose(out, expected["output"][0], rtol=0, atol=0)
    emb.backward(grad)
    assert_grads_equal(emb, expected["params"])
    if padding_idx is not None:
        np.testing.assert_array_equal(emb.weight.grad[emb.padding_idx], 0)


def test_float32(rng):
    emb = nnbook.Embedding(5, 3, rng=0, dtype=np.float32)
    out = emb(np.array([[1, 4]]))
    assert out.dtype == np.float32
    emb.backward(np.ones((1, 2, 3), dtype=np.float32))
    assert emb.weight.grad.dtype == np.float32
    np.testing.assert_array_equal(emb.weight.grad.sum(axis=1), [0, 3, 0, 0, 3])


def test_errors(rng):
    emb = nnbook.Embedding(5, 3)
    with pytest.raises(RuntimeError, match="Embedding.backward called before forward"):
        emb.backward(np.ones((2, 3)))
    with pytest.raises(TypeError, match="Embedding: expected indices to be a numpy.ndarray"):
        emb([1, 2])
    with pytest.raises(TypeError, match="integer dtype, got float64"):
        emb(np.array([1.0, 2.0]))
    with pytest.raises(TypeError, match="integer dtype, got bool"):
        emb(np.array([True, False]))
    with pytest.raises(ValueError, match=r"indices must be in \[0, 5\), got values from 0 to 5"):
        emb(np.array([0, 5]))
    with pytest.raises(ValueError, match=r"indices must be in \[0, 5\), got values from -1 to 2"):
        emb(np.array([2, -1]))
    emb(np.array([[0, 1]]))
    with pytest.raises(
        ValueError, match=r"grad_output of shape \(1, 2, 3\) \(the output's\), got \(2, 3\)"
    ):
        emb.backward(np.ones((2, 3)))
    with pytest.raises(TypeError, match="expected grad_output of dtype float64"):
        emb.backward(np.ones((1, 2, 3), dtype=np.float32))
    with pytest.raises(ValueError, match="Embedding: num_embeddings must be positive"):
        nnbook.Embedding(0, 3)
    with pytest.raises(TypeError, match="Embedding: embedding_dim must be an int"):
        nnbook.Embedding(5, 3.0)
    with pytest.raises(ValueError, match=r"padding_idx must be in \[-5, 5\), got 5"):
        nnbook.Embedding(5, 3, padding_idx=5)
    with pytest.raises(TypeError, match="padding_idx must be an int or None"):
        nnbook.Embedding(5, 3, padding_idx=1.0)
    with pytest.raises(TypeError, match="dtype must be float32 or float64"):
        nnbook.Embedding(5, 3, dtype=np.int64)


def test_indices_are_cached_by_copy(rng):
    emb = nnbook.Embedding(5, 2, rng=0)
    idx = np.array([1, 2])
    emb(idx)
    idx[:] = 4  # the caller reuses its buffer
    emb.backward(np.ones((2, 2)))
    np.testing.assert_array_equal(emb.weight.grad[:, 0], [0, 1, 1, 0, 0])
