"""The benchmarks' own reference implementations and timing helper (``benchmarks/``).

The naive references are what nnbook is compared against in ``make bench``; a speed-up over a
reference that computes something else would mean nothing.
"""

import time

import bench_attention
import bench_rnn
import numpy as np
from timing import best_of

import nnbook


def test_naive_mha_matches_multihead_attention(rng):
    heads = bench_attention.H
    embed = 2 * heads
    mha = nnbook.MultiheadAttention(embed, heads, rng=0)
    x = rng.standard_normal((2, 5, embed))
    grad = rng.standard_normal((2, 5, embed))
    out, _ = mha(x, x, x)  # (output, attention weights), as in torch
    grad_x = sum(mha.backward(grad))  # self-attention: x is query, key and value
    naive_out, naive_grad_x, (grad_w_in, grad_b_in, grad_w_out) = bench_attention.naive_mha(
        x,
        mha.in_proj_weight.data,
        mha.in_proj_bias.data,
        mha.out_proj.weight.data,
        mha.out_proj.bias.data,
        grad,
    )
    np.testing.assert_allclose(naive_out, out, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(naive_grad_x, grad_x, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grad_w_in, mha.in_proj_weight.grad, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grad_b_in, mha.in_proj_bias.grad, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grad_w_out, mha.out_proj.weight.grad, rtol=1e-10, atol=1e-12)


def test_naive_lstm_matches_lstm(rng):
    d, h = bench_rnn.D, bench_rnn.H
    lstm = nnbook.LSTM(d, h, rng=0)
    cell = nnbook.LSTMCell(d, h, rng=1)
    for name, param in cell.named_parameters():
        param.data[...] = getattr(lstm, f"{name}_l0").data
    x = rng.standard_normal((2, 4, d))
    grad = rng.standard_normal((2, 4, h))
    lstm(x)
    lstm.backward(grad)
    bench_rnn._naive_lstm(cell, x, grad)()
    for name, param in cell.named_parameters():
        np.testing.assert_allclose(
            param.grad, getattr(lstm, f"{name}_l0").grad, rtol=1e-10, atol=1e-12, err_msg=name
        )


def test_best_of_runs_at_least_repeat_calls_and_min_seconds():
    durations = []

    def sleep_a_little():
        start = time.perf_counter()
        time.sleep(0.002)
        durations.append(time.perf_counter() - start)

    best = best_of(sleep_a_little, repeat=3, warmup=1, min_seconds=0.03)
    timed = durations[1:]  # the first call is the warm-up
    assert len(timed) >= 3
    assert sum(timed) >= 0.03 * 0.9  # timed from outside, each call measures a bit longer
    assert 0.002 <= best <= min(timed) + 1e-3
