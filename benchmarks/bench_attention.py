"""Multi-head self-attention, forward + backward: nnbook vs a per-head loop vs PyTorch.

N=16 sequences of T=128 tokens, E=256, 8 heads, float32.
Run alone: ``python benchmarks/bench_attention.py``.
"""

from __future__ import annotations

import numpy as np
from timing import best_interleaved, row

import nnbook
from nnbook.functional import softmax

BENCH = "multihead self-attention fwd+bwd"
N, T, E, H = 16, 128, 256, 8
CASE = f"N={N} T={T} E={E} heads={H} float32"


def naive_mha(x, w_in, b_in, w_out, b_out, grad_out):
    """Self-attention head by head with a Python loop, forward and backward (the reference)."""
    n, t, e = x.shape
    d = e // H
    qkv = x @ w_in.T + b_in  # (N, T, 3E)
    heads = np.empty_like(x)
    saved = []
    for i in range(H):
        q = qkv[..., i * d : (i + 1) * d]
        k = qkv[..., e + i * d : e + (i + 1) * d]
        v = qkv[..., 2 * e + i * d : 2 * e + (i + 1) * d]
        p = softmax(q @ k.transpose(0, 2, 1) / np.sqrt(d))  # (N, T, T)
        heads[..., i * d : (i + 1) * d] = p @ v
        saved.append((q, k, v, p))
    out = heads @ w_out.T + b_out
    grad_heads = grad_out @ w_out
    grad_qkv = np.empty_like(qkv)
    for i, (q, k, v, p) in enumerate(saved):
        g = grad_heads[..., i * d : (i + 1) * d]
        grad_qkv[..., 2 * e + i * d : 2 * e + (i + 1) * d] = p.transpose(0, 2, 1) @ g
        dp = g @ v.transpose(0, 2, 1)
        ds = p * (dp - np.sum(dp * p, axis=-1, keepdims=True)) / np.sqrt(d)
        grad_qkv[..., i * d : (i + 1) * d] = ds @ k
        grad_qkv[..., e + i * d : e + (i + 1) * d] = ds.transpose(0, 2, 1) @ q
    flat = grad_qkv.reshape(-1, 3 * e)
    grad_w_out = grad_out.reshape(-1, e).T @ heads.reshape(-1, e)
    grads = (flat.T @ x.reshape(-1, e), flat.sum(0), grad_w_out)
    return out, grad_qkv @ w_in, grads


def run(repeat: int = 5) -> list[dict]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, T, E)).astype(np.float32)
    grad = rng.standard_normal((N, T, E)).astype(np.float32)
    mha = nnbook.MultiheadAttention(E, H, rng=0, dtype=np.float32)

    def nnbook_step():
        mha.zero_grad()
        mha(x, x, x)
        gq, gk, gv = mha.backward(grad)
        return gq + gk + gv

    w_in, b_in = mha.in_proj_weight.data, mha.in_proj_bias.data
    w_out, b_out = mha.out_proj.weight.data, mha.out_proj.bias.data

    def naive_step():
        return naive_mha(x, w_in, b_in, w_out, b_out, grad)

    steps = {"nnbook": nnbook_step, "naive": naive_step}
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None:
        tmha = torch.nn.MultiheadAttention(E, H, batch_first=True)
        tx = torch.from_numpy(x).requires_grad_(True)
        tgrad = torch.from_numpy(grad)

        def torch_step(need_weights):
            tmha.zero_grad()
            tx.grad = None
            out, _ = tmha(tx, tx, tx, need_weights=need_weights, average_attn_weights=False)
            out.backward(tgrad)

        steps["torch"] = lambda: torch_step(True)
        steps["torch fused"] = lambda: torch_step(False)
    best = best_interleaved(steps, repeat)
    rows = [row(BENCH, CASE, "nnbook", best["nnbook"]), row(BENCH, CASE, "naive", best["naive"])]
    if torch is not None:
        rows.append(
            row(
                BENCH,
                CASE,
                "torch",
                best["torch"],
                note="need_weights=True, per-head weights (the same work as nnbook)",
            )
        )
        rows.append(
            row(
                BENCH,
                CASE + " (torch fused SDPA)",
                "torch",
                best["torch fused"],
                note="need_weights=False: torch's fused attention kernel, no weights",
            )
        )
    return rows


if __name__ == "__main__":
    for r in run():
        print(f"{r['case']:<48} {r['impl']:<7} {r['seconds'] * 1e3:8.2f} ms  {r.get('note', '')}")
