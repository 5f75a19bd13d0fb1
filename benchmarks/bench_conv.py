"""Conv2d and MaxPool2d: nnbook vs PyTorch CPU vs the naive loop, float32, forward + backward.

Besides the times, the rows carry the NumPy float32 matmul throughput of this machine, measured
in the same run, and the GFLOP/s each convolution reaches, so "how close to the hardware" can be
read off directly: an im2col convolution can at best run at matmul speed.

The machine may be shared, and its load changes from one second to the next. So every timed
function (nnbook, torch, the matmul reference) is timed in turn, round after round, and the best
time of each over all rounds counts: each one gets the same chances, and the ratios between them
mean something even on a busy machine.
"""

from __future__ import annotations

import numpy as np
from timing import best_interleaved, best_of, row

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
MATMUL_CASE = f"float32 matmul {MATMUL_SIZE}x{MATMUL_SIZE}"
ROUNDS = 3


def _matmul_step(rng) -> dict:
    a = rng.standard_normal((MATMUL_SIZE, MATMUL_SIZE), dtype=np.float32)
    b = rng.standard_normal((MATMUL_SIZE, MATMUL_SIZE), dtype=np.float32)
    out = np.empty_like(a)
    return {(MATMUL_CASE, "matmul"): lambda: np.matmul(a, b, out=out)}


def _conv_steps(rng, torch, case) -> tuple[dict, dict]:
    """The timed functions of one convolution case, and what the rows need besides."""
    name, n, c_in, c_out, size, k, p = case
    x = rng.standard_normal((n, c_in, size, size), dtype=np.float32)
    conv = nnbook.Conv2d(c_in, c_out, k, padding=p, rng=rng, dtype=np.float32)
    out_size = nnbook.functional.conv_output_size(size, k, 1, p)
    grad = rng.standard_normal((n, c_out, out_size, out_size), dtype=np.float32)

    def step():
        conv(x)
        conv.backward(grad)

    steps = {(name, "nnbook"): step, (name, "nnbook forward"): lambda: conv(x)}
    if torch is not None:
        tconv = torch.nn.Conv2d(c_in, c_out, k, padding=p)
        tx = torch.from_numpy(x).requires_grad_(True)
        tgrad = torch.from_numpy(grad)
        steps[(name, "torch")] = lambda: tconv(tx).backward(tgrad)
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
    flops = 3 * 2 * n * c_out * out_size * out_size * c_in * k * k  # forward + 2 backward products
    return steps, {"flops": flops, "naive": naive, "naive_batch": small, "n": n}


def _conv_rows(name, info, best, matmul_gflops, with_matmul) -> list[dict]:
    ours, flops = best[(name, "nnbook")], info["flops"]
    extra = {"gflops": flops / ours / 1e9}
    if with_matmul:
        extra.update(
            matmul_gflops=matmul_gflops, fraction_of_matmul=flops / ours / 1e9 / matmul_gflops
        )
    rows = []
    if (name, "torch") in best:
        theirs = best[(name, "torch")]
        extra["ratio_to_torch"] = ours / theirs
        rows.append(row(BENCH, name, "torch", theirs, gflops=flops / theirs / 1e9))
    rows.insert(0, row(BENCH, name, "nnbook", ours, **extra))
    ours_fwd, naive, small = best[(name, "nnbook forward")], info["naive"], info["naive_batch"]
    rows.append(
        row(
            BENCH,
            name,
            "naive",
            naive,
            speedup_of_nnbook_forward=naive / ours_fwd,
            note=f"forward only, timed on N={small} and scaled by {info['n']}/{small}; compare "
            f"with the nnbook forward alone ({ours_fwd:.4f} s)",
        )
    )
    return rows


def _maxpool_steps(rng, torch, shape) -> tuple[str, dict]:
    name = f"MaxPool2d 2x2: N={shape[0]}, C={shape[1]}, {shape[2]}x{shape[3]}"
    x = rng.standard_normal(shape, dtype=np.float32)
    pool = nnbook.MaxPool2d(2)
    grad = rng.standard_normal(pool(x).shape, dtype=np.float32)

    def step():
        pool(x)
        pool.backward(grad)

    steps = {(name, "nnbook"): step}
    if torch is not None:
        tpool = torch.nn.MaxPool2d(2)
        tx = torch.from_numpy(x).requires_grad_(True)
        tgrad = torch.from_numpy(grad)
        steps[(name, "torch")] = lambda: tpool(tx).backward(tgrad)
    return name, steps


def run(repeat: int = 5) -> list[dict]:
    """Time every case: ``ROUNDS`` rounds of at least ``repeat`` timed calls each (best counts)."""
    try:
        import torch
    except ImportError:
        torch = None
    rng = np.random.default_rng(0)
    steps = _matmul_step(rng)
    conv_info = {}
    for case in CONV_CASES:
        case_steps, conv_info[case[0]] = _conv_steps(rng, torch, case)
        steps |= case_steps
    pool_names = []
    for shape in POOL_CASES:
        name, pool_steps = _maxpool_steps(rng, torch, shape)
        pool_names.append(name)
        steps |= pool_steps
    best = best_interleaved(steps, repeat, ROUNDS)

    seconds = best[(MATMUL_CASE, "matmul")]
    matmul_gflops = 2 * MATMUL_SIZE**3 / seconds / 1e9
    rows = [row(BENCH, MATMUL_CASE, "matmul", seconds, gflops=matmul_gflops)]
    for case in CONV_CASES:
        name = case[0]
        rows += _conv_rows(name, conv_info[name], best, matmul_gflops, case is CONV_CASES[-1])
    for name in pool_names:
        ours = best[(name, "nnbook")]
        rows.append(row(BENCH, name, "nnbook", ours))
        if (name, "torch") in best:
            rows[-1]["ratio_to_torch"] = ours / best[(name, "torch")]
            rows.append(row(BENCH, name, "torch", best[(name, "torch")]))
    return rows
