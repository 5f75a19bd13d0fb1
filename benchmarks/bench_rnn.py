"""Recurrent layers: forward + backward of a batch of sequences, nnbook vs a cell loop vs torch.

Sizes: N=32 sequences of T=50 steps, 32 input features, 128 hidden units, one layer, float32.
The "naive" row runs backpropagation through time with one ``LSTMCell`` object per step (all
sharing the same parameters): the cell-by-cell code a chapter explains, against the sequence
module's one-projection-for-all-steps, preallocated-buffer loop.

Threads: NumPy and torch both run with their default thread counts, so that the rows compare
like with like. The time loop makes two small matrix products per step ((32, 128) x (128, 4 *
128)), for which a second BLAS thread pays off only a little, and on a busy machine OpenBLAS's
waiting worker thread can slow the loop instead; so each nnbook row also records, as
``seconds_one_blas_thread``, its time with NumPy's BLAS limited to one thread (with
``threadpoolctl``, when installed). torch always keeps its defaults.
"""

from __future__ import annotations

import contextlib

import numpy as np
from timing import best_of, row

import nnbook

BENCH = "rnn"
N, T, D, H = 32, 50, 32, 128
SIZES = f"N={N} T={T} D={D} H={H}"


def _naive_lstm(cell_template: nnbook.LSTMCell, x: np.ndarray, grad_output: np.ndarray):
    """BPTT through one LSTMCell object per step, all sharing ``cell_template``'s parameters."""
    cells = []
    for _ in range(x.shape[1]):
        cell = nnbook.LSTMCell(D, H, rng=0, dtype=x.dtype)
        for name, param in cell_template.named_parameters():
            setattr(cell, name, param)  # share: every step's gradient adds into one Parameter
        cells.append(cell)

    def step():
        state = None
        for t, cell in enumerate(cells):
            state = cell(x[:, t], state)
        grad_h, grad_c = None, None
        for t in reversed(range(len(cells))):
            grad_h = grad_output[:, t] if grad_h is None else grad_output[:, t] + grad_h
            _, prev = cells[t].backward(grad_h, grad_c)
            grad_h, grad_c = prev if prev is not None else (None, None)

    return step


def _nnbook_step(module, x, grad_output):
    def step():
        module(x)
        module.backward(grad_output)

    return step


def _torch_step(module, x, grad_output):
    def step():
        output, _ = module(x)
        output.backward(grad_output)

    return step


def _one_blas_thread():
    """``(context, label)``: NumPy's BLAS limited to one thread, if threadpoolctl is installed."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext(), "no threadpoolctl, default threads again"
    return threadpool_limits(1, user_api="blas"), "BLAS 1 thread"


def run(repeat: int = 5) -> list[dict]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, T, D)).astype(np.float32)
    grad_output = rng.standard_normal((N, T, H)).astype(np.float32)
    try:
        import torch
    except ImportError:
        torch = None
    rows = []
    for name in ("LSTM", "GRU", "RNN"):
        module = getattr(nnbook, name)(D, H, rng=0, dtype=np.float32)
        steps = {"nnbook": _nnbook_step(module, x, grad_output)}
        if name == "LSTM":
            cell = nnbook.LSTMCell(D, H, rng=0, dtype=np.float32)
            steps["naive"] = _naive_lstm(cell, x, grad_output)
        if torch is not None:
            torch_module = getattr(torch.nn, name)(D, H, batch_first=True)
            xt = torch.from_numpy(x).requires_grad_(True)
            steps["torch"] = _torch_step(torch_module, xt, torch.from_numpy(grad_output))
        case = f"{name} {SIZES}, forward+backward"
        # One implementation after the other (not alternating): numpy's BLAS threads and
        # torch's keep spinning for a moment after they finish, slowing whoever runs next.
        for impl, step in steps.items():
            seconds = best_of(step, repeat)
            if impl == "torch":
                rows.append(row(BENCH, case, impl, seconds))
            elif impl == "naive":
                rows.append(row(BENCH, case, impl, seconds, note="one LSTMCell object per step"))
            else:
                # After the default-thread run, so that no spinning BLAS worker slows torch.
                limit, label = _one_blas_thread()
                with limit:
                    one_thread = best_of(step, repeat)
                rows.append(
                    row(
                        BENCH,
                        case,
                        impl,
                        seconds,
                        seconds_one_blas_thread=one_thread,
                        note=f"default threads ({label}: {1e3 * one_thread:.1f} ms)",
                    )
                )
    return rows
