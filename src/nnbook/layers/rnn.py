"""Recurrent networks over whole sequences: ``RNN`` and the machinery it shares with ``LSTM``
and ``GRU`` (in :mod:`nnbook.layers.lstm`).

They compute what the cells of :mod:`nnbook.layers.rnn_cells` compute step by step, organised
for speed without hiding the mathematics:

1. the input projection :math:`x_t W_{ih}^\\top + b` of *every* step is one matrix product;
   inside the time loop only :math:`h_{t-1} W_{hh}^\\top` has to wait for the previous step;
2. the loop writes into buffers allocated once per call, time-major ``(T, N, ...)`` so that the
   slice of one step is contiguous;
3. backpropagation through time first computes, for all steps at once, every local derivative
   that does not depend on the upstream gradient; the backward loop then only carries
   :math:`\\partial L/\\partial h` (and :math:`\\partial L/\\partial c`) from step to step;
4. the parameter gradients and the input gradient are one matrix product each, over all steps.

See the chapters :doc:`/rnn` and :doc:`/lstm`.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_array, check_dtype, check_grad, check_last_dim, check_positive_int
from ..init import make_rng, uniform
from ..module import Module, Parameter


def _sigmoid_(a: np.ndarray) -> None:
    """In place, :math:`\\sigma(a) = 1 / (1 + e^{-a})`.

    For :math:`a` below about -88 (float32) :math:`e^{-a}` overflows to inf and the result is
    0, the correct limit; callers silence that overflow with ``np.errstate(over="ignore")``
    around their time loop (once, rather than once per step).
    """
    np.negative(a, out=a)
    np.exp(a, out=a)
    a += 1
    np.divide(1, a, out=a)  # faster than np.reciprocal for float32 here


class _RNNBase(Module):
    """Parameters, checks and the layer-by-layer forward and backward of the sequence modules.

    A subclass sets ``num_gates`` and ``_state_names`` (the LSTM's state is (h, c)) and
    implements one layer: ``_layer_forward(layer, inp, init) -> (out, final, cache)`` and
    ``_layer_backward(layer, cache, grad_out, grad_final) -> (grad_inp, grad_init)``, where
    ``inp`` is time-major (T, N, D), ``out`` (T, N, H), and ``init``, ``final`` are tuples of
    one array (N, H) per state.
    """

    num_gates = 1
    _state_names = ("h0",)  # ("h0", "c0") for the LSTM

    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        bias=True,
        batch_first=True,
        *,
        rng=None,
        dtype=np.float64,
    ):
        super().__init__()
        self.input_size = check_positive_int(self, input_size, "input_size")
        self.hidden_size = check_positive_int(self, hidden_size, "hidden_size")
        self.num_layers = check_positive_int(self, num_layers, "num_layers")
        if batch_first is not True:
            raise ValueError(
                f"{type(self).__name__}: only batch_first=True is supported (inputs are "
                f"(N, T, D)), got batch_first={batch_first!r}"
            )
        self.batch_first = True
        dtype = check_dtype(self, dtype)
        rng = make_rng(rng)
        rows, bound = self.num_gates * self.hidden_size, 1.0 / np.sqrt(self.hidden_size)
        self.bias = bool(bias)
        # Direct attributes in torch's order, so the state_dict keys are torch's.
        for layer in range(self.num_layers):
            cols = self.input_size if layer == 0 else self.hidden_size
            shapes = {"weight_ih": (rows, cols), "weight_hh": (rows, self.hidden_size)}
            if self.bias:
                shapes.update(bias_ih=(rows,), bias_hh=(rows,))
            for name, shape in shapes.items():
                setattr(self, f"{name}_l{layer}", Parameter(uniform(rng, shape, bound, dtype)))
        self._cache = None

    def _params(self, layer):
        """``(weight_ih, weight_hh, bias_ih, bias_hh)`` of one layer; biases None without bias."""
        get = vars(self).get
        return tuple(
            get(f"{name}_l{layer}") for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        )

    # -- checks -------------------------------------------------------------------------------
    def _check_input(self, x):
        check_array(self, x, dtype=self.weight_ih_l0.dtype, ndim=3)
        check_last_dim(self, x, self.input_size)
        if x.shape[1] == 0:  # torch refuses it too; an empty batch (N = 0) is fine
            raise ValueError(
                f"{type(self).__name__}: expected input (N, T, D) with T >= 1, got shape {x.shape}"
            )

    def _check_state(self, h, shape, name):
        """Return ``h`` checked to have ``shape``, or zeros if ``h`` is None."""
        dtype = self.weight_ih_l0.dtype
        if h is None:
            return np.zeros(shape, dtype=dtype)
        check_array(self, h, name=name, dtype=dtype)
        if h.shape != shape:
            raise ValueError(
                f"{type(self).__name__}: expected {name} of shape (num_layers, N, hidden_size) "
                f"= {shape}, got {h.shape}"
            )
        return h

    # -- the layers, one after another --------------------------------------------------------
    def _forward(self, x, init):
        """Run every layer; ``init`` holds one array (L, N, H) or None per state."""
        self._check_input(x)
        given = init[0] is not None
        N, T, _ = x.shape
        shape = (self.num_layers, N, self.hidden_size)
        init = tuple(
            self._check_state(s, shape, name)
            for s, name in zip(init, self._state_names, strict=True)
        )
        inp = np.ascontiguousarray(x.transpose(1, 0, 2))  # (T, N, D) time-major
        caches, finals = [], []
        for layer in range(self.num_layers):
            inp, final, cache = self._layer_forward(layer, inp, tuple(s[layer] for s in init))
            caches.append(cache)  # inp is now this layer's output (T, N, H)
            finals.append(final)
        output = np.ascontiguousarray(inp.transpose(1, 0, 2))  # (N, T, H)
        final = tuple(np.stack(states) for states in zip(*finals, strict=True))  # (L, N, H)
        self._cache = (caches, (N, T), given)
        return output, final

    def _backward(self, grad_output, grad_final):
        """Backpropagate through every layer, top first; returns (grad_x, grad_init)."""
        caches, (N, T), given = self._require_cache(self._cache)
        L, H = self.num_layers, self.hidden_size
        dtype = self.weight_ih_l0.dtype
        if grad_output is None:
            grad_out = np.zeros((T, N, H), dtype=dtype)
        else:
            check_grad(self, grad_output, (N, T, H), self.weight_ih_l0.dtype)
            grad_out = np.ascontiguousarray(grad_output.transpose(1, 0, 2))  # (T, N, H)
        for g, g_name in zip(grad_final, self._state_names, strict=True):
            if g is not None:
                name = "grad_" + g_name.replace("0", "_n")
                check_grad(self, g, (L, N, H), self.weight_ih_l0.dtype, name=name)
        grad_init = [None] * L
        for layer in reversed(range(L)):
            final = tuple(
                np.zeros((N, H), dtype) if g is None else g[layer].copy() for g in grad_final
            )  # copies: the loop updates them in place
            grad_out, grad_init[layer] = self._layer_backward(layer, caches[layer], grad_out, final)
        grad_x = np.ascontiguousarray(grad_out.transpose(1, 0, 2))  # (N, T, D)
        grad_init = tuple(np.stack(g) for g in zip(*grad_init, strict=True))  # (L, N, H) each
        return grad_x, (grad_init if given else None)

    def _accumulate(self, layer, inp, hs, d_pre_x, d_pre_h):
        """Parameter gradients of one layer in one product each; returns the input gradient.

        ``d_pre_x`` and ``d_pre_h`` (T, N, G, H) are the gradients of the input-side and
        hidden-side pre-activations (equal except for the GRU's n gate).
        """
        w_ih, w_hh, b_ih, b_hh = self._params(layer)
        T, N, D = inp.shape
        GH, H = w_ih.shape[0], self.hidden_size  # sizes written out: T*N may be 0 (empty batch)
        dx2 = d_pre_x.reshape(T * N, GH)  # (T*N, G*H)
        dh2 = d_pre_h.reshape(T * N, GH)
        w_ih.grad += dx2.T @ inp.reshape(T * N, D)  # (G*H, D)
        w_hh.grad += dh2.T @ hs[:-1].reshape(T * N, H)  # (G*H, H): h_{t-1} feeds step t
        if b_ih is not None:
            db = dx2.sum(axis=0)  # (G*H,)
            b_ih.grad += db
            b_hh.grad += db if d_pre_h is d_pre_x else dh2.sum(axis=0)
        return (dx2 @ w_ih.data).reshape(T, N, D)  # (T, N, D)

    def extra_repr(self) -> str:
        return (
            f"{self.input_size}, {self.hidden_size}, num_layers={self.num_layers}, bias={self.bias}"
        )


def _project(w_ih, b_ih, inp, num_gates, hidden_size):
    """``inp W_ih^T + b_ih`` for every step at once: (T, N, D) -> (T, N, G, H)."""
    T, N, D = inp.shape
    pre = (inp.reshape(T * N, D) @ w_ih.T).reshape(T, N, num_gates, hidden_size)
    if b_ih is not None:
        pre += b_ih.reshape(num_gates, hidden_size)
    return pre


class _HiddenStateRNN(_RNNBase):
    """The calling convention of the RNN and the GRU, whose only state is ``h``.

    ``forward(x, h0=None) -> (output, h_n)``; ``backward(grad_output, grad_h_n=None) -> grad_x``,
    leaving the gradient of ``h0`` in ``grad_h0``.
    """

    grad_h0 = None  # set by backward

    def forward(self, x, h0=None):
        output, (h_n,) = self._forward(x, (h0,))
        return output, h_n

    def backward(self, grad_output, grad_h_n=None):
        grad_x, grad_init = self._backward(grad_output, (grad_h_n,))
        self.grad_h0 = None if grad_init is None else grad_init[0]
        return grad_x


class RNN(_HiddenStateRNN):
    """A multi-layer Elman RNN over a batch of sequences, as ``torch.nn.RNN(batch_first=True)``.

    Parameters
    ----------
    input_size, hidden_size : int
        Sizes of each input vector :math:`x_t` and of the hidden state :math:`h_t`.
    num_layers : int
        Layers stacked so that the outputs of layer :math:`l` are the inputs of layer :math:`l+1`.
    nonlinearity : {'tanh', 'relu'}
    bias : bool
        Whether to learn the biases.
    batch_first : bool
        Must be True: inputs are (N, T, D).
    rng : numpy.random.Generator or int, optional
        Draws every weight and bias from :math:`U(-1/\\sqrt{H}, 1/\\sqrt{H})`, as torch.
    dtype : float32 or float64

    Attributes
    ----------
    weight_ih_l0 : Parameter, shape (hidden_size, input_size)
        ``weight_ih_l1``, ... are (hidden_size, hidden_size).
    weight_hh_l0, weight_hh_l1, ... : Parameter, shape (hidden_size, hidden_size)
    bias_ih_l0, bias_hh_l0, ... : Parameter, shape (hidden_size,)
    grad_h0 : numpy.ndarray or None
        After ``backward``: the gradient of ``h0`` (num_layers, N, hidden_size), or None if
        ``forward`` was called without ``h0``.

    Shape
    -----
    ``forward(x, h0=None) -> (output, h_n)``: x (N, T, input_size), h0 (num_layers, N, H)
    (None means zeros); output (N, T, H) holds the last layer's :math:`h_t` for every t, h_n
    (num_layers, N, H) every layer's last :math:`h_T`.

    ``backward(grad_output, grad_h_n=None) -> grad_x`` (N, T, input_size). Either gradient may be
    None (e.g. ``grad_output=None`` for a many-to-one model that only uses ``h_n``).

    Notes
    -----
    .. math::

        h_t = \\phi(x_t W_{ih}^\\top + b_{ih} + h_{t-1} W_{hh}^\\top + b_{hh})

    Backpropagation through time runs :math:`t = T, \\ldots, 1`. With :math:`G_t` the gradient
    arriving from the output at step :math:`t` and :math:`\\delta_t` the whole gradient of
    :math:`h_t`,

    .. math::

        \\delta_t = G_t + a_{t+1} W_{hh}, \\qquad a_t = \\delta_t \\odot \\phi'_t, \\qquad
        \\frac{\\partial L}{\\partial W_{hh}} = \\sum_t a_t^\\top h_{t-1}, \\qquad
        \\frac{\\partial L}{\\partial W_{ih}} = \\sum_t a_t^\\top x_t,

    where :math:`a_{T+1} W_{hh}` stands for the gradient of :math:`h_T` given to ``backward``.
    Each step multiplies the gradient by :math:`W_{hh}` and :math:`\\phi'`: over many steps it
    shrinks or grows geometrically (vanishing or exploding gradients).

    See the chapter :doc:`/rnn`.
    """

    num_gates = 1

    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        nonlinearity="tanh",
        bias=True,
        batch_first=True,
        *,
        rng=None,
        dtype=np.float64,
    ):
        super().__init__(
            input_size, hidden_size, num_layers, bias, batch_first, rng=rng, dtype=dtype
        )
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.nonlinearity = nonlinearity

    def _layer_forward(self, layer, inp, init):
        w_ih, w_hh, b_ih, b_hh = (p if p is None else p.data for p in self._params(layer))
        T, N, _ = inp.shape
        pre = _project(w_ih, b_ih, inp, 1, self.hidden_size)[:, :, 0]  # (T, N, H)
        if b_hh is not None:
            pre += b_hh
        hs = np.empty((T + 1, N, self.hidden_size), dtype=inp.dtype)  # hs[t] = h_t, hs[0] = h0
        hs[0] = init[0]
        for t in range(T):
            h = hs[t + 1]  # (N, H), a view: written in place
            np.matmul(hs[t], w_hh.T, out=h)
            h += pre[t]
            if self.nonlinearity == "tanh":
                np.tanh(h, out=h)
            else:
                np.maximum(h, 0, out=h)
        return hs[1:], (hs[T],), (inp, hs)

    def _layer_backward(self, layer, cache, grad_out, grad_final):
        inp, hs = cache
        w_hh = self._params(layer)[1].data
        # phi' at every step, computed before the loop: it does not depend on the gradient.
        if self.nonlinearity == "tanh":
            local = 1 - hs[1:] ** 2  # (T, N, H)
        else:
            local = (hs[1:] > 0).astype(hs.dtype)
        d_pre = np.empty_like(local)  # (T, N, H): dL/d(pre-activation) at each step
        (dh,) = grad_final  # (N, H): dL/dh_t arriving from step t+1
        for t in reversed(range(len(local))):
            np.add(grad_out[t], dh, out=d_pre[t])  # all of dL/dh_t: from above and from t+1
            d_pre[t] *= local[t]
            np.matmul(d_pre[t], w_hh, out=dh)  # dL/dh_{t-1} through W_hh
        d_pre = d_pre[:, :, None, :]  # (T, N, 1, H)
        return self._accumulate(layer, inp, hs, d_pre, d_pre), (dh,)

    def extra_repr(self) -> str:
        return super().extra_repr() + f", nonlinearity={self.nonlinearity!r}"
