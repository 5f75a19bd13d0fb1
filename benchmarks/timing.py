"""Timing helpers shared by the benchmark scripts."""

from __future__ import annotations

import time
from collections.abc import Callable


def best_of(
    fn: Callable[[], object], repeat: int = 5, warmup: int = 1, min_seconds: float = 0.2
) -> float:
    """The fastest of at least ``repeat`` timed calls of ``fn``, in seconds, after ``warmup`` calls.

    The minimum is the least noisy estimate of what the code costs on an otherwise idle machine.
    Calls go on until they have taken ``min_seconds`` in all, so a function of a millisecond or
    two gets a hundred tries, not five. Right after another library has run, the first calls are
    several times slower while the worker threads of the two libraries hand the cores over (seen
    here: 8.5 ms instead of 2.3 ms for the small convolution), and on a shared machine five
    tries often miss every quiet moment.
    """
    for _ in range(warmup):
        fn()
    times = []
    while len(times) < repeat or sum(times) < min_seconds:
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def best_interleaved(steps: dict, repeat: int, rounds: int = 3) -> dict:
    """The best time of each function in ``steps`` (a dict), timing them in turn ``rounds`` times.

    The machine may be shared, and its speed changes from one second to the next. Timing the
    functions round after round gives each the same chances, so the ratios between them mean
    something even on a busy machine.
    """
    best = dict.fromkeys(steps, float("inf"))
    for _ in range(rounds):
        for key, step in steps.items():
            best[key] = min(best[key], best_of(step, repeat=repeat))
    return best


def row(benchmark: str, case: str, impl: str, seconds: float, **extra) -> dict:
    """One line of the results table."""
    return {"benchmark": benchmark, "case": case, "impl": impl, "seconds": seconds, **extra}
