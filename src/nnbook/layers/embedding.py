"""A lookup table of learned vectors: ``Embedding``."""

from __future__ import annotations

import numpy as np

from .._validation import check_dtype, check_grad, check_positive_int
from ..init import make_rng
from ..module import Module, Parameter


class Embedding(Module):
    """Maps integer indices to rows of a learned table, as ``torch.nn.Embedding``.

    Looking up row :math:`k` is the same as multiplying the one-hot vector :math:`e_k` by the
    table, without building the one-hot vector.

    Parameters
    ----------
    num_embeddings : int
        Number of rows (the vocabulary size).
    embedding_dim : int
        Length of each vector.
    padding_idx : int, optional
        A row that starts at zero and never receives a gradient (torch's convention), e.g. the
        index used to pad sequences to a common length. Negative values count from the end.
    rng : numpy.random.Generator or int, optional
        Draws the initial table from :math:`\\mathcal{N}(0, 1)`, as torch.
    dtype : float32 or float64

    Attributes
    ----------
    weight : Parameter, shape (num_embeddings, embedding_dim)

    Shape
    -----
    indices : any shape ``S``, integer dtype, values in ``[0, num_embeddings)``
    -> output : ``S + (embedding_dim,)``.

    ``backward(grad_output)`` adds into ``weight.grad`` and returns None: integer indices have
    no gradient.

    Notes
    -----
    With :math:`G` the upstream gradient, :math:`\\partial L / \\partial W_k = \\sum_{j : i_j = k}
    G_j`: an index that appears several times collects the sum of its gradients, which is why
    the backward pass uses ``np.add.at`` (plain ``W[idx] += G`` would keep only one of them).

    See the chapter :doc:`/rnn`.
    """

    def __init__(
        self, num_embeddings, embedding_dim, padding_idx=None, *, rng=None, dtype=np.float64
    ):
        super().__init__()
        self.num_embeddings = check_positive_int(self, num_embeddings, "num_embeddings")
        self.embedding_dim = check_positive_int(self, embedding_dim, "embedding_dim")
        if padding_idx is not None:
            if isinstance(padding_idx, bool) or not isinstance(padding_idx, (int, np.integer)):
                raise TypeError(
                    f"Embedding: padding_idx must be an int or None, got "
                    f"{type(padding_idx).__name__}"
                )
            if not -self.num_embeddings <= padding_idx < self.num_embeddings:
                raise ValueError(
                    f"Embedding: padding_idx must be in [-{self.num_embeddings}, "
                    f"{self.num_embeddings}), got {padding_idx}"
                )
            padding_idx = int(padding_idx) % self.num_embeddings
        self.padding_idx = padding_idx
        dtype = check_dtype(self, dtype)
        table = make_rng(rng).standard_normal((self.num_embeddings, self.embedding_dim))
        if padding_idx is not None:
            table[padding_idx] = 0
        self.weight = Parameter(table.astype(dtype, copy=False))
        self._indices = None

    def forward(self, indices: np.ndarray) -> np.ndarray:
        if not isinstance(indices, np.ndarray):
            raise TypeError(
                f"Embedding: expected indices to be a numpy.ndarray, got {type(indices).__name__}"
            )
        if not np.issubdtype(indices.dtype, np.integer):
            raise TypeError(
                f"Embedding: expected indices with an integer dtype, got {indices.dtype}"
            )
        if indices.size and (indices.min() < 0 or indices.max() >= self.num_embeddings):
            raise ValueError(
                f"Embedding: indices must be in [0, {self.num_embeddings}), got values from "
                f"{indices.min()} to {indices.max()}"
            )
        self._indices = indices.copy()  # cached for backward; a copy, in case the caller reuses it
        return self.weight.data[indices]  # indices.shape + (embedding_dim,)

    def backward(self, grad_output: np.ndarray) -> None:
        indices = self._require_cache(self._indices)
        expected = indices.shape + (self.embedding_dim,)
        check_grad(self, grad_output, expected, self.weight.dtype)
        flat = indices.reshape(-1)
        grad = grad_output.reshape(-1, self.embedding_dim)  # (M, embedding_dim)
        if self.padding_idx is not None:
            keep = flat != self.padding_idx
            flat, grad = flat[keep], grad[keep]
        # Sum each row's uses first and add the total to .grad once: a second backward then adds
        # exactly the same array again (np.add.at straight into .grad would round differently).
        rows, where = np.unique(flat, return_inverse=True)
        total = np.zeros((rows.size, self.embedding_dim), dtype=grad.dtype)
        np.add.at(total, where, grad)
        self.weight.grad[rows] += total
        return None

    def extra_repr(self) -> str:
        pad = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        return f"{self.num_embeddings}, {self.embedding_dim}{pad}"
