"""The datasets: shapes, dtypes, classes, determinism under a seed, and argument checks."""

import numpy as np
import pytest

import nnbook
from nnbook import data


def _check_xy(X, y, n, d, classes):
    assert X.shape == (n, d) and X.dtype == np.float64
    assert y.shape == (n,) and y.dtype == np.int64
    assert set(np.unique(y)) == set(range(classes))
    assert np.all(np.isfinite(X))


def test_xor():
    X, y = data.xor()
    _check_xy(X, y, 4, 2, 2)
    np.testing.assert_array_equal(y, np.logical_xor(X[:, 0], X[:, 1]).astype(int))


@pytest.mark.parametrize(
    ("make", "n", "classes"),
    [
        (lambda seed: data.two_moons(200, 0.1, rng=seed), 200, 2),
        (lambda seed: data.two_moons(7, 0.0, rng=seed), 7, 2),
        (lambda seed: data.spirals(300, 3, 0.2, rng=seed), 300, 3),
        (lambda seed: data.spirals(101, 5, 0.0, rng=seed), 101, 5),
        (lambda seed: data.linearly_separable(50, rng=seed), 50, 2),
    ],
    ids=["moons", "moons-odd", "spirals", "spirals-5", "separable"],
)
def test_generators_shapes_and_determinism(make, n, classes):
    X, y = make(0)
    _check_xy(X, y, n, 2, classes)
    X2, y2 = make(0)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    X3, _ = make(1)
    assert not np.array_equal(X, X3)
    X4, _ = make(np.random.default_rng(0))
    np.testing.assert_array_equal(X, X4)


def test_class_sizes_are_balanced():
    _, y = data.two_moons(201, 0.1, rng=0)
    assert np.bincount(y).tolist() == [100, 101]
    _, y = data.spirals(301, 3, 0.1, rng=0)
    assert np.bincount(y).tolist() == [101, 100, 100]


def test_noiseless_moons_lie_on_their_circles():
    X, y = data.two_moons(100, 0.0, rng=0)
    np.testing.assert_allclose(np.hypot(*X[y == 0].T), 1.0)
    np.testing.assert_allclose(np.hypot(X[y == 1, 0] - 1, X[y == 1, 1] - 0.5), 1.0)
    assert np.all(X[y == 0, 1] >= 0) and np.all(X[y == 1, 1] <= 0.5)


def test_spirals_lie_in_the_unit_disc():
    X, _ = data.spirals(300, 3, 0.5, rng=0)
    assert np.hypot(*X.T).max() <= 1.0 + 1e-12


def test_linearly_separable_has_a_margin():
    X, y = data.linearly_separable(500, margin=0.1, rng=3)
    # Points on opposite sides of the empty band are at least its width apart.
    gaps = np.linalg.norm(X[y == 0][:, None, :] - X[y == 1][None, :, :], axis=-1)
    assert gaps.min() >= 0.2
    # And the perceptron, which only converges on separable data, converges.
    assert nnbook.Perceptron(2).fit(X, y, epochs=1000)[-1] == 0


def test_load_digits():
    pytest.importorskip("sklearn")
    X, y = data.load_digits()
    _check_xy(X, y, 1797, 64, 10)
    assert X.min() == 0.0 and X.max() == 1.0
    X_raw, _ = data.load_digits(scale=False)
    np.testing.assert_allclose(X_raw, 16 * X)


def test_load_digits_without_sklearn_names_the_extra(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name.startswith("sklearn"):
            raise ImportError("No module named 'sklearn'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(ImportError, match=r"pip install nnbook\[data\]"):
        data.load_digits()


def test_train_test_split(rng):
    X, y = rng.standard_normal((20, 3)), np.arange(20)
    X_train, X_test, y_train, y_test = data.train_test_split(X, y, 0.25, rng=0)
    assert X_train.shape == (15, 3) and X_test.shape == (5, 3)
    assert sorted(np.concatenate([y_train, y_test]).tolist()) == list(range(20))
    np.testing.assert_array_equal(X_test, X[y_test])  # rows stay paired with their labels
    again = data.train_test_split(X, y, 0.25, rng=0)
    np.testing.assert_array_equal(again[3], y_test)
    assert len(data.train_test_split(X[:3], y[:3], 0.01, rng=0)[1]) == 1
    assert len(data.train_test_split(X[:3], y[:3], 0.99, rng=0)[0]) == 1


def test_train_test_split_errors():
    X, y = np.zeros((4, 2)), np.zeros(4)
    with pytest.raises(ValueError, match=r"same number of rows, got shapes \(4, 2\) and \(3,\)"):
        data.train_test_split(X, y[:3])
    with pytest.raises(ValueError, match="strictly between 0 and 1, got 1.0"):
        data.train_test_split(X, y, 1.0)
    with pytest.raises(TypeError, match="must be numpy.ndarray"):
        data.train_test_split(X.tolist(), y)
    with pytest.raises(ValueError, match="need at least 2 rows"):
        data.train_test_split(X[:1], y[:1])


def test_one_hot():
    out = data.one_hot(np.array([2, 0, 1]), 4)
    np.testing.assert_array_equal(out, [[0, 0, 1, 0], [1, 0, 0, 0], [0, 1, 0, 0]])
    assert out.dtype == np.float64
    assert data.one_hot(np.array([1, 0])).shape == (2, 2)
    assert data.one_hot(np.array([1]), 3, dtype=np.float32).dtype == np.float32
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\), got values from 0 to 2"):
        data.one_hot(np.array([0, 2]), 2)
    with pytest.raises(TypeError, match="expected integer labels, got dtype float64"):
        data.one_hot(np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="expected 1-D labels"):
        data.one_hot(np.zeros((2, 2), dtype=int))


def test_generator_argument_errors():
    with pytest.raises(ValueError, match="two_moons: n must be positive, got 0"):
        data.two_moons(0)
    with pytest.raises(ValueError, match="two_moons: noise must be >= 0, got -0.1"):
        data.two_moons(10, -0.1)
    with pytest.raises(TypeError, match="spirals: classes must be an int, got float"):
        data.spirals(10, 2.0)
    with pytest.raises(ValueError, match="linearly_separable: margin must be below 0.5"):
        data.linearly_separable(10, margin=0.6)
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        data.spirals(10, rng="x")


def test_module_is_exported():
    assert nnbook.data is data
