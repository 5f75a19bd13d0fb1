"""Small datasets made in code, or shipped inside a package: nothing is downloaded.

Every dataset function (``xor``, ``two_moons``, ``spirals``, ``linearly_separable``,
``load_digits``) returns ``X`` as float64 of shape (N, D) and ``y`` as int64 class labels of
shape (N,). The generators take ``rng`` (a ``numpy.random.Generator``, an int seed or
``None``), so the same seed always gives the same data.

See the chapter :doc:`/feedforward`.
"""

from __future__ import annotations

import numbers

import numpy as np

from ._validation import check_positive_int
from .init import make_rng


def _check_nonnegative(owner: str, value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {name} must be a real number, got {type(value).__name__}")
    if not value >= 0:
        raise ValueError(f"{owner}: {name} must be >= 0, got {value}")
    return float(value)


def _shuffled(X: np.ndarray, y: np.ndarray, rng: np.random.Generator):
    order = rng.permutation(len(y))
    return X[order], y[order]


def xor() -> tuple[np.ndarray, np.ndarray]:
    """The four points of the XOR problem: the label is 1 when exactly one input is 1.

    No straight line separates the two classes, so a single perceptron cannot learn it; one
    hidden layer can.

    Returns
    -------
    X : (4, 2) float64
    y : (4,) int64, ``[0, 1, 1, 0]``

    See the chapter :doc:`/feedforward`.
    """
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0, 1, 1, 0], dtype=np.int64)
    return X, y


def two_moons(n: int = 200, noise: float = 0.1, *, rng=None) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles in the plane, with Gaussian noise.

    Class 0 is the upper half of the unit circle; class 1 is a lower half circle shifted to
    :math:`(1, 0.5)` and flipped, so that each moon reaches into the other's hollow. The classes
    are not linearly separable, but a small MLP separates them.

    Parameters
    ----------
    n : int
        Total number of points (``n // 2`` in class 0, the rest in class 1).
    noise : float
        Standard deviation of the Gaussian noise added to each coordinate.
    rng : numpy.random.Generator or int, optional

    Returns
    -------
    X : (n, 2) float64
    y : (n,) int64 in {0, 1}, in shuffled order

    See the chapter :doc:`/feedforward`.
    """
    n = check_positive_int("two_moons", n, "n")
    noise = _check_nonnegative("two_moons", noise, "noise")
    rng = make_rng(rng)
    n0 = n // 2
    angle = rng.uniform(0.0, np.pi, size=n)  # (n,)
    upper = np.stack([np.cos(angle[:n0]), np.sin(angle[:n0])], axis=1)  # (n0, 2)
    lower = np.stack([1 - np.cos(angle[n0:]), 0.5 - np.sin(angle[n0:])], axis=1)  # (n - n0, 2)
    X = np.concatenate([upper, lower]) + noise * rng.standard_normal((n, 2))
    y = np.concatenate([np.zeros(n0, np.int64), np.ones(n - n0, np.int64)])
    return _shuffled(X, y, rng)


def spirals(
    n: int = 300, classes: int = 3, noise: float = 0.2, *, rng=None
) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class, winding out from the origin.

    Point :math:`j` of arm :math:`k` sits at radius :math:`r \\in (0, 1]` and angle
    :math:`2\\pi k / K + 4r + \\text{noise}`, so the arms turn by about 230 degrees. A linear model
    does poorly; an MLP with a hidden layer of a few dozen units separates the arms.

    Parameters
    ----------
    n : int
        Total number of points, shared as evenly as possible between the classes.
    classes : int
        Number of arms :math:`K`.
    noise : float
        Standard deviation of the Gaussian noise added to the angle (radians).
    rng : numpy.random.Generator or int, optional

    Returns
    -------
    X : (n, 2) float64, inside the unit disc
    y : (n,) int64 in ``range(classes)``, in shuffled order

    See the chapter :doc:`/feedforward`.
    """
    n = check_positive_int("spirals", n, "n")
    classes = check_positive_int("spirals", classes, "classes")
    noise = _check_nonnegative("spirals", noise, "noise")
    rng = make_rng(rng)
    y = np.arange(n, dtype=np.int64) % classes  # (n,): class k gets every classes-th slot
    radius = np.empty(n)
    for k in range(classes):
        count = int(np.sum(y == k))
        radius[y == k] = np.linspace(0.0, 1.0, count + 1)[1:]  # skip r = 0, shared by every arm
    angle = 2 * np.pi * y / classes + 4.0 * radius + noise * rng.standard_normal(n)
    X = radius[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)  # (n, 2)
    return _shuffled(X, y, rng)


def linearly_separable(
    n: int = 100, *, margin: float = 0.1, rng=None
) -> tuple[np.ndarray, np.ndarray]:
    """Points in the square :math:`[-1, 1]^2` labelled by which side of a line they fall on.

    The line passes near the origin in a random direction; points closer to it than ``margin``
    are redrawn, so the two classes are separated by a gap of width ``2 * margin``. The
    perceptron convergence theorem then guarantees that the perceptron learning rule finds a
    separating line after finitely many mistakes.

    Parameters
    ----------
    n : int
        Number of points.
    margin : float
        Half the width of the empty band around the separating line (must be below 0.5).
    rng : numpy.random.Generator or int, optional

    Returns
    -------
    X : (n, 2) float64
    y : (n,) int64 in {0, 1}: 1 on the side the line's normal points to

    See the chapter :doc:`/feedforward`.
    """
    n = check_positive_int("linearly_separable", n, "n")
    margin = _check_nonnegative("linearly_separable", margin, "margin")
    if margin >= 0.5:
        raise ValueError(f"linearly_separable: margin must be below 0.5, got {margin}")
    rng = make_rng(rng)
    theta = rng.uniform(0.0, 2 * np.pi)
    normal = np.array([np.cos(theta), np.sin(theta)])
    offset = rng.uniform(-0.2, 0.2)
    kept = []
    while sum(len(k) for k in kept) < n:
        points = rng.uniform(-1.0, 1.0, size=(n, 2))  # (n, 2) candidates
        kept.append(points[np.abs(points @ normal - offset) >= margin])
    X = np.concatenate(kept)[:n]
    y = (X @ normal - offset > 0).astype(np.int64)
    return X, y


def load_digits(*, scale: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The 1,797 handwritten 8x8 digits that ship with scikit-learn (no download).

    Parameters
    ----------
    scale : bool
        Divide the pixel values (0 to 16) by 16, so they lie in [0, 1].

    Returns
    -------
    X : (1797, 64) float64, each row an 8x8 image read row by row (``X.reshape(-1, 8, 8)``)
    y : (1797,) int64 in ``range(10)``

    Raises
    ------
    ImportError
        If scikit-learn is not installed (``pip install nnbook[data]``).

    See the chapter :doc:`/feedforward`.
    """
    try:
        from sklearn.datasets import load_digits as sklearn_load_digits
    except ImportError as err:
        raise ImportError(
            "nnbook.data.load_digits needs scikit-learn, which ships the digits: "
            "pip install nnbook[data]"
        ) from err
    bunch = sklearn_load_digits()
    X = np.asarray(bunch.data, dtype=np.float64)
    if scale:
        X = X / 16.0
    return X, np.asarray(bunch.target, dtype=np.int64)


def train_test_split(X: np.ndarray, y: np.ndarray, test_fraction: float = 0.25, *, rng=None):
    """Shuffle the rows and hold out a fraction of them for testing.

    Parameters
    ----------
    X : (N, ...) array
    y : (N, ...) array
    test_fraction : float
        Strictly between 0 and 1; the test set gets ``round(N * test_fraction)`` rows (at least
        one, and at least one row stays for training).
    rng : numpy.random.Generator or int, optional

    Returns
    -------
    X_train, X_test, y_train, y_test
        In scikit-learn's order.

    See the chapter :doc:`/feedforward`.
    """
    if not isinstance(X, np.ndarray) or not isinstance(y, np.ndarray):
        raise TypeError(
            f"train_test_split: X and y must be numpy.ndarray, got {type(X).__name__} and "
            f"{type(y).__name__}"
        )
    if X.ndim == 0 or y.ndim == 0 or len(X) != len(y):
        raise ValueError(
            f"train_test_split: X and y must have the same number of rows, got shapes "
            f"{X.shape} and {y.shape}"
        )
    if len(X) < 2:
        raise ValueError(f"train_test_split: need at least 2 rows to split, got {len(X)}")
    if isinstance(test_fraction, bool) or not isinstance(test_fraction, numbers.Real):
        raise TypeError(
            f"train_test_split: test_fraction must be a number, got {type(test_fraction).__name__}"
        )
    if not 0 < test_fraction < 1:
        raise ValueError(
            "train_test_split: test_fraction must lie strictly between 0 and 1, "
            f"got {test_fraction}"
        )
    n = len(X)
    n_test = min(max(round(n * test_fraction), 1), n - 1)
    order = make_rng(rng).permutation(n)
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


def one_hot(y: np.ndarray, num_classes: int | None = None, *, dtype=np.float64) -> np.ndarray:
    """One row per label, with a 1 in the label's column.

    ``one_hot(np.array([2, 0]), 3)`` is ``[[0, 0, 1], [1, 0, 0]]``.

    Parameters
    ----------
    y : (N,) integer array
    num_classes : int, optional
        Number of columns; default ``y.max() + 1``.
    dtype : numpy dtype

    Returns
    -------
    (N, num_classes) array of ``dtype``

    See the chapter :doc:`/feedforward`.
    """
    y = np.asarray(y)
    if not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"one_hot: expected integer labels, got dtype {y.dtype}")
    if y.ndim != 1:
        raise ValueError(f"one_hot: expected 1-D labels, got shape {y.shape}")
    if num_classes is None:
        num_classes = int(y.max()) + 1 if y.size else 0
    else:
        num_classes = check_positive_int("one_hot", num_classes, "num_classes")
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(
            f"one_hot: labels must lie in [0, {num_classes}), "
            f"got values from {y.min()} to {y.max()}"
        )
    out = np.zeros((len(y), num_classes), dtype=dtype)
    out[np.arange(len(y)), y] = 1
    return out
