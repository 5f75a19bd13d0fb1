"""A plain mini-batch training loop, with a text progress bar and a per-epoch history.

Every step is the five lines the book teaches::

    optimizer.zero_grad()
    output = model(X_batch)
    loss = loss_fn(output, y_batch)
    model.backward(loss_fn.backward())
    optimizer.step()

See the chapter :doc:`/feedforward`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ._validation import check_positive_int
from .init import make_rng
from .module import Module


@dataclass
class History:
    """What :func:`fit` measured, one entry per epoch.

    Attributes
    ----------
    loss : list of float
        Mean training loss over the epoch's mini-batches (weighted by batch size).
    val_loss : list of float
        Loss on the validation set after the epoch (empty without validation data).
    metric : list of float
        The metric on the training mini-batches, averaged like ``loss`` (empty without a metric).
    val_metric : list of float
        The metric on the validation set after the epoch.

    See the chapter :doc:`/feedforward`.
    """

    loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    metric: list[float] = field(default_factory=list)
    val_metric: list[float] = field(default_factory=list)


def accuracy(output: np.ndarray, y: np.ndarray, *, threshold: float = 0.0) -> float:
    """Fraction of correct predictions.

    Parameters
    ----------
    output : (N, C) scores, or (N,) / (N, 1) for two classes
        With several columns the prediction is the arg-max (logits and probabilities alike).
        With one column, the prediction is class 1 where ``output > threshold``: the default 0
        suits logits; pass ``threshold=0.5`` for probabilities.
    y : (N,) or (N, 1) labels (integers, or 0.0 / 1.0 floats for two classes)

    See the chapter :doc:`/feedforward`.
    """
    output, y = np.asarray(output), np.asarray(y)
    if output.ndim == 2 and output.shape[1] > 1:
        pred = output.argmax(axis=1)
    elif output.ndim == 1 or (output.ndim == 2 and output.shape[1] == 1):
        pred = (output.reshape(-1) > threshold).astype(np.int64)
    else:
        raise ValueError(f"accuracy: expected output of shape (N, C) or (N,), got {output.shape}")
    y = y.reshape(-1)
    if len(y) != len(pred):
        raise ValueError(f"accuracy: output has {len(pred)} rows but y has {len(y)} labels")
    return float(np.mean(pred == y))


def predict(model: Module, X: np.ndarray) -> np.ndarray:
    """The model's output on ``X`` in evaluation mode (e.g. dropout off); the mode is restored.

    See the chapter :doc:`/feedforward`.
    """
    was_training = model.training
    model.eval()
    try:
        return model(X)
    finally:
        model.train(was_training)


def _progress_line(epoch: int, epochs: int, history: History, width: int = 20) -> str:
    done = round(width * epoch / epochs)
    bar = "#" * done + "-" * (width - done)
    line = f"epoch {epoch:>{len(str(epochs))}}/{epochs} [{bar}] loss {history.loss[-1]:.4f}"
    if history.metric:
        line += f" metric {history.metric[-1]:.4f}"
    if history.val_loss:
        line += f" val_loss {history.val_loss[-1]:.4f}"
    if history.val_metric:
        line += f" val_metric {history.val_metric[-1]:.4f}"
    return line


def fit(
    model: Module,
    loss_fn: Module,
    optimizer,
    X: np.ndarray,
    y: np.ndarray,
    *,
    epochs: int,
    batch_size: int | None = None,
    rng=None,
    progress: bool = False,
    X_val: np.ndarray | None = None,
    y_val: np.ndarray | None = None,
    metric: Callable[[np.ndarray, np.ndarray], float] | None = None,
) -> History:
    """Train ``model`` with mini-batch gradient descent and return the per-epoch history.

    Parameters
    ----------
    model : Module
        Maps a batch of ``X`` to the loss's input; has ``backward``.
    loss_fn : Module
        A loss from ``nnbook.losses``: ``loss_fn(output, target)`` returns a float and
        ``loss_fn.backward()`` the gradient of ``output``.
    optimizer : Optimizer
        Built on ``model.parameters()``.
    X, y : arrays with the same number of rows
        Training inputs and targets (targets in the form ``loss_fn`` expects).
    epochs : int
        Passes over the training set.
    batch_size : int, optional
        Rows per step; default the whole set (full-batch gradient descent, no shuffling).
    rng : numpy.random.Generator or int, optional
        Shuffles the rows at the start of every epoch.
    progress : bool
        Print a progress line every ``max(1, epochs // 10)`` epochs and after the last one. It
        goes to standard output, not standard error, so that an executed notebook shows it as
        ordinary output.
    X_val, y_val : arrays, optional
        Evaluated (in eval mode) after each epoch into ``val_loss`` and ``val_metric``.
    metric : callable, optional
        ``metric(output, y) -> float``, e.g. :func:`~nnbook.train.accuracy`.

    Returns
    -------
    History

    See the chapter :doc:`/feedforward`.
    """
    epochs = check_positive_int("fit", epochs, "epochs")
    if not isinstance(X, np.ndarray) or not isinstance(y, np.ndarray):
        raise TypeError(
            f"fit: X and y must be numpy.ndarray, got {type(X).__name__} and {type(y).__name__}"
        )
    if X.ndim == 0 or y.ndim == 0 or len(X) != len(y):
        raise ValueError(
            f"fit: X and y must have the same number of rows, got shapes {X.shape} and {y.shape}"
        )
    if (X_val is None) != (y_val is None):
        raise ValueError("fit: give both X_val and y_val, or neither")
    n = len(X)
    batch_size = n if batch_size is None else check_positive_int("fit", batch_size, "batch_size")
    rng = make_rng(rng)
    every = max(1, epochs // 10)
    history = History()
    model.train()
    for epoch in range(1, epochs + 1):
        order = rng.permutation(n) if batch_size < n else np.arange(n)
        total_loss = total_metric = 0.0
        for start in range(0, n, batch_size):
            rows = order[start : start + batch_size]
            xb, yb = X[rows], y[rows]
            optimizer.zero_grad()
            output = model(xb)
            loss = loss_fn(output, yb)
            model.backward(loss_fn.backward())
            optimizer.step()
            total_loss += loss * len(rows)
            if metric is not None:
                total_metric += metric(output, yb) * len(rows)
        history.loss.append(total_loss / n)
        if metric is not None:
            history.metric.append(total_metric / n)
        if X_val is not None:
            output = predict(model, X_val)
            history.val_loss.append(loss_fn(output, y_val))
            if metric is not None:
                history.val_metric.append(metric(output, y_val))
        if progress and (epoch % every == 0 or epoch == epochs):
            print(_progress_line(epoch, epochs, history), file=sys.stdout, flush=True)
    return history
