"""One step of a recurrent network: ``RNNCell``, ``LSTMCell`` and ``GRUCell``.

A cell maps one input and the previous state to the next state. The cells are written for
reading: one time step, every gate named, the backward pass line by line. The sequence modules in
:mod:`nnbook.layers.rnn` compute the same thing for a whole sequence at once, faster.

Backpropagation through time with cells needs one cell object per step, because each object
caches only its last forward pass. The objects can share the same ``Parameter`` objects, so their
gradients add up in one place (this is what ``tests/layers/test_rnn.py`` and the "naive" row of
``benchmarks/bench_rnn.py`` do). ``GRUCell.step`` instead hands each step's cache back to the
caller, so one GRU cell can serve every step (as in ``nnbook.Seq2SeqRNN``).

See the chapters :doc:`/rnn` and :doc:`/lstm`.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_array, check_dtype, check_grad, check_last_dim, check_positive_int
from ..functional import sigmoid
from ..init import make_rng, uniform
from ..module import Module, Parameter


class _CellBase(Module):
    """Parameters, initialisation and input checks shared by the three cells."""

    num_gates = 1  # rows of weight_ih per hidden unit: 1 (RNN), 4 (LSTM), 3 (GRU)

    def __init__(self, input_size, hidden_size, bias=True, *, rng=None, dtype=np.float64):
        super().__init__()
        self.input_size = check_positive_int(self, input_size, "input_size")
        self.hidden_size = check_positive_int(self, hidden_size, "hidden_size")
        dtype = check_dtype(self, dtype)
        rng = make_rng(rng)
        rows = self.num_gates * self.hidden_size
        bound = 1.0 / np.sqrt(self.hidden_size)  # torch: every weight and bias ~ U(-b, b)
        self.weight_ih = Parameter(uniform(rng, (rows, self.input_size), bound, dtype))
        self.weight_hh = Parameter(uniform(rng, (rows, self.hidden_size), bound, dtype))
        self.bias_ih = Parameter(uniform(rng, (rows,), bound, dtype)) if bias else None
        self.bias_hh = Parameter(uniform(rng, (rows,), bound, dtype)) if bias else None

    def _check_input(self, x):
        check_array(self, x, dtype=self.weight_ih.dtype, ndim=2)
        check_last_dim(self, x, self.input_size)
        return x

    def _check_state(self, h, x, name):
        """Return ``h`` checked to be (N, H), or zeros if ``h`` is None."""
        shape = (x.shape[0], self.hidden_size)
        if h is None:
            return np.zeros(shape, dtype=x.dtype)
        check_array(self, h, name=name, dtype=x.dtype, ndim=2)
        if h.shape != shape:
            raise ValueError(
                f"{type(self).__name__}: expected {name} of shape (N, hidden_size) = {shape}, "
                f"got {h.shape}"
            )
        return h

    def _gates(self, x, h):
        """The pre-activations ``x W_ih^T + b_ih`` and ``h W_hh^T + b_hh``, each (N, G*H)."""
        gx = x @ self.weight_ih.data.T  # (N, G*H)
        gh = h @ self.weight_hh.data.T  # (N, G*H)
        if self.bias_ih is not None:
            gx = gx + self.bias_ih.data
            gh = gh + self.bias_hh.data
        return gx, gh

    def _accumulate(self, x, h, dgx, dgh):
        """Add the parameter gradients; return the gradients of ``x`` and ``h``."""
        self.weight_ih.grad += dgx.T @ x  # (G*H, D)
        self.weight_hh.grad += dgh.T @ h  # (G*H, H)
        if self.bias_ih is not None:
            self.bias_ih.grad += dgx.sum(axis=0)
            self.bias_hh.grad += dgh.sum(axis=0)
        return dgx @ self.weight_ih.data, dgh @ self.weight_hh.data  # (N, D), (N, H)

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}, bias={self.bias_ih is not None}"


class RNNCell(_CellBase):
    """One step of an Elman RNN, as ``torch.nn.RNNCell``.

    Parameters
    ----------
    input_size, hidden_size : int
        Sizes of the input :math:`x` and of the hidden state :math:`h`.
    bias : bool
        Whether to learn the biases ``bias_ih`` and ``bias_hh``.
    nonlinearity : {'tanh', 'relu'}
    rng : numpy.random.Generator or int, optional
        Draws every weight and bias from :math:`U(-1/\\sqrt{H}, 1/\\sqrt{H})`.
    dtype : float32 or float64

    Attributes
    ----------
    weight_ih : Parameter, shape (hidden_size, input_size)
    weight_hh : Parameter, shape (hidden_size, hidden_size)
    bias_ih, bias_hh : Parameter, shape (hidden_size,)

    Shape
    -----
    ``forward(x, h=None)``: x (N, input_size), h (N, hidden_size) -> h' (N, hidden_size).
    ``h=None`` means zeros.

    ``backward(grad_h)``: grad_h (N, hidden_size) -> ``(grad_x, grad_h_prev)``, where
    ``grad_h_prev`` is None if ``forward`` was called without ``h``.

    Notes
    -----
    .. math::

        h' = \\phi(x W_{ih}^\\top + b_{ih} + h W_{hh}^\\top + b_{hh})

    with :math:`\\phi = \\tanh` (derivative :math:`1 - h'^2`) or ReLU (derivative
    :math:`[h' > 0]`).

    See the chapter :doc:`/rnn`.
    """

    num_gates = 1

    def __init__(
        self, input_size, hidden_size, bias=True, nonlinearity="tanh", *, rng=None, dtype=np.float64
    ):
        super().__init__(input_size, hidden_size, bias, rng=rng, dtype=dtype)
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(
                f"RNNCell: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}"
            )
        self.nonlinearity = nonlinearity
        self._cache = None

    def forward(self, x, h=None):
        x = self._check_input(x)
        h_given = h is not None
        h = self._check_state(h, x, "h")
        gx, gh = self._gates(x, h)
        pre = gx + gh  # (N, H)
        h_new = np.tanh(pre) if self.nonlinearity == "tanh" else np.maximum(pre, 0)
        self._cache = (x, h, h_new, h_given)
        return h_new

    def backward(self, grad_h):
        x, h, h_new, h_given = self._require_cache(self._cache)
        check_grad(self, grad_h, h_new.shape, h_new.dtype, name="grad_h")
        if self.nonlinearity == "tanh":
            d_pre = grad_h * (1 - h_new**2)  # (N, H)
        else:
            d_pre = grad_h * (h_new > 0)
        grad_x, grad_h_prev = self._accumulate(x, h, d_pre, d_pre)
        return grad_x, (grad_h_prev if h_given else None)

    def extra_repr(self) -> str:
        return super().extra_repr() + f", nonlinearity={self.nonlinearity!r}"


class LSTMCell(_CellBase):
    """One step of a long short-term memory network, as ``torch.nn.LSTMCell``.

    Parameters
    ----------
    input_size, hidden_size : int
    bias : bool
    rng : numpy.random.Generator or int, optional
        Draws every weight and bias from :math:`U(-1/\\sqrt{H}, 1/\\sqrt{H})`.
    dtype : float32 or float64

    Attributes
    ----------
    weight_ih : Parameter, shape (4 * hidden_size, input_size)
        The rows of the input, forget, cell and output gates, stacked in the order i, f, g, o.
    weight_hh : Parameter, shape (4 * hidden_size, hidden_size)
    bias_ih, bias_hh : Parameter, shape (4 * hidden_size,)

    Shape
    -----
    ``forward(x, state=None)``: x (N, input_size), state ``(h, c)`` each (N, hidden_size)
    -> ``(h', c')``. ``state=None`` means zeros.

    ``backward(grad_h, grad_c=None)`` -> ``(grad_x, (grad_h_prev, grad_c_prev))``; either
    upstream gradient may be None (zero), and the state gradient is None if ``forward`` was
    called without ``state``.

    Notes
    -----
    .. math::

        i &= \\sigma(W_{ii} x + b_{ii} + W_{hi} h + b_{hi}) \\\\
        f &= \\sigma(W_{if} x + b_{if} + W_{hf} h + b_{hf}) \\\\
        g &= \\tanh(W_{ig} x + b_{ig} + W_{hg} h + b_{hg}) \\\\
        o &= \\sigma(W_{io} x + b_{io} + W_{ho} h + b_{ho}) \\\\
        c' &= f \\odot c + i \\odot g \\\\
        h' &= o \\odot \\tanh(c')

    See the chapter :doc:`/lstm`.
    """

    num_gates = 4

    def __init__(self, input_size, hidden_size, bias=True, *, rng=None, dtype=np.float64):
        super().__init__(input_size, hidden_size, bias, rng=rng, dtype=dtype)
        self._cache = None

    def forward(self, x, state=None):
        x = self._check_input(x)
        state_given = state is not None
        if state_given and (not isinstance(state, (tuple, list)) or len(state) != 2):
            raise TypeError(f"LSTMCell: expected state to be a tuple (h, c), got {state!r:.60}")
        h, c = state if state_given else (None, None)
        h = self._check_state(h, x, "h")
        c = self._check_state(c, x, "c")
        gx, gh = self._gates(x, h)
        i, f, g, o = np.split(gx + gh, 4, axis=1)  # each (N, H)
        i, f, g, o = sigmoid(i), sigmoid(f), np.tanh(g), sigmoid(o)
        c_new = f * c + i * g
        tanh_c = np.tanh(c_new)
        h_new = o * tanh_c
        self._cache = (x, h, c, i, f, g, o, tanh_c, state_given)
        return h_new, c_new

    def backward(self, grad_h, grad_c=None):
        x, h, c, i, f, g, o, tanh_c, state_given = self._require_cache(self._cache)
        grad_h = np.zeros_like(h) if grad_h is None else grad_h
        grad_c = np.zeros_like(c) if grad_c is None else grad_c
        check_grad(self, grad_h, h.shape, h.dtype, name="grad_h")  # h' and c' are shaped as h, c
        check_grad(self, grad_c, c.shape, c.dtype, name="grad_c")
        # c' reaches the loss directly and through h' = o * tanh(c').
        dc = grad_c + grad_h * o * (1 - tanh_c**2)  # (N, H)
        di = dc * g * i * (1 - i)  # through the sigmoid: s' = s (1 - s)
        df = dc * c * f * (1 - f)
        dg = dc * i * (1 - g**2)
        do = grad_h * tanh_c * o * (1 - o)
        d_gates = np.concatenate([di, df, dg, do], axis=1)  # (N, 4H)
        grad_x, grad_h_prev = self._accumulate(x, h, d_gates, d_gates)
        if not state_given:
            return grad_x, None
        return grad_x, (grad_h_prev, dc * f)


class GRUCell(_CellBase):
    """One step of a gated recurrent unit, as ``torch.nn.GRUCell``.

    Parameters
    ----------
    input_size, hidden_size : int
    bias : bool
    rng : numpy.random.Generator or int, optional
        Draws every weight and bias from :math:`U(-1/\\sqrt{H}, 1/\\sqrt{H})`.
    dtype : float32 or float64

    Attributes
    ----------
    weight_ih : Parameter, shape (3 * hidden_size, input_size)
        The rows of the reset, update and new gates, stacked in the order r, z, n.
    weight_hh : Parameter, shape (3 * hidden_size, hidden_size)
    bias_ih, bias_hh : Parameter, shape (3 * hidden_size,)

    Shape
    -----
    ``forward(x, h=None)``: x (N, input_size), h (N, hidden_size) -> h' (N, hidden_size).

    ``backward(grad_h)`` -> ``(grad_x, grad_h_prev)``, ``grad_h_prev`` None if ``forward``
    was called without ``h``.

    ``step(x, h)`` -> ``(h', cache)`` and ``step_backward(grad_h, cache)`` ->
    ``(grad_x, grad_h_prev)``: the same step, with the cache handed to the caller instead of
    kept in the cell, so that one cell can run every step of a sequence (backpropagation
    through time keeps one cache per step).

    Notes
    -----
    Torch's formulas (the reset gate multiplies :math:`W_{hn} h + b_{hn}`, not :math:`h`):

    .. math::

        r &= \\sigma(W_{ir} x + b_{ir} + W_{hr} h + b_{hr}) \\\\
        z &= \\sigma(W_{iz} x + b_{iz} + W_{hz} h + b_{hz}) \\\\
        n &= \\tanh(W_{in} x + b_{in} + r \\odot (W_{hn} h + b_{hn})) \\\\
        h' &= (1 - z) \\odot n + z \\odot h

    See the chapter :doc:`/lstm`.
    """

    num_gates = 3

    def __init__(self, input_size, hidden_size, bias=True, *, rng=None, dtype=np.float64):
        super().__init__(input_size, hidden_size, bias, rng=rng, dtype=dtype)
        self._cache = None

    def forward(self, x, h=None):
        h_given = h is not None
        h_new, cache = self.step(x, h)
        self._cache = (cache, h_given)
        return h_new

    def backward(self, grad_h):
        cache, h_given = self._require_cache(self._cache)
        h = cache[1]  # the previous state: h' has its shape and dtype
        check_grad(self, grad_h, h.shape, h.dtype, name="grad_h")
        grad_x, grad_h_prev = self.step_backward(grad_h, cache)
        return grad_x, (grad_h_prev if h_given else None)

    def step(self, x, h):
        """One step that leaves the cell's cache alone: returns ``(h', cache)``."""
        x = self._check_input(x)
        h = self._check_state(h, x, "h")
        gx, gh = self._gates(x, h)
        gx_r, gx_z, gx_n = np.split(gx, 3, axis=1)  # each (N, H)
        gh_r, gh_z, gh_n = np.split(gh, 3, axis=1)
        r = sigmoid(gx_r + gh_r)
        z = sigmoid(gx_z + gh_z)
        n = np.tanh(gx_n + r * gh_n)
        h_new = (1 - z) * n + z * h
        return h_new, (x, h, r, z, n, gh_n)

    def step_backward(self, grad_h, cache):
        """Backward of ``step`` given its ``cache``: returns ``(grad_x, grad_h_prev)``."""
        x, h, r, z, n, gh_n = cache
        dn = grad_h * (1 - z) * (1 - n**2)  # gradient of n's pre-activation, (N, H)
        dz = grad_h * (h - n) * z * (1 - z)
        dr = dn * gh_n * r * (1 - r)
        dgx = np.concatenate([dr, dz, dn], axis=1)  # (N, 3H)
        dgh = np.concatenate([dr, dz, dn * r], axis=1)  # r scales the hidden side of n
        grad_x, grad_h_prev = self._accumulate(x, h, dgx, dgh)
        return grad_x, grad_h_prev + grad_h * z
