"""The machinery every exercise shares: the report, the registry entry and the checks.

An exercise's checks are a generator. It calls the reader's function through a
:class:`Caller`, compares what comes back with the ``expect_*`` helpers below, and yields one
short sentence per check that passed. A helper that finds a problem raises :class:`CheckFailed`
with a hint for the reader; :func:`run` turns that into a failed :class:`Report`. So a checker
reads top to bottom as the list of its checks, and stops at the first one that fails (later
checks mean little once, say, the shape is wrong).

See the exercises at the end of each chapter.
"""

from __future__ import annotations

import inspect
import re
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from ..gradcheck import numerical_gradient, relative_error

RTOL, ATOL = 1e-6, 1e-8  # np.allclose tolerances for float64 values
GRAD_TOL = 1e-6  # largest relative error accepted by the finite-difference check
TOLERANCE = f"np.allclose with rtol={RTOL:g}, atol={ATOL:g}"


class CheckFailed(Exception):
    """Raised by a check to stop the run; its message is the hint shown to the reader."""


@dataclass
class Report:
    """The outcome of :func:`nnbook.exercises.check`.

    Attributes
    ----------
    name : str
        The exercise.
    passed : bool
        True if every check passed. ``bool(report)`` is the same, so ``assert check(...)`` works.
    messages : list of str
        One sentence per check that was run, in order. If ``passed`` is False the last one is
        the hint of the check that failed (the checks after it were not run).

    Notes
    -----
    ``str(report)`` and ``repr(report)`` are one line, ``"✓ sigmoid: all 4 checks passed"`` or
    ``"✗ sigmoid: <hint>"``, so a report is readable as the last expression of a notebook cell.

    See the exercises at the end of each chapter.
    """

    name: str
    passed: bool
    messages: list[str]

    def __str__(self) -> str:
        if self.passed:
            return f"✓ {self.name}: all {len(self.messages)} checks passed"
        return f"✗ {self.name}: {self.messages[-1]}"

    __repr__ = __str__

    def __bool__(self) -> bool:
        return self.passed


@dataclass(frozen=True)
class Exercise:
    """One registry entry: what to write, and the checks that judge it.

    ``checks(call, rng)`` is a generator that calls the reader's function through ``call`` (a
    :class:`Caller`), yields one sentence per passed check and raises :class:`CheckFailed` with a
    hint at the first failure. ``error_hint`` is added when the reader's function raises.
    ``modifies_inputs`` allows the function to change its arguments in place.
    """

    name: str
    chapter: str
    signature: str
    summary: str
    task: str
    checks: Callable[[Caller, np.random.Generator], Iterator[str]]
    error_hint: str = ""
    modifies_inputs: bool = False

    @property
    def params(self) -> list[str]:
        """The argument names, read from ``signature`` (``"f(x, W, b) -> y"`` gives x, W, b)."""
        inside = re.search(r"\((.*?)\)", self.signature).group(1)
        return [p.split("=")[0].strip() for p in inside.split(",") if p.strip()]


def _describe(value) -> str:
    if isinstance(value, np.ndarray):
        return f"shape {value.shape}"
    return repr(value)


class Caller:
    """Calls the reader's function on copies of the inputs and turns any trouble into a hint."""

    def __init__(self, fn, exercise: Exercise):
        self.fn = fn
        self.exercise = exercise

    def _arguments(self, args) -> str:
        names = self.exercise.params
        return ", ".join(f"{n} {_describe(a)}" for n, a in zip(names, args, strict=False))

    def __call__(self, *args, stable: str | None = None):
        """Return ``fn(*args)``; raise :class:`CheckFailed` if it cannot be called, raises, or
        changes its inputs.

        With ``stable`` (a hint), floating-point overflow, invalid operations (0/0, inf - inf),
        division by zero and any RuntimeWarning count as failures too. Underflow does not:
        ``exp`` of a very negative number rounding to 0 is harmless, and stable formulas rely
        on it.
        """
        ex = self.exercise
        try:
            inspect.signature(self.fn).bind(*args)
        except TypeError as err:
            raise CheckFailed(
                f"your function cannot be called as {ex.signature.split(' ->')[0]}: {err}."
            ) from None
        except ValueError:
            pass  # some builtins have no signature to inspect; just call them
        copies = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
        try:
            if stable is None:
                out = self.fn(*copies)
            else:
                with warnings.catch_warnings():
                    warnings.simplefilter("error", RuntimeWarning)
                    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
                        out = self.fn(*copies)
        except Exception as err:  # any error in the reader's code is reported, never raised
            if stable is not None and isinstance(err, (FloatingPointError, RuntimeWarning)):
                raise CheckFailed(
                    f"not numerically stable: on large inputs ({self._arguments(args)}) "
                    f"NumPy reports '{err}'. {stable}"
                ) from None
            raise CheckFailed(
                f"your function raised {type(err).__name__}: {err} (called with "
                f"{self._arguments(args)}). {ex.error_hint}".rstrip()
            ) from None
        if not ex.modifies_inputs:
            for name, before, after in zip(ex.params, args, copies, strict=False):
                if isinstance(before, np.ndarray) and not np.array_equal(
                    before, after, equal_nan=True
                ):
                    raise CheckFailed(
                        f"your function changed its argument {name} in place (for example "
                        f"with `{name} -= ...` or `{name}[...] = ...`). The caller still needs "
                        f"it: work on a new array (`{name} = {name} - ...`)."
                    )
        return out


def _kind(value) -> str:
    if isinstance(value, np.ndarray):
        return f"an ndarray of shape {value.shape}"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)} items"
    return f"a {type(value).__name__}"


def expect_array(value, what: str) -> np.ndarray:
    """Return ``value`` if it is a numeric ndarray, else fail with a hint."""
    if value is None:
        raise CheckFailed(f"got None for {what}: did you forget `return`?")
    if isinstance(value, (tuple, list)) and not isinstance(value, np.ndarray):
        raise CheckFailed(
            f"{what} should be a numpy.ndarray, got {_kind(value)}. Build it with NumPy "
            "operations on whole arrays (np.exp, @, .sum(axis=...)), or wrap it in np.asarray."
        )
    if isinstance(value, (int, float, np.generic)):
        raise CheckFailed(
            f"{what} should be a numpy.ndarray, got a single number ({_kind(value)[2:]}): "
            "work elementwise on the whole array, without a sum or max over all of it."
        )
    if not isinstance(value, np.ndarray):
        raise CheckFailed(f"{what} should be a numpy.ndarray, got {_kind(value)}.")
    if not np.issubdtype(value.dtype, np.number):
        raise CheckFailed(f"{what} should hold numbers, got an array of dtype {value.dtype}.")
    return value


def expect_tuple(value, names: Sequence[str]) -> tuple:
    """Return ``value`` as a tuple if it has one item per name, else fail with a hint."""
    want = f"a tuple ({', '.join(names)})"
    if value is None:
        raise CheckFailed(f"your function returned None; it should return {want}.")
    if not isinstance(value, (tuple, list)) or len(value) != len(names):
        raise CheckFailed(f"your function should return {want}, got {_kind(value)}.")
    return tuple(value)


def expect_shape(value: np.ndarray, shape: tuple, what: str, mistakes=()) -> None:
    """Fail unless ``value.shape == shape``.

    ``mistakes`` is a list of ``(wrong_shape, hint)``: if the actual shape is one a known mistake
    produces, its hint is given.
    """
    if value.shape == tuple(shape):
        return
    start = f"wrong shape for {what}: {value.shape}, expected {tuple(shape)}"
    for wrong, hint in mistakes:
        if value.shape == tuple(wrong):
            raise CheckFailed(f"{start}: {hint}")
    raise CheckFailed(f"{start}.")


def _close(a, b) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=RTOL, atol=ATOL))


def _named_mistake(value, mistakes) -> str | None:
    """The hint of the first mistake whose (deliberately wrong) result equals ``value``."""
    for wrong, hint in mistakes:
        if _close(value, np.asarray(wrong)):
            return hint
    return None


def expect_close(value, expected, what: str, mistakes=(), hint: str = "") -> None:
    """Fail unless ``value`` matches ``expected`` (:data:`TOLERANCE`).

    ``mistakes`` is a list of ``(wrong_result, hint)``: each wrong result is what a known mistake
    computes on the same input, so if the reader's value equals one of them, that mistake is
    named. Otherwise the hint says where the values differ most, followed by ``hint``.
    """
    value = np.asarray(value)
    expected = np.asarray(expected)
    expect_shape(value, expected.shape, what)
    if _close(value, expected):
        return
    named = _named_mistake(value, mistakes)
    if named is not None:
        raise CheckFailed(f"wrong values in {what}: {named}")
    if not np.all(np.isfinite(value)):
        raise CheckFailed(f"NaN or inf in {what} where finite values are expected. {hint}")
    diff = np.abs(value.astype(np.float64) - expected)
    at = tuple(int(i) for i in np.unravel_index(np.argmax(diff), diff.shape))
    where = f"at index {at} yours is" if at else "yours is"
    raise CheckFailed(
        f"wrong values in {what}: {where} {value[at]:.6g}, expected "
        f"{expected[at]:.6g} ({TOLERANCE}). {hint}".rstrip()
    )


def expect_gradient(
    analytic, loss: Callable[[], float], wrt: np.ndarray, what: str, mistakes=(), hint: str = ""
) -> float:
    """Compare ``analytic`` with the central-difference gradient of ``loss()`` w.r.t. ``wrt``.

    ``loss`` must read ``wrt``, which is perturbed in place (use float64). Returns the relative
    error; fails if it is not below :data:`GRAD_TOL`, naming the mistake if ``analytic`` equals
    one of ``mistakes`` (as in :func:`expect_close`).
    """
    numeric = numerical_gradient(loss, wrt)
    err = relative_error(np.asarray(analytic, dtype=np.float64), numeric)
    if err < GRAD_TOL:
        return err
    named = _named_mistake(np.asarray(analytic), mistakes)
    raise CheckFailed(
        f"{what} disagrees with finite differences of the forward pass: relative error "
        f"{err:.2g}, where a correct backward pass gives less than {GRAD_TOL:g}. "
        f"{named or hint}".rstrip()
    )


def run(exercise: Exercise, fn, rng: np.random.Generator) -> Report:
    """Run the checks of ``exercise`` on ``fn`` and collect a :class:`Report`."""
    if not callable(fn):
        hint = (
            f"expected your function itself, got {_kind(fn)}. Pass the function, without "
            f"calling it: check({exercise.name!r}, my_function), not my_function(...)."
        )
        return Report(exercise.name, False, [hint])
    messages = []
    try:
        for message in exercise.checks(Caller(fn, exercise), rng):
            messages.append(message)
    except CheckFailed as failure:
        return Report(exercise.name, False, [*messages, str(failure)])
    return Report(exercise.name, True, messages)
