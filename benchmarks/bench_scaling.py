"""How cost grows with batch size and sequence length (float32, forward + backward).

An LSTM's time grows linearly in the sequence length T, and its T steps must run one after the
other. Self-attention's work grows with T^2 but runs as a few large matrix products. Both are
measured for nnbook and for torch on the same inputs, in the same process.
"""

from __future__ import annotations

import numpy as np
from timing import best_of, row

import nnbook

HIDDEN, EMBED, HEADS = 64, 64, 4


def _lstm_step(n: int, t: int, rng):
    lstm = nnbook.LSTM(HIDDEN, HIDDEN, rng=rng, dtype=np.float32)
    x = rng.standard_normal((n, t, HIDDEN)).astype(np.float32)

    def step():
        out, _ = lstm(x)
        lstm.backward(np.ones_like(out))

    return lstm, x, step


def _attention_step(n: int, t: int, rng):
    mha = nnbook.MultiheadAttention(EMBED, HEADS, rng=rng, dtype=np.float32)
    x = rng.standard_normal((n, t, EMBED)).astype(np.float32)

    def step():
        out, _ = mha(x, x, x)
        mha.backward(np.ones_like(out))

    return mha, x, step


def _torch_step(module, x, attention: bool):
    import torch

    xt = torch.from_numpy(x).requires_grad_(True)

    def step():
        out = module(xt, xt, xt)[0] if attention else module(xt)[0]
        out.backward(torch.ones_like(out))

    return step


def run(repeat: int = 5) -> list[dict]:
    rng = np.random.default_rng(0)
    try:
        import torch
    except ImportError:
        torch = None
    rows = []
    cases = [("lstm", "T", t, 16) for t in (10, 25, 50, 100)]
    cases += [("lstm", "N", 25, n) for n in (4, 16, 64)]
    cases += [("attention", "T", t, 16) for t in (32, 64, 128, 256)]
    for kind, varied, t, n in cases:
        label = f"{varied}={t if varied == 'T' else n} (N={n}, T={t})"
        bench = f"scaling {kind} vs {varied}"
        make = _lstm_step if kind == "lstm" else _attention_step
        module, x, step = make(n, t, rng)
        rows.append(row(bench, label, "nnbook", best_of(step, repeat), N=n, T=t))
        if torch is not None:
            if kind == "lstm":
                tm = torch.nn.LSTM(HIDDEN, HIDDEN, batch_first=True)
            else:
                tm = torch.nn.MultiheadAttention(EMBED, HEADS, batch_first=True)
            step = _torch_step(tm, x, attention=kind == "attention")
            rows.append(row(bench, label, "torch", best_of(step, repeat), N=n, T=t))
    return rows
