"""Timing helpers shared by the benchmark scripts."""

from __future__ import annotations

import time
from collections.abc import Callable


def best_of(fn: Callable[[], object], repeat: int = 5, warmup: int = 1) -> float:
    """The fastest of ``repeat`` timed calls of ``fn``, in seconds, after ``warmup`` calls.

    The minimum is the least noisy estimate of what the code costs on an otherwise idle machine.
    """
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def row(benchmark: str, case: str, impl: str, seconds: float, **extra) -> dict:
    """One line of the results table."""
    return {"benchmark": benchmark, "case": case, "impl": impl, "seconds": seconds, **extra}
