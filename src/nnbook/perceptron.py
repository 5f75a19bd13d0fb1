"""Rosenblatt's perceptron (1958): a threshold unit and its error-driven learning rule.

See the chapter :doc:`/feedforward`.
"""

from __future__ import annotations

import numbers

import numpy as np

from ._validation import check_array, check_last_dim, check_positive_int


class Perceptron:
    """A single threshold unit trained with the perceptron learning rule.

    It is deliberately *not* a :class:`~nnbook.module.Module`: the step activation has
    derivative zero everywhere except at the threshold, where it has none, so there is no
    useful gradient to pass backward. The perceptron rule is not gradient descent on a loss
    through the step; it nudges the weights only when a sample is misclassified. Replacing the
    step with a smooth activation (a sigmoid) is exactly what makes backpropagation possible.

    Parameters
    ----------
    in_features : int
        Number of inputs per sample.
    lr : float
        The learning rate :math:`\\eta > 0`. With zero initial weights the rule's mistakes do not
        depend on it (it only rescales :math:`w` and :math:`b`), but it is part of the classic rule.

    Attributes
    ----------
    weight : ndarray, shape (in_features,)
        Starts at zero.
    bias : float
        Starts at zero.

    Notes
    -----
    The prediction is :math:`\\hat y = \\operatorname{step}(w \\cdot x + b)` with the step
    function :math:`\\operatorname{step}(z) = 1` for :math:`z \\ge 0` and 0 otherwise. For each
    sample in turn the rule is

    .. math::

        w \\leftarrow w + \\eta\\,(y - \\hat y)\\,x, \\qquad
        b \\leftarrow b + \\eta\\,(y - \\hat y),

    which changes nothing when the prediction is right. If a line separates the classes with a
    margin, the rule stops making mistakes after finitely many updates (Novikoff, 1962); if no
    line does (XOR), it never stops.

    See the chapter :doc:`/feedforward`.
    """

    def __init__(self, in_features: int, *, lr: float = 1.0) -> None:
        self.in_features = check_positive_int(self, in_features, "in_features")
        if isinstance(lr, bool) or not isinstance(lr, numbers.Real):
            raise TypeError(f"Perceptron: lr must be a real number, got {type(lr).__name__}")
        if not lr > 0:
            raise ValueError(f"Perceptron: lr must be positive, got {lr}")
        self.lr = float(lr)
        self.weight = np.zeros(self.in_features)
        self.bias = 0.0

    def _check_X(self, X) -> np.ndarray:
        check_array(self, X, name="X", ndim=2)
        check_last_dim(self, X, self.in_features, name="X")
        return X

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        """The pre-activation :math:`w \\cdot x + b` of each row of ``X``, shape (N,)."""
        return self._check_X(X) @ self.weight + self.bias

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Class labels in {0, 1} for the rows of ``X``, shape (N,), int64."""
        return (self.decision_function(X) >= 0).astype(np.int64)

    def fit(self, X: np.ndarray, y: np.ndarray, epochs: int = 100) -> list[int]:
        """Apply the perceptron rule, sample by sample, for up to ``epochs`` passes.

        Training stops early after the first epoch without a mistake (the data are then
        separated and nothing would change any more).

        Parameters
        ----------
        X : (N, in_features) float array
        y : (N,) labels in {0, 1}
        epochs : int

        Returns
        -------
        list of int
            The number of mistakes (updates) in each epoch; it ends with 0 when training
            converged.
        """
        self._check_X(X)
        y = np.asarray(y)
        if y.shape != (len(X),):
            raise ValueError(f"Perceptron: expected y of shape ({len(X)},), got {y.shape}")
        if not np.all((y == 0) | (y == 1)):
            raise ValueError("Perceptron: labels y must be 0 or 1")
        epochs = check_positive_int(self, epochs, "epochs")
        mistakes = []
        for _ in range(epochs):
            count = 0
            for x_i, y_i in zip(X, y, strict=True):
                y_hat = 1 if x_i @ self.weight + self.bias >= 0 else 0
                if y_hat != y_i:
                    self.weight += self.lr * (y_i - y_hat) * x_i
                    self.bias = float(self.bias + self.lr * (y_i - y_hat))
                    count += 1
            mistakes.append(count)
            if count == 0:
                break
        return mistakes

    def __repr__(self) -> str:
        return f"Perceptron(in_features={self.in_features}, lr={self.lr})"
