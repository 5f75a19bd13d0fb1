"""Conv2d and MaxPool2d: nnbook vs PyTorch CPU vs the naive loop, float32, forward + backward.

Besides the times, the rows carry the NumPy float32 matmul throughput of this machine, measured
in the same run, and the GFLOP/s each convolution reaches, so "how close to the hardware" can be
read off directly: an im2col convolution can at best run at matmul speed.
"""

from __future__ import annotations

import numpy as np
from timing import best_of, row

import nnbook
from nnbook.functional import conv2d_naive

BENCH = "conv"

# (name, N, C_in, C_out, H = W, kernel, padding)
CONV_CASES = [
    ("a: N=64, 6->16, 14x14, k=5", 64, 6, 16, 14, 5, 0),
    ("b: N=32, 32->64, 32x32, k=3, p=1", 32, 32, 64, 32, 3, 1),
]
NAIVE_BATCH = {"a": 4, "b": 1}  # the naive loop runs on this many samples, then is scaled up
POOL_CASES = [(64, 16, 28, 28), (32, 64, 32, 32)]
MATMUL_SIZE = 2048


def _matmul_gflops(rng, repeat: int) -> tuple[float, float]:
    a = rng.standard_normal((MATMUL_SIZE, MATMUL_SIZE), dtype=np.float32)
    b = rng.standard_normal((MATMUL_SIZE, MATMUL_SIZE), dtype=np.float32)
    out = np.empty_like(a)
    seconds = best_of(lambda: np.matmul(a, b, out=out), repeat=repeat)
    return seconds, 2 * MATMUL_SIZE**3 / seconds / 1e9


def _bench_conv(rng, torch, case, repeat: int, matmul_gflops: float) -> list[dict]:
    name, n, c_in, c_out, size, k, p = case
    out_size = nnbook.functional.conv_output_size(size, k, 1, p)
    flops = 3 * 2 * n * c_out * out_size * out_size * c_in * k * k  # forward + 2 backward products
    x = rng.standard_normal((n, c_in, size, size), dtype=np.float32)
    conv = nnbook.Conv2d(c_in, c_out, k, padding=p, rng=rng, dtype=np.float32)
    grad = rng.standard_normal((n, c_out, out_size, out_size), dtype=np.float32)

    def step():
        conv(x)
        conv.backward(grad)

    ours = best_of(step, repeat=repeat)
    ours_fwd = best_of(lambda: conv(x), repeat=repeat)
    extra = {"gflops": flops / ours / 1e9}
    if case is CONV_CASES[-1]:
        extra.update(
            matmul_gflops=matmul_gflops, fraction_of_matmul=flops / ours / 1e9 / matmul_gflops
        )
    rows = []
    if torch is not None:
        tconv = torch.nn.Conv2d(c_in, c_out, k, padding=p)
        tx = torch.from_numpy(x).requires_grad_(True)
        tgrad = torch.from_numpy(grad)

        def torch_step():
            tconv(tx).backward(tgrad)

        theirs = best_of(torch_step, repeat=repeat)
        extra["ratio_to_torch"] = ours / theirs
        rows.append(row(BENCH, name, "torch", theirs, gflops=flops / theirs / 1e9))
    rows.insert(0, row(BENCH, name, "nnbook", ours, **extra))

    small = NAIVE_BATCH[name[0]]
    naive = (
        best_of(
            lambda: conv2d_naive(x[:small], conv.weight.data, conv.bias.data, 1, p),
            repeat=1,
            warmup=0,
        )
        * n
        / small
    )
    rows.append(
        row(
            BENCH,
            name,
            "naive",
            naive,
            speedup_of_nnbook_forward=naive / ours_fwd,
            note=f"forward only, timed on N={small} and scaled by {n}/{small}; compare with the "
            f"nnbook forward alone ({ours_fwd:.4f} s)",
        )
    )
    return rows


def _bench_maxpool(rng, torch, shape, repeat: int) -> list[dict]:
    name = f"MaxPool2d 2x2: N={shape[0]}, C={shape[1]}, {shape[2]}x{shape[3]}"
    x = rng.standard_normal(shape, dtype=np.float32)
    pool = nnbook.MaxPool2d(2)
    grad = rng.standard_normal(pool(x).shape, dtype=np.float32)

    def step():
        pool(x)
        pool.backward(grad)

    ours = best_of(step, repeat=repeat)
    rows = [row(BENCH, name, "nnbook", ours)]
    if torch is not None:
        tpool = torch.nn.MaxPool2d(2)
        tx = torch.from_numpy(x).requires_grad_(True)
        tgrad = torch.from_numpy(grad)
        theirs = best_of(lambda: tpool(tx).backward(tgrad), repeat=repeat)
        rows[0]["ratio_to_torch"] = ours / theirs
        rows.append(row(BENCH, name, "torch", theirs))
    return rows


def run(repeat: int = 5) -> list[dict]:
    """Time every case; ``repeat`` timed calls each (the best counts), after one warm-up."""
    try:
        import torch
    except ImportError:
        torch = None
    rng = np.random.default_rng(0)
    seconds, gflops = _matmul_gflops(rng, repeat)
    rows = [
        row(BENCH, f"float32 matmul {MATMUL_SIZE}x{MATMUL_SIZE}", "matmul", seconds, gflops=gflops)
    ]
    for case in CONV_CASES:
        rows += _bench_conv(rng, torch, case, repeat, gflops)
    for shape in POOL_CASES:
        rows += _bench_maxpool(rng, torch, shape, repeat)
    return rows
