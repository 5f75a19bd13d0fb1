"""Loss functions: a scalar value from ``forward`` and the input gradient from ``backward``.

Calling convention (the same for every loss)::

    value = loss_fn(output, target)   # a Python float: the mean over the elements (or labels)
    grad = loss_fn.backward()         # dL/d(output), same shape and dtype as output
    model.backward(grad)

See the chapter :doc:`/feedforward`.
"""

from __future__ import annotations

import numbers

import numpy as np

from ._validation import check_array
from .functional import log_softmax, sigmoid
from .module import Module


class _Loss(Module):
    """Shared plumbing: the cache, and scaling the gradient by ``grad_output``."""

    def __init__(self) -> None:
        super().__init__()
        self._cache = None

    def _check_target(self, input: np.ndarray, target) -> np.ndarray:
        """A float target with the input's shape and dtype (no silent casts)."""
        check_array(self, target, name="target", dtype=input.dtype)
        if target.shape != input.shape:
            raise ValueError(
                f"{type(self).__name__}: expected target of shape {input.shape} (the input's), "
                f"got {target.shape}"
            )
        return target

    def backward(self, grad_output: float = 1.0) -> np.ndarray:
        """The gradient of ``grad_output * loss`` with respect to the last ``input``."""
        grad = self._require_cache(self._cache)
        if not isinstance(grad_output, numbers.Real):
            raise TypeError(
                f"{type(self).__name__}: grad_output must be a real number (the loss is a "
                f"scalar), got {type(grad_output).__name__}"
            )
        return grad if grad_output == 1.0 else (grad * grad_output).astype(grad.dtype, copy=False)


class MSELoss(_Loss):
    """Mean squared error, as ``torch.nn.MSELoss()``.

    Shape
    -----
    input : (*), target : (*) same shape and dtype  ->  a Python float.

    Notes
    -----
    With :math:`M` elements,

    .. math::

        L = \\frac{1}{M} \\sum_i (x_i - t_i)^2, \\qquad
        \\frac{\\partial L}{\\partial x_i} = \\frac{2}{M}(x_i - t_i).

    See the chapter :doc:`/feedforward`.
    """

    def forward(self, input: np.ndarray, target: np.ndarray) -> float:
        check_array(self, input)
        self._check_target(input, target)
        diff = input - target
        if diff.size == 0:  # nothing to average: NaN, as torch, and an empty gradient
            self._cache = diff
            return float("nan")
        self._cache = (2.0 / diff.size) * diff  # the gradient, ready for backward
        return float(np.mean(diff * diff))


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy on logits, as ``torch.nn.BCEWithLogitsLoss()``.

    Takes the raw score :math:`x` (a logit) rather than a probability, so that a confident, wrong
    prediction gives a large but finite loss instead of ``log(0)``.

    Shape
    -----
    input : (*) logits, target : (*) same shape and dtype, values in [0, 1]  ->  a Python float.

    Notes
    -----
    With :math:`\\sigma` the sigmoid and :math:`M` elements,

    .. math::

        \\ell_i = -t_i \\log \\sigma(x_i) - (1 - t_i) \\log(1 - \\sigma(x_i))
               = \\max(x_i, 0) - x_i t_i + \\log\\big(1 + e^{-|x_i|}\\big),

    and :math:`\\partial L / \\partial x_i = (\\sigma(x_i) - t_i) / M`. The right-hand form
    never exponentiates a positive number, so it is finite for logits of any size.

    See the chapter :doc:`/feedforward`.
    """

    def forward(self, input: np.ndarray, target: np.ndarray) -> float:
        check_array(self, input)
        self._check_target(input, target)
        if input.size == 0:  # nothing to average: NaN, as torch, and an empty gradient
            self._cache = input - target
            return float("nan")
        losses = np.maximum(input, 0) - input * target + np.log1p(np.exp(-np.abs(input)))
        self._cache = (sigmoid(input) - target) / input.size
        return float(np.mean(losses))


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy on logits and integer class labels, as ``torch.nn.CrossEntropyLoss()``.

    Parameters
    ----------
    ignore_index : int
        Targets equal to it (e.g. the padding after a sequence's end) add nothing to the loss,
        get a zero gradient and are not counted in the mean, as in torch. If every target is
        ignored there is nothing to average: the loss is NaN and the gradient zero, as in torch.

    Shape
    -----
    input : (N, C) logits, or (C,) for one sample, or (N, C, d1, ...) for a label per position;
    target : (N,) integers in ``[0, C)`` or equal to ``ignore_index``, or () or (N, d1, ...)
    correspondingly  ->  a float.

    Notes
    -----
    With :math:`p = \\mathrm{softmax}(x)` over the classes and :math:`M` labels (those not
    ignored; the ignored ones have zero gradient),

    .. math::

        L = -\\frac{1}{M} \\sum_n \\log p_{n, t_n}, \\qquad
        \\frac{\\partial L}{\\partial x_{n,c}} = \\frac{1}{M}\\big(p_{n,c} - [c = t_n]\\big).

    :math:`\\log p` is computed as :func:`nnbook.functional.log_softmax`
    (:math:`x - m - \\log\\sum e^{x - m}` with :math:`m = \\max x`), so logits of any size give a
    finite loss: softmax followed by ``log`` would return ``-inf`` once a probability underflows.

    See the chapter :doc:`/feedforward`.
    """

    def __init__(self, *, ignore_index: int = -100) -> None:
        super().__init__()
        if isinstance(ignore_index, bool) or not isinstance(ignore_index, (int, np.integer)):
            raise TypeError(
                f"CrossEntropyLoss: ignore_index must be an int, got {type(ignore_index).__name__}"
            )
        self.ignore_index = int(ignore_index)

    def extra_repr(self) -> str:
        return f"ignore_index={self.ignore_index}"

    def forward(self, input: np.ndarray, target) -> float:
        check_array(self, input)
        if input.ndim == 0:
            raise ValueError(
                "CrossEntropyLoss: expected input of shape (N, C) or (C,), got a scalar"
            )
        if isinstance(target, (int, np.integer)) and not isinstance(target, bool):
            target = np.asarray(target)
        if not isinstance(target, np.ndarray):
            raise TypeError(
                f"CrossEntropyLoss: expected target to be a numpy.ndarray of class indices, "
                f"got {type(target).__name__}"
            )
        if not np.issubdtype(target.dtype, np.integer):
            raise TypeError(
                f"CrossEntropyLoss: expected integer class indices as target, got dtype "
                f"{target.dtype} (for one-hot or probability targets, use the indices: "
                f"target.argmax(axis=1))"
            )
        class_axis = 0 if input.ndim == 1 else 1
        num_classes = input.shape[class_axis]
        expected = input.shape[:class_axis] + input.shape[class_axis + 1 :]
        if target.shape != expected:
            raise ValueError(
                f"CrossEntropyLoss: expected target of shape {expected} for input of shape "
                f"{input.shape}, got {target.shape}"
            )
        keep = target != self.ignore_index  # target's shape
        labels = target[keep]
        if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
            raise ValueError(
                f"CrossEntropyLoss: target values must lie in [0, {num_classes}) for "
                f"{num_classes} classes, got values from {labels.min()} to {labels.max()} "
                f"(besides ignore_index={self.ignore_index})"
            )
        target = np.where(keep, target, 0)  # any valid class: the ignored rows are zeroed below
        logits = np.moveaxis(input, class_axis, -1)  # (..., C): the classes last
        logp = log_softmax(logits, axis=-1)  # (..., C)
        picked = np.take_along_axis(logp, target[..., None], axis=-1)  # (..., 1)
        count = int(np.count_nonzero(keep))
        grad = np.exp(logp)  # softmax probabilities, (..., C)
        # Subtract the one-hot label without building it: p[n, t_n] -= 1.
        np.put_along_axis(grad, target[..., None], np.exp(picked) - 1.0, axis=-1)
        if count == 0:  # torch's 0 / 0, without NumPy's warning
            self._cache = np.zeros_like(input)
            return float("nan")
        grad = np.where(keep[..., None], grad / count, 0.0)  # (..., C)
        self._cache = np.moveaxis(grad, -1, class_axis).astype(input.dtype, copy=False)
        return float(-np.sum(picked[..., 0], where=keep) / count)
