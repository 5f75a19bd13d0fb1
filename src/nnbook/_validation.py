"""Input checks shared by every layer: clear errors instead of NumPy tracebacks."""

from __future__ import annotations

import numpy as np


def _name(owner) -> str:
    return owner if isinstance(owner, str) else type(owner).__name__


def check_array(owner, x, *, name="input", dtype=None, ndim=None) -> np.ndarray:
    """Return ``x`` if it is a floating-point ndarray of the expected dtype and rank.

    Parameters
    ----------
    owner : Module or str
        The layer (or function name) reported in the error message.
    x : object
        The value to check.
    name : str
        What ``x`` is called in the message ("input", "target", "h0", ...).
    dtype : numpy dtype, optional
        The dtype ``x`` must have: a layer's parameter dtype, or that of the array ``x`` goes
        with. ``None`` accepts any float dtype.
    ndim : int or tuple of int, optional
        The accepted number(s) of dimensions.

    Raises
    ------
    TypeError
        If ``x`` is not an ndarray, is not floating point, or has another dtype than ``dtype``.
    ValueError
        If ``x`` has the wrong number of dimensions.
    """
    who = _name(owner)
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{who}: expected {name} to be a numpy.ndarray, got {type(x).__name__}")
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"{who}: expected {name} with a floating-point dtype, got {x.dtype}")
    if dtype is not None and x.dtype != np.dtype(dtype):
        raise TypeError(f"{who}: expected {name} of dtype {np.dtype(dtype)}, got {x.dtype}")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if x.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(f"{who}: expected {want} {name}, got shape {x.shape}")
    return x


def check_token_batches(owner, src_ids, tgt_ids) -> None:
    """Check a sequence-to-sequence model's inputs: integer arrays (N, S) and (N, T)."""
    for name, ids in (("src_ids", src_ids), ("tgt_ids_in", tgt_ids)):
        if not isinstance(ids, np.ndarray) or not np.issubdtype(ids.dtype, np.integer):
            what = ids.dtype if isinstance(ids, np.ndarray) else type(ids).__name__
            raise TypeError(f"{_name(owner)}: expected {name} as an integer ndarray, got {what}")
        if ids.ndim != 2:
            raise ValueError(
                f"{_name(owner)}: expected {name} of shape (N, length), got shape {ids.shape}"
            )
    if src_ids.shape[0] != tgt_ids.shape[0]:
        raise ValueError(
            f"{_name(owner)}: src_ids and tgt_ids_in hold different numbers of sequences, "
            f"{src_ids.shape[0]} and {tgt_ids.shape[0]}"
        )


def check_grad(owner, grad, shape, dtype, *, name="grad_output") -> np.ndarray:
    """Return ``grad``, the upstream gradient of a backward pass, if it has the forward output's
    ``shape`` and ``dtype``; else raise ``TypeError`` or ``ValueError`` naming both."""
    check_array(owner, grad, name=name, dtype=dtype)
    if grad.shape != tuple(shape):
        raise ValueError(
            f"{_name(owner)}: expected {name} of shape {tuple(shape)} (the output's), "
            f"got {grad.shape}"
        )
    return grad


def check_last_dim(owner, x, size: int, *, name="input") -> None:
    """Raise ``ValueError`` unless ``x.shape[-1] == size``."""
    if x.ndim == 0 or x.shape[-1] != size:
        raise ValueError(
            f"{_name(owner)}: expected {name} with last dimension {size}, got shape {x.shape}"
        )


def check_positive_int(owner, value, name: str) -> int:
    """Return ``value`` if it is a positive int, else raise a clear error."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{_name(owner)}: {name} must be an int, got {type(value).__name__}")
    if value <= 0:
        raise ValueError(f"{_name(owner)}: {name} must be positive, got {value}")
    return int(value)


def check_dtype(owner, dtype) -> np.dtype:
    """Return ``np.dtype(dtype)`` if it is float32 or float64."""
    dt = np.dtype(dtype)
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise TypeError(f"{_name(owner)}: dtype must be float32 or float64, got {dt}")
    return dt
