"""Self-checks for the exercises at the end of the chapters.

Write the function an exercise asks for, then check it::

    >>> import numpy as np
    >>> from nnbook import exercises
    >>> def sigmoid(x):
    ...     e = np.exp(-np.abs(x))
    ...     return np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    >>> exercises.check("sigmoid", sigmoid)
    ✓ sigmoid: all 4 checks passed

A wrong answer is not an error: the report says which check failed and why, naming the mistake
when it recognises one (a transposed weight, a missing bias, the softmax over the wrong axis,
an LSTM gate order other than torch's i, f, g, o, ...)::

    >>> exercises.check("sigmoid", lambda x: 1 / (1 + np.exp(x)))  # doctest: +ELLIPSIS
    ✗ sigmoid: wrong values in the output: the sign of the exponent is flipped: ...

How a function is checked, in order, stopping at the first failure:

1. it can be called with the exercise's arguments, runs, and returns an ndarray (or the tuple
   asked for), without changing its inputs in place;
2. the shapes are right;
3. the values match the reference, which is nnbook's own code (``nnbook.functional.sigmoid``,
   ``nnbook.Linear``, ``nnbook.LSTMCell``, ...), within ``np.allclose(rtol=1e-6, atol=1e-8)``;
   backward exercises are first checked against float64 central finite differences of the
   forward pass (relative error below 1e-6, :mod:`nnbook.gradcheck`);
4. where it matters, numerical stability: inputs around ±1000 must give finite values and no
   NumPy warning (overflow, invalid value and division by zero are errors; underflow is not).

To recognise a mistake, the checker computes deliberately wrong variants of the answer (the
weight transposed, the bias left out, the gates in another order, ...) on the same input; if the
reader's result equals one of them, its hint names that mistake.

See the exercises at the end of each chapter.
"""

from __future__ import annotations

import textwrap

from ..init import make_rng
from . import _backprop, _cnn, _feedforward, _rnn, _transformer
from ._core import Exercise, Report, run

__all__ = ["Report", "check", "describe", "list_exercises"]

# In the order of the book's chapters; the names are stable, chapters refer to them.
_REGISTRY: dict[str, Exercise] = {
    ex.name: ex
    for module in (_feedforward, _backprop, _cnn, _rnn, _transformer)
    for ex in module.EXERCISES
}


def _get(name: str) -> Exercise:
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise KeyError(
            f"no exercise named {name!r}; the exercises are: {', '.join(_REGISTRY)}"
        ) from None


def check(name: str, fn, *, rng=0) -> Report:
    """Check the reader's function ``fn`` against the exercise ``name``.

    Parameters
    ----------
    name : str
        The exercise, one of :func:`list_exercises` (e.g. ``"sigmoid"``, ``"lstm_step"``).
    fn : callable
        The reader's function, with the signature given by :func:`describe`.
    rng : numpy.random.Generator or int, optional
        Draws the test inputs. The default seed 0 makes a report reproducible.

    Returns
    -------
    Report
        ``passed``, and one message per check run. Prints as one line: ``"✓ sigmoid: all 4
        checks passed"`` or ``"✗ sigmoid: <hint>"``. ``bool(report)`` is ``report.passed``.

    Raises
    ------
    KeyError
        If there is no exercise ``name``; the message lists the valid names.

    Notes
    -----
    A wrong answer never raises: an exception raised by ``fn`` is reported (its type and
    message, the shapes it was called with, and a hint), and so is a value that is not a
    function. Arrays are passed as copies, so ``fn`` cannot damage the checker's data.

    See the exercises at the end of each chapter.
    """
    exercise = _get(name)
    return run(exercise, fn, make_rng(rng))


def list_exercises(chapter: str | None = None) -> dict[str, str]:
    """The exercises, in the order of the chapters, each with its signature and one line.

    Parameters
    ----------
    chapter : str, optional
        Only the exercises of this chapter (its file name: ``"feedforward"``,
        ``"backpropagation"``, ``"cnn"``, ``"rnn"``, ``"lstm"``, ``"transformer"``).

    Returns
    -------
    dict
        ``{name: "signature: summary (chapter)"}``.

    Notes
    -----
    The names are stable: the chapters' exercises call :func:`check` with them.

    See the exercises at the end of each chapter.
    """
    return {
        ex.name: f"{ex.signature}: {ex.summary} ({ex.chapter})"
        for ex in _REGISTRY.values()
        if chapter is None or ex.chapter == chapter
    }


def describe(name: str) -> str:
    """The full task of exercise ``name``: its signature, the shapes, what to compute.

    Returns
    -------
    str
        Several lines of text, ending with the call that checks a solution.

    Raises
    ------
    KeyError
        If there is no exercise ``name``; the message lists the valid names.

    Notes
    -----
    Print the text to read it: ``print(describe("attention"))``.

    See the exercises at the end of each chapter.
    """
    ex = _get(name)
    task = "\n".join(textwrap.fill(line, 88) for line in ex.task.splitlines())
    return (
        f"{ex.signature}    (chapter: {ex.chapter})\n\n{task}\n\n"
        f"Check it with nnbook.exercises.check({ex.name!r}, your_function)."
    )
