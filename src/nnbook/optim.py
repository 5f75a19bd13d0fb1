"""Optimisers: stochastic gradient descent (with momentum) and Adam, as in ``torch.optim``.

An optimiser holds the list of parameters it updates. Each ``step()`` reads every
``Parameter.grad`` and changes ``Parameter.data`` in place; ``zero_grad()`` clears the gradients,
which backward passes accumulate (``+=``) rather than overwrite.

See the chapter :doc:`/feedforward`.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .module import Parameter


def _check_number(owner, value, name: str, low: float = 0.0, high: float | None = None) -> float:
    """Return ``value`` as a float if it is a real number in ``[low, high)``."""
    who = type(owner).__name__
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{who}: {name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value) or value < low or (high is not None and value >= high):
        interval = f"[{low}, {high})" if high is not None else f">= {low}"
        raise ValueError(f"{who}: {name} must be {interval}, got {value}")
    return value


class Optimizer:
    """Base class: stores the parameters and clears their gradients.

    Parameters
    ----------
    params : iterable of Parameter
        Typically ``model.parameters()``.

    Attributes
    ----------
    params : list of Parameter
    """

    def __init__(self, params) -> None:
        try:
            params = list(params)
        except TypeError:
            raise TypeError(
                f"{type(self).__name__}: params must be an iterable of Parameter "
                f"(e.g. model.parameters()), got {type(params).__name__}"
            ) from None
        if not params:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        for i, p in enumerate(params):
            if not isinstance(p, Parameter):
                raise TypeError(
                    f"{type(self).__name__}: params[{i}] is a {type(p).__name__}, not a Parameter"
                )
        if len({id(p) for p in params}) != len(params):
            raise ValueError(f"{type(self).__name__}: a parameter appears more than once")
        self.params = params

    def zero_grad(self) -> None:
        """Set every parameter's gradient to zero."""
        for p in self.params:
            p.zero_grad()

    def step(self) -> None:
        raise NotImplementedError(f"{type(self).__name__} does not implement step")


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, as ``torch.optim.SGD``.

    Parameters
    ----------
    params : iterable of Parameter
    lr : float
        The learning rate :math:`\\eta \\ge 0`.
    momentum : float
        The momentum factor :math:`\\mu \\ge 0` (0 means plain gradient descent).
    weight_decay : float
        The L2 penalty :math:`\\lambda \\ge 0`, added to the gradient.
    nesterov : bool
        Use Nesterov momentum (needs ``momentum > 0``).

    Notes
    -----
    With gradient :math:`g_t` of parameter :math:`\\theta`, one step is

    .. math::

        g_t &\\leftarrow g_t + \\lambda \\theta_{t-1} \\\\
        u_t &= \\mu u_{t-1} + g_t \\quad (u_1 = g_1) \\\\
        \\theta_t &= \\theta_{t-1} - \\eta\\, u_t
        \\quad\\text{(Nesterov: } \\theta_{t-1} - \\eta\\,(g_t + \\mu u_t)\\text{)}.

    PyTorch's form (no dampening): the buffer starts at the first gradient, not at zero, and the
    learning rate multiplies the buffer rather than entering it.

    See the chapter :doc:`/feedforward`.
    """

    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0, *, nesterov=False) -> None:
        super().__init__(params)
        self.lr = _check_number(self, lr, "lr")
        self.momentum = _check_number(self, momentum, "momentum")
        self.weight_decay = _check_number(self, weight_decay, "weight_decay")
        if nesterov and self.momentum == 0:
            raise ValueError("SGD: nesterov=True needs momentum > 0")
        self.nesterov = bool(nesterov)
        self.buffers: list[np.ndarray | None] = [None] * len(self.params)

    def step(self) -> None:
        for i, p in enumerate(self.params):
            g = p.grad
            if self.weight_decay:
                g = g + self.weight_decay * p.data
            if self.momentum:
                if self.buffers[i] is None:
                    self.buffers[i] = g.copy()
                else:
                    self.buffers[i] = self.momentum * self.buffers[i] + g
                g = g + self.momentum * self.buffers[i] if self.nesterov else self.buffers[i]
            p.data -= self.lr * g


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), as ``torch.optim.Adam``.

    Parameters
    ----------
    params : iterable of Parameter
    lr : float
        The step size :math:`\\eta \\ge 0`.
    betas : (float, float)
        Decay rates :math:`\\beta_1, \\beta_2 \\in [0, 1)` of the two moment estimates.
    eps : float
        Added to the denominator for numerical stability.
    weight_decay : float
        The L2 penalty :math:`\\lambda`, added to the gradient (as ``torch.optim.Adam``; decoupled
        decay is ``AdamW``, not implemented here).

    Notes
    -----
    At step :math:`t`, with gradient :math:`g_t` (after
    :math:`g_t \\leftarrow g_t + \\lambda\\theta`):

    .. math::

        m_t &= \\beta_1 m_{t-1} + (1 - \\beta_1) g_t, \\qquad
        v_t = \\beta_2 v_{t-1} + (1 - \\beta_2) g_t^2, \\\\
        \\theta_t &= \\theta_{t-1} - \\frac{\\eta}{1 - \\beta_1^t} \\cdot
        \\frac{m_t}{\\sqrt{v_t} / \\sqrt{1 - \\beta_2^t} + \\epsilon}.

    The bias corrections undo the pull of :math:`m_0 = v_0 = 0` towards zero in the first steps.
    This is exactly how PyTorch arranges the arithmetic (the :math:`\\epsilon` is added after
    the correction of :math:`v`).

    See the chapter :doc:`/feedforward`.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0) -> None:
        super().__init__(params)
        self.lr = _check_number(self, lr, "lr")
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"Adam: betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = (
            _check_number(self, betas[0], "betas[0]", 0.0, 1.0),
            _check_number(self, betas[1], "betas[1]", 0.0, 1.0),
        )
        self.eps = _check_number(self, eps, "eps")
        self.weight_decay = _check_number(self, weight_decay, "weight_decay")
        self.t = 0
        self.m = [np.zeros_like(p.data) for p in self.params]
        self.v = [np.zeros_like(p.data) for p in self.params]

    def step(self) -> None:
        beta1, beta2 = self.betas
        self.t += 1
        bias_correction1 = 1 - beta1**self.t
        bias_correction2_sqrt = math.sqrt(1 - beta2**self.t)
        step_size = self.lr / bias_correction1
        for p, m, v in zip(self.params, self.m, self.v, strict=True):
            g = p.grad
            if self.weight_decay:
                g = g + self.weight_decay * p.data
            m += (1 - beta1) * (g - m)  # = beta1 m + (1 - beta1) g, as torch's lerp computes it
            v *= beta2
            v += (1 - beta2) * g * g
            denom = np.sqrt(v) / bias_correction2_sqrt + self.eps
            p.data -= step_size * (m / denom)
