"""The feed-forward chapter's figures for gradient descent and the optimisers."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from nnbook.viz import feedforward as viz


@pytest.mark.parametrize("lr", [0.05, 0.3, 0.5, 1.05])
def test_gradient_descent_on_a_parabola_multiplies_by_one_minus_two_lr(lr):
    thetas = viz.gradient_descent_1d(lambda th: 2 * th, 1.6, lr, steps=8)
    assert thetas.shape == (9,)
    np.testing.assert_allclose(thetas, 1.6 * (1 - 2 * lr) ** np.arange(9), rtol=1e-12)


def test_gradient_descent_with_zero_steps_returns_the_start():
    np.testing.assert_array_equal(viz.gradient_descent_1d(lambda th: 2 * th, 0.7, 0.1, 0), [0.7])


def test_fig_learning_rates_draws_one_labelled_panel_per_learning_rate():
    fig = viz.fig_learning_rates((0.1, 0.4), ("slow", "fast"))
    try:
        axes = fig.get_axes()
        assert len(axes) == 2
        assert [ax.get_title() for ax in axes] == ["$\\eta = 0.1$ (slow)", "$\\eta = 0.4$ (fast)"]
        assert all(ax.get_xlabel() for ax in axes) and axes[0].get_ylabel()
    finally:
        plt.close(fig)


def test_fig_learning_rates_needs_one_note_per_panel():
    with pytest.raises(ValueError):
        viz.fig_learning_rates((0.1, 0.4), ("only one",))
    plt.close("all")


def test_fig_optimiser_losses_draws_each_curve_on_a_log_scale():
    curves = {"SGD": np.geomspace(0.7, 0.1, 50), "Adam": np.geomspace(0.7, 1e-3, 50)}
    fig = viz.fig_optimiser_losses(curves, threshold=0.1)
    try:
        (ax,) = fig.get_axes()
        assert ax.get_yscale() == "log"
        assert ax.get_xlabel() and ax.get_ylabel()
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["SGD", "Adam"]
        lines = {line.get_label(): line for line in ax.get_lines()}
        np.testing.assert_array_equal(lines["Adam"].get_ydata(), curves["Adam"])
        np.testing.assert_array_equal(lines["SGD"].get_xdata(), np.arange(50))
    finally:
        plt.close(fig)
