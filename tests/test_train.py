"""The training loop: it learns (XOR, two moons), records its history, and checks its input."""

import numpy as np
import pytest

import nnbook
from nnbook import data
from nnbook.train import History, accuracy, fit, predict


def _mlp(sizes, act=nnbook.Tanh, dtype=np.float64):
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers += [nnbook.Linear(a, b, rng=i, dtype=dtype), act()]
    return nnbook.Sequential(*layers[:-1])


def test_mlp_learns_xor():
    X, y = data.xor()
    model = _mlp([2, 8, 2])
    opt = nnbook.SGD(model.parameters(), lr=0.5, momentum=0.9)
    history = fit(model, nnbook.CrossEntropyLoss(), opt, X, y, epochs=300, metric=accuracy)
    assert accuracy(predict(model, X), y) == 1.0
    assert history.metric[-1] == 1.0
    assert history.loss[-1] < 0.01 < history.loss[0]


def test_mlp_generalises_on_two_moons():
    X, y = data.two_moons(600, 0.15, rng=0)
    X_train, X_test, y_train, y_test = data.train_test_split(X, y, 0.3, rng=1)
    model = _mlp([2, 32, 32, 2], act=nnbook.ReLU)
    opt = nnbook.Adam(model.parameters(), lr=0.01)
    history = fit(
        model,
        nnbook.CrossEntropyLoss(),
        opt,
        X_train,
        y_train,
        epochs=60,
        batch_size=32,
        rng=0,
        X_val=X_test,
        y_val=y_test,
        metric=accuracy,
    )
    assert accuracy(predict(model, X_test), y_test) >= 0.97
    assert history.val_metric[-1] >= 0.97
    assert len(history.val_loss) == 60 and history.val_loss[-1] < history.val_loss[0]


def test_float32_training_with_bce_and_a_single_logit():
    X, y = data.two_moons(200, 0.1, rng=0)
    X32, t32 = X.astype(np.float32), y[:, None].astype(np.float32)
    model = _mlp([2, 16, 1], dtype=np.float32)
    opt = nnbook.Adam(model.parameters(), lr=0.02)
    history = fit(
        model,
        nnbook.BCEWithLogitsLoss(),
        opt,
        X32,
        t32,
        epochs=100,
        batch_size=50,
        rng=0,
        metric=accuracy,
    )
    assert all(p.data.dtype == np.float32 for p in model.parameters())
    assert predict(model, X32).dtype == np.float32
    assert history.metric[-1] >= 0.95


def test_history_lengths_and_mse_regression(rng):
    X = rng.uniform(-1, 1, (64, 1))
    t = np.sin(3 * X)
    model = _mlp([1, 16, 1])
    history = fit(
        model,
        nnbook.MSELoss(),
        nnbook.Adam(model.parameters(), lr=0.02),
        X,
        t,
        epochs=150,
        batch_size=16,
        rng=0,
    )
    assert isinstance(history, History)
    assert len(history.loss) == 150
    assert history.metric == [] and history.val_loss == [] and history.val_metric == []
    assert history.loss[-1] < 0.1 * history.loss[0]


def test_full_batch_is_deterministic_and_needs_no_rng():
    X, y = data.xor()
    losses = []
    for _ in range(2):
        model = _mlp([2, 4, 2])
        losses.append(
            fit(
                model,
                nnbook.CrossEntropyLoss(),
                nnbook.SGD(model.parameters(), lr=0.1),
                X,
                y,
                epochs=5,
            ).loss
        )
    assert losses[0] == losses[1]


def test_progress_bar_goes_to_stdout(capsys):
    X, y = data.xor()
    model = _mlp([2, 4, 2])
    fit(
        model,
        nnbook.CrossEntropyLoss(),
        nnbook.SGD(model.parameters(), lr=0.1),
        X,
        y,
        epochs=20,
        progress=True,
        X_val=X,
        y_val=y,
        metric=accuracy,
    )
    out, err = capsys.readouterr()
    assert err == ""
    lines = out.splitlines()
    assert len(lines) == 10
    assert lines[-1].startswith("epoch 20/20 [####################] loss ")
    assert "val_loss" in lines[-1] and "val_metric" in lines[-1]


def test_predict_restores_training_mode():
    model = _mlp([2, 3, 1])
    predict(model, np.zeros((1, 2)))
    assert all(m.training for m in model.modules())
    model.eval()
    predict(model, np.zeros((1, 2)))
    assert not any(m.training for m in model.modules())


def test_accuracy():
    y = np.array([0, 1, 2, 1])
    scores = np.array([[3.0, 1, 0], [0, 2, 1], [0, 0, 1], [5, 0, 0]])
    assert accuracy(scores, y) == 0.75
    assert accuracy(np.array([-1.0, 2.0, 0.5]), np.array([0, 1, 0])) == pytest.approx(2 / 3)
    assert accuracy(np.array([[0.2], [0.7]]), np.array([[0.0], [1.0]]), threshold=0.5) == 1.0
    with pytest.raises(ValueError, match="output has 3 rows but y has 2 labels"):
        accuracy(scores[:3], y[:2])
    with pytest.raises(ValueError, match=r"expected output of shape \(N, C\) or \(N,\)"):
        accuracy(np.zeros((2, 2, 2)), y[:2])


def test_fit_errors():
    X, y = data.xor()
    model = _mlp([2, 4, 2])
    args = (model, nnbook.CrossEntropyLoss(), nnbook.SGD(model.parameters(), lr=0.1))
    with pytest.raises(ValueError, match="fit: epochs must be positive, got 0"):
        fit(*args, X, y, epochs=0)
    with pytest.raises(TypeError, match="fit: batch_size must be an int, got float"):
        fit(*args, X, y, epochs=1, batch_size=2.0)
    with pytest.raises(ValueError, match=r"same number of rows, got shapes \(4, 2\) and \(3,\)"):
        fit(*args, X, y[:3], epochs=1)
    with pytest.raises(TypeError, match="fit: X and y must be numpy.ndarray"):
        fit(*args, X.tolist(), y, epochs=1)
    with pytest.raises(ValueError, match="give both X_val and y_val, or neither"):
        fit(*args, X, y, epochs=1, X_val=X)


class _Recorder(nnbook.Linear):
    """A Linear layer that remembers the rows of every batch and the mode it ran in."""

    def __init__(self):
        super().__init__(1, 1, rng=0)
        self.batches, self.modes = [], []

    def forward(self, x):
        self.batches.append(x[:, 0].copy())
        self.modes.append(self.training)
        return super().forward(x)


def test_fit_batches_shuffles_weights_and_validates_in_eval_mode():
    X = np.arange(10.0)[:, None]  # row i holds the value i, so a batch names its rows
    y = 0.5 * X + 1.0
    model = _Recorder()
    loss_fn = nnbook.MSELoss()
    history = fit(
        model,
        loss_fn,
        nnbook.SGD(model.parameters(), lr=0.0),  # the model stays fixed: losses can be recomputed
        X,
        y,
        epochs=3,
        batch_size=4,
        rng=0,
        X_val=X[:3],
        y_val=y[:3],
    )
    # Per epoch: batches of 4, 4 and the last 2 (none dropped), then one validation pass.
    epochs = [model.batches[i : i + 4] for i in range(0, 12, 4)]
    for batches in epochs:
        assert [len(b) for b in batches] == [4, 4, 2, 3]
        assert sorted(np.concatenate(batches[:3])) == list(range(10))  # every row once
    orders = [tuple(np.concatenate(batches[:3])) for batches in epochs]
    assert len(set(orders)) == 3 and orders[0] != tuple(range(10))  # shuffled, anew each epoch
    assert model.modes == [True, True, True, False] * 3  # validation runs in eval mode
    # The epoch loss is the mean over all rows, not the mean of the batch means (4, 4, 2).
    full = loss_fn(model(X), y)
    np.testing.assert_allclose(history.loss, [full] * 3, rtol=1e-12)
    np.testing.assert_allclose(history.val_loss, [loss_fn(model(X[:3]), y[:3])] * 3, rtol=1e-12)
