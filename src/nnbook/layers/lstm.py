"""Gated recurrent networks over whole sequences: ``LSTM`` and ``GRU``.

Same organisation as :class:`nnbook.layers.rnn.RNN` (see that module's docstring): one product
for the input projection of all steps, one gate product per step into preallocated buffers, and a
backward loop that only carries the state gradients because every local derivative is computed
before it, for all steps at once. The LSTM keeps its gates gate-major, (4, T, N, H), so that
every gate is a contiguous block both within a step and over the whole sequence.

See the chapter :doc:`/lstm`.
"""

from __future__ import annotations

import numpy as np

from .rnn import _HiddenStateRNN, _project, _RNNBase, _sigmoid_


class LSTM(_RNNBase):
    """A multi-layer long short-term memory network, as ``torch.nn.LSTM(batch_first=True)``.

    Parameters
    ----------
    input_size, hidden_size : int
    num_layers : int
    bias : bool
    batch_first : bool
        Must be True: inputs are (N, T, D).
    rng : numpy.random.Generator or int, optional
        Draws every weight and bias from :math:`U(-1/\\sqrt{H}, 1/\\sqrt{H})`, as torch.
    dtype : float32 or float64

    Attributes
    ----------
    weight_ih_l0 : Parameter, shape (4 * hidden_size, input_size)
        Rows of the gates stacked in the order i, f, g, o; ``weight_ih_l1``, ... are
        (4 * hidden_size, hidden_size).
    weight_hh_l0, ... : Parameter, shape (4 * hidden_size, hidden_size)
    bias_ih_l0, bias_hh_l0, ... : Parameter, shape (4 * hidden_size,)
    grad_state : tuple of numpy.ndarray or None
        After ``backward``: the gradients ``(grad_h0, grad_c0)``, each (num_layers, N, H), or
        None if ``forward`` was called without ``state``.

    Shape
    -----
    ``forward(x, state=None) -> (output, (h_n, c_n))``: x (N, T, input_size), state
    ``(h0, c0)`` each (num_layers, N, H) (None means zeros); output (N, T, H).

    ``backward(grad_output, grad_state=None) -> grad_x`` (N, T, input_size), where
    ``grad_state = (grad_h_n, grad_c_n)``. Any of these gradients may be None.

    Notes
    -----
    At each step (:math:`\\sigma` the logistic function):

    .. math::

        (i, f, g, o) &= (\\sigma, \\sigma, \\tanh, \\sigma)
            (x_t W_{ih}^\\top + b_{ih} + h_{t-1} W_{hh}^\\top + b_{hh}) \\\\
        c_t &= f \\odot c_{t-1} + i \\odot g, \\qquad h_t = o \\odot \\tanh(c_t)

    Backward, with :math:`\\delta h_t` and :math:`\\delta c_t` the full gradients of
    :math:`h_t` and :math:`c_t`: :math:`\\delta c_t = \\delta c_{t+1} f_{t+1} + \\delta h_t\\,
    o \\odot (1 - \\tanh^2 c_t)`; the gate pre-activations get
    :math:`\\delta c_t \\odot g \\odot i(1-i)`, :math:`\\delta c_t \\odot c_{t-1} \\odot f(1-f)`,
    :math:`\\delta c_t \\odot i \\odot (1-g^2)` and :math:`\\delta h_t \\odot \\tanh c_t \\odot
    o(1-o)`. The cell state's path multiplies only by :math:`f`: with :math:`f = 1` the
    gradient flows back unchanged (no vanishing), which is the point of the LSTM.

    See the chapter :doc:`/lstm`.
    """

    num_gates = 4
    _state_names = ("h0", "c0")
    grad_state = None  # set by backward

    def forward(self, x, state=None):
        if state is None:
            state = (None, None)
        elif not isinstance(state, (tuple, list)) or len(state) != 2:
            raise TypeError(f"LSTM: expected state to be a tuple (h0, c0), got {state!r:.60}")
        elif state[0] is None or state[1] is None:
            raise TypeError("LSTM: state must hold both h0 and c0 (or be None)")
        output, (h_n, c_n) = self._forward(x, tuple(state))
        return output, (h_n, c_n)

    def backward(self, grad_output, grad_state=None):
        if grad_state is None:
            grad_state = (None, None)
        elif not isinstance(grad_state, (tuple, list)) or len(grad_state) != 2:
            raise TypeError("LSTM: expected grad_state to be a tuple (grad_h_n, grad_c_n)")
        grad_x, self.grad_state = self._backward(grad_output, tuple(grad_state))
        return grad_x

    def _layer_forward(self, layer, inp, init):
        w_ih, w_hh, b_ih, b_hh = (p if p is None else p.data for p in self._params(layer))
        T, N, D = inp.shape
        H = self.hidden_size
        # The gate buffer is gate-major, (4, T, N, H): each gate of every step is one contiguous
        # (T, N, H) block, so the whole-sequence passes of backward run over long contiguous
        # rows, and so do the per-step operations on gates[k, t] (N, H).
        gates = np.empty((4, T, N, H), dtype=inp.dtype)  # pre-activations, then i, f, g, o
        w_by_gate = w_ih.reshape(4, H, D).transpose(0, 2, 1)  # (4, D, H): W_ih of each gate
        np.matmul(inp.reshape(T * N, D), w_by_gate, out=gates.reshape(4, T * N, H))
        if b_ih is not None:
            gates += (b_ih + b_hh).reshape(4, 1, 1, H)  # both biases in one pass
        hs = np.empty((T + 1, N, H), dtype=inp.dtype)  # hs[t] = h_t, hs[0] = h0
        cs = np.empty((T + 1, N, H), dtype=inp.dtype)  # cs[t] = c_t, cs[0] = c0
        tanh_c = np.empty((T, N, H), dtype=inp.dtype)  # tanh(c_t) for t = 1..T
        hs[0], cs[0] = init
        # W_hh^T of each gate, contiguous: the step's product is 4 (N, H) blocks that add into
        # gates[:, t] without a strided pass.
        w_hh_by_gate = np.ascontiguousarray(w_hh.reshape(4, H, H).transpose(0, 2, 1))  # (4, H, H)
        gh = np.empty((4, N, H), dtype=inp.dtype)  # scratch: h_{t-1} W_hh^T, gate by gate
        ig = np.empty((N, H), dtype=inp.dtype)  # scratch: i * g
        with np.errstate(over="ignore"):  # exp(-z) = inf for z << 0 gives sigmoid(z) = 0
            for t in range(T):
                a = gates[:, t]  # (4, N, H)
                np.matmul(hs[t], w_hh_by_gate, out=gh)
                a += gh
                i, f, g, o = a  # each (N, H), contiguous
                # One exp for all four gates: tanh(z) = 2 sigmoid(2z) - 1 gives g.
                g *= 2
                _sigmoid_(a)
                g *= 2
                g -= 1
                np.multiply(f, cs[t], out=cs[t + 1])
                np.multiply(i, g, out=ig)
                cs[t + 1] += ig  # c_t = f c_{t-1} + i g
                np.tanh(cs[t + 1], out=tanh_c[t])
                np.multiply(o, tanh_c[t], out=hs[t + 1])  # h_t = o tanh(c_t)
        return hs[1:], (hs[T], cs[T]), (inp, gates, hs, cs, tanh_c)

    def _layer_backward(self, layer, cache, grad_out, grad_final):
        inp, gates, hs, cs, tanh_c = cache
        w_hh = self._params(layer)[1].data
        _, T, N, H = gates.shape
        i, f, g, o = gates  # each (T, N, H), contiguous
        # Local derivatives for all steps at once: d(pre-activation of gate) = dc * local
        # for i, f, g and dh * local for o; and dc_t gets dh_t * through_h. ``d_pre`` is
        # step-major, (T, N, 4, H) like torch's weight rows, so that d_pre[t] is the (N, 4H)
        # matrix of the step's product with W_hh. It first holds the local derivatives and the
        # loop multiplies them in place: one (T, N, 4, H) buffer instead of two, as a fresh
        # large buffer costs more in page faults than these passes cost in arithmetic. Each
        # derivative is built in a contiguous (T, N, H) scratch; only its last factor is
        # written, strided, into d_pre.
        d_pre = np.empty((T, N, 4, H), dtype=gates.dtype)
        through_h = np.square(tanh_c)  # (T, N, H)
        np.subtract(1, through_h, out=through_h)
        through_h *= o  # o (1 - tanh^2 c_t)
        scratch = np.empty_like(tanh_c)  # (T, N, H)
        np.subtract(1, i, out=scratch)
        scratch *= i
        np.multiply(scratch, g, out=d_pre[:, :, 0])  # i (1 - i) g
        np.subtract(1, f, out=scratch)
        scratch *= f
        np.multiply(scratch, cs[:-1], out=d_pre[:, :, 1])  # f (1 - f) c_{t-1}
        np.square(g, out=scratch)
        np.subtract(1, scratch, out=scratch)
        np.multiply(scratch, i, out=d_pre[:, :, 2])  # (1 - g^2) i
        np.subtract(1, o, out=scratch)
        scratch *= o
        np.multiply(scratch, tanh_c, out=d_pre[:, :, 3])  # o (1 - o) tanh c_t
        dh, dc = grad_final  # (N, H) each: gradients arriving from step t+1
        dh_t = scratch[0]  # (N, H) scratch, reused
        for t in reversed(range(T)):
            np.add(grad_out[t], dh, out=dh_t)  # all of dL/dh_t: from above and from t+1
            # All of dL/dc_t; through_h[t], not needed again, holds the product.
            dc += np.multiply(dh_t, through_h[t], out=through_h[t])
            d_pre[t, :, :3] *= dc[:, None, :]  # i, f, g
            d_pre[t, :, 3] *= dh_t  # o
            dc *= f[t]  # dL/dc_{t-1}: the cell state's path only multiplies by f
            np.matmul(d_pre[t].reshape(N, 4 * H), w_hh, out=dh)  # dL/dh_{t-1}
        return self._accumulate(layer, inp, hs, d_pre, d_pre), (dh, dc)


class GRU(_HiddenStateRNN):
    """A multi-layer gated recurrent unit network, as ``torch.nn.GRU(batch_first=True)``.

    Parameters
    ----------
    input_size, hidden_size : int
    num_layers : int
    bias : bool
    batch_first : bool
        Must be True: inputs are (N, T, D).
    rng : numpy.random.Generator or int, optional
        Draws every weight and bias from :math:`U(-1/\\sqrt{H}, 1/\\sqrt{H})`, as torch.
    dtype : float32 or float64

    Attributes
    ----------
    weight_ih_l0 : Parameter, shape (3 * hidden_size, input_size)
        Rows of the gates stacked in the order r, z, n; ``weight_ih_l1``, ... are
        (3 * hidden_size, hidden_size).
    weight_hh_l0, ... : Parameter, shape (3 * hidden_size, hidden_size)
    bias_ih_l0, bias_hh_l0, ... : Parameter, shape (3 * hidden_size,)
    grad_h0 : numpy.ndarray or None
        After ``backward``: the gradient of ``h0``, or None if ``forward`` had no ``h0``.

    Shape
    -----
    ``forward(x, h0=None) -> (output, h_n)`` and ``backward(grad_output, grad_h_n=None) ->
    grad_x``, exactly as :class:`RNN`.

    Notes
    -----
    Torch's formulas (the reset gate scales :math:`h W_{hn}^\\top + b_{hn}`, bias included):

    .. math::

        r &= \\sigma(x W_{ir}^\\top + b_{ir} + h W_{hr}^\\top + b_{hr}), \\qquad
        z = \\sigma(x W_{iz}^\\top + b_{iz} + h W_{hz}^\\top + b_{hz}) \\\\
        n &= \\tanh(x W_{in}^\\top + b_{in} + r \\odot (h W_{hn}^\\top + b_{hn})) \\\\
        h' &= (1 - z) \\odot n + z \\odot h

    See the chapter :doc:`/lstm`.
    """

    num_gates = 3

    def _layer_forward(self, layer, inp, init):
        w_ih, w_hh, b_ih, b_hh = (p if p is None else p.data for p in self._params(layer))
        T, N, _ = inp.shape
        H = self.hidden_size
        gates = _project(w_ih, b_ih, inp, 3, H)  # (T, N, 3, H): pre-activations, then r, z, n
        if b_hh is not None:
            gates[:, :, :2] += b_hh[: 2 * H].reshape(2, H)  # b_hn stays inside r * (...)
        hs = np.empty((T + 1, N, H), dtype=inp.dtype)  # hs[t] = h_t, hs[0] = h0
        hs[0] = init[0]
        hn = np.empty((T, N, H), dtype=inp.dtype)  # h_{t-1} W_hn^T + b_hn, for backward
        gh = np.empty((N, 3, H), dtype=inp.dtype)  # scratch: h_{t-1} W_hh^T
        scratch = np.empty((N, H), dtype=inp.dtype)
        with np.errstate(over="ignore"):  # exp(-z) = inf for z << 0 gives sigmoid(z) = 0
            for t in range(T):
                a = gates[t]  # (N, 3, H)
                np.matmul(hs[t], w_hh.T, out=gh.reshape(N, 3 * H))
                a[:, :2] += gh[:, :2]
                _sigmoid_(a[:, :2])  # r, z
                r, z, n = a[:, 0], a[:, 1], a[:, 2]  # each (N, H)
                if b_hh is None:
                    hn[t] = gh[:, 2]
                else:
                    np.add(gh[:, 2], b_hh[2 * H :], out=hn[t])
                np.multiply(r, hn[t], out=scratch)
                n += scratch
                np.tanh(n, out=n)
                np.subtract(hs[t], n, out=scratch)
                scratch *= z
                np.add(n, scratch, out=hs[t + 1])  # h_t = (1 - z) n + z h_{t-1}
        return hs[1:], (hs[T],), (inp, gates, hs, hn)

    def _layer_backward(self, layer, cache, grad_out, grad_final):
        inp, gates, hs, hn = cache
        w_hh = self._params(layer)[1].data
        T, N, _, H = gates.shape
        r, z, n = (gates[:, :, k] for k in range(3))  # each (T, N, H)
        # Local derivatives for all steps at once: the hidden-side pre-activations of r, z and
        # n get dh_t * local; the input side of n gets dh_t * through_n (it is not scaled by r).
        through_n = (1 - z) * (1 - n**2)  # (T, N, H)
        local = np.empty((T, N, 3, H), dtype=gates.dtype)
        local[:, :, 0] = through_n * hn * r * (1 - r)
        local[:, :, 1] = (hs[:-1] - n) * z * (1 - z)
        local[:, :, 2] = through_n * r
        d_pre_h = np.empty_like(local)  # (T, N, 3, H)
        dh_all = np.empty((T, N, H), dtype=gates.dtype)  # all of dL/dh_t, for every t
        (dh,) = grad_final  # (N, H): dL/dh_t arriving from step t+1
        scratch = np.empty_like(dh)
        for t in reversed(range(T)):
            dh_t = dh_all[t]
            np.add(grad_out[t], dh, out=dh_t)  # from above and from t+1
            np.multiply(dh_t[:, None, :], local[t], out=d_pre_h[t])
            np.matmul(d_pre_h[t].reshape(N, 3 * H), w_hh, out=dh)  # through the gates
            np.multiply(dh_t, z[t], out=scratch)
            dh += scratch  # and directly through h_t = ... + z h_{t-1}
        d_pre_x = d_pre_h.copy()  # (T, N, 3, H)
        d_pre_x[:, :, 2] = dh_all * through_n
        return self._accumulate(layer, inp, hs, d_pre_x, d_pre_h), (dh,)
