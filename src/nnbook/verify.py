"""Verify a layer: a gradient check, and a comparison with the same PyTorch module.

The book shows the result as a "Verified" box under each layer's section, computed when the book
is built, so the claim "this backward pass is right" is checked on every build:

* the hand-written backward pass agrees with central differences
  (:func:`nnbook.gradcheck.check_module`), for the input(s) and every parameter;
* where ``torch.nn`` has the same module, PyTorch, given the same weights and inputs, computes the
  same output and the same gradients.

PyTorch is optional. Without it, the comparison uses PyTorch's result recorded for the same
module, weights and inputs, if nnbook ships one: it ships those of the examples in the book
(:data:`BOOK_REFERENCES`, recorded with ``make references``). Otherwise only the gradient check
runs, and the box says so.

See the chapter :doc:`/backpropagation`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .counterpart import NoCounterpart, leaves, torch_results, torch_spec
from .gradcheck import _map, check_module
from .init import make_rng
from .module import Module
from .reference import MissingReferenceError, ReferenceStore

#: PyTorch's results for the book's examples, shipped with the package (not strict: a module and
#: input of your own has no record, and is compared live if PyTorch is installed).
BOOK_REFERENCES = ReferenceStore(Path(__file__).parent / "reference_data", strict=False)

GRADCHECK_TOLERANCE = 1e-6  # largest relative error of a float64 central-difference check
TORCH_TOLERANCE = 1e-8  # largest absolute difference from PyTorch in float64


@dataclass
class Verification:
    """The outcome of :func:`nnbook.verify.verify`: what was checked and how closely it agreed.

    ``str(result)`` is a short plain-text summary; in a notebook the result shows as a small
    box ("Verified: Linear"), or as a warning box saying what failed.

    Parameters
    ----------
    name : str
        The module's class name.
    gradcheck : dict of str to float
        The relative error of each gradient, keyed as by
        :func:`nnbook.gradcheck.check_module`: ``"input0"``, ..., then the parameter names.
    torch_max_abs_diff : float or None
        The largest absolute difference from PyTorch over the forward output, the input
        gradient(s) and every parameter gradient; None if PyTorch was not compared.
    torch_version : str or None
        The PyTorch version compared with.
    torch_source : str
        Where PyTorch's result came from: ``"live"`` (computed now), ``"live, as recorded"``
        (computed now, and equal to the recorded result) or ``"recorded"`` (read from the
        recorded results, PyTorch not being installed); empty if not compared.
    note : str
        Why PyTorch was not compared, if it was not.
    torch_diffs : dict of str to float
        The largest absolute difference of each compared item (``"output"``, ``"input0"``, ...,
        the parameter names): the details behind ``torch_max_abs_diff``.

    See the chapter :doc:`/backpropagation`.
    """

    name: str
    gradcheck: dict[str, float]
    torch_max_abs_diff: float | None = None
    torch_version: str | None = None
    torch_source: str = ""
    note: str = ""
    torch_diffs: dict[str, float] = field(default_factory=dict)

    @property
    def max_gradcheck_error(self) -> float:
        """The largest relative error of the gradient check (NaN propagates)."""
        return float(np.max(list(self.gradcheck.values()))) if self.gradcheck else float("nan")

    @property
    def passed(self) -> bool:
        """Gradient check below 1e-6 and, if PyTorch was compared, every difference below 1e-8."""
        gradcheck_ok = self.max_gradcheck_error < GRADCHECK_TOLERANCE
        return gradcheck_ok and (
            self.torch_max_abs_diff is None or self.torch_max_abs_diff < TORCH_TOLERANCE
        )

    def _title(self) -> str:
        return f"{'Verified' if self.passed else 'Verification failed'}: {self.name}"

    def _sentences(self) -> list[str]:
        n_inputs = sum(1 for key in self.gradcheck if re.fullmatch(r"input[\d.]+", key))
        n_params = len(self.gradcheck) - n_inputs
        checked = " and ".join(
            part
            for part in (
                {0: "", 1: "the input"}.get(n_inputs, f"the {n_inputs} inputs"),
                {0: "", 1: "1 parameter"}.get(n_params, f"{n_params} parameters"),
            )
            if part
        )
        head = "Gradient check (float64, central differences)"
        error = self.max_gradcheck_error
        if error < GRADCHECK_TOLERANCE:
            first = f"{head}: largest relative error {_fmt(error)} over {checked}."
        else:
            worst = _worst(self.gradcheck)
            first = (
                f"{head} failed: relative error {_fmt(error)} for {_describe(worst)}, above "
                f"{GRADCHECK_TOLERANCE:g} (checked {checked})."
            )
        diff = self.torch_max_abs_diff
        if diff is None:
            second = f"Not compared with PyTorch: {self.note}"
        elif diff < TORCH_TOLERANCE:
            second = (
                f"PyTorch {self.torch_version} ({self._source()}): largest absolute difference "
                f"{_fmt(diff)} in the output and all gradients."
            )
        else:
            worst = _worst(self.torch_diffs) if self.torch_diffs else "output"
            what = "the output" if worst == "output" else f"the gradient of {_describe(worst)}"
            second = (
                f"PyTorch {self.torch_version} ({self._source()}) disagrees: absolute "
                f"difference {_fmt(diff)} in "
                f"{what}, above {TORCH_TOLERANCE:g}."
            )
        return [first, second]

    def _source(self) -> str:
        return {
            "recorded": "recorded result",
            "live": "run now",
            "live, as recorded": "run now, equal to the recorded result",
        }.get(self.torch_source, self.torch_source)

    def __str__(self) -> str:
        return "\n".join([self._title(), *("  " + s for s in self._sentences())])

    def _repr_html_(self) -> str:
        css = "admonition verified" if self.passed else "admonition warning"
        text = html.escape(" ".join(self._sentences()))
        return (
            f'<div class="{css}"><p class="admonition-title">{html.escape(self._title())}</p>'
            f"<p>{text}</p></div>"
        )


def _fmt(x: float) -> str:
    return "0" if x == 0 else f"{x:.1e}"


def _describe(key: str) -> str:
    match = re.fullmatch(r"input([\d.]+)", key)
    return f"input {match.group(1)}" if match else f"parameter {key}"


def _worst(values: dict[str, float]) -> str:
    """The key of the largest value, NaN counting as largest."""
    return max(values, key=lambda k: np.inf if np.isnan(values[k]) else values[k])


def verify(
    module,
    *inputs,
    select: Callable | None = None,
    rng=0,
    references: ReferenceStore | None = BOOK_REFERENCES,
    **forward_kwargs,
) -> Verification:
    """Gradient-check ``module`` and compare it with the same PyTorch module.

    1. :func:`nnbook.gradcheck.check_module` compares ``backward`` with central differences for
       every floating-point input and every parameter.
    2. If ``torch.nn`` has the same module (Linear, the activations, Conv2d, the pools,
       Flatten, the recurrent cells and layers, MultiheadAttention, LayerNorm, Embedding,
       Dropout, the Transformer layers and stacks, and ``Sequential`` models made of these,
       such as :class:`~nnbook.LeNet5`; see :func:`nnbook.counterpart.torch_spec`), the torch
       module is built in float64 with dropout 0 and nnbook's weights (``state_dict`` keys are
       identical). Both run the same forward pass and back-propagate the same random
       projection of the selected output(s); the forward outputs, the input gradients and
       every parameter gradient are compared. PyTorch runs live if it is installed; otherwise
       its result is read from ``references``, if recorded there.

    Parameters
    ----------
    module : Module
        A module with float64 parameters. It runs in eval mode (dropout off); its previous
        modes are restored afterwards and its gradients are zeroed.
    *inputs : numpy.ndarray
        The forward inputs, float64 (masks and indices may be bool or int). Each floating-point
        input is copied first, so an array passed twice (self-attention's ``x, x, x``) gets
        each argument's own gradient checked.
    select : callable, optional
        Maps what ``forward`` returns to the output(s) that enter the loss, as in
        :func:`nnbook.gradcheck.check_module`; default: the whole output, or its first item if
        it is a tuple (the sequence output of a recurrent layer, attention's output).
    rng : numpy.random.Generator or int
        Draws the random projections of the output.
    references : ReferenceStore or None
        Recorded PyTorch results to compare with where PyTorch is not installed (and to check
        against where it is). Default: :data:`BOOK_REFERENCES`. None: run PyTorch live only.
    **forward_kwargs
        Passed on to ``forward`` (masks, an initial state). For the recurrent modules ``h0``,
        ``h`` and ``state`` are passed to torch as ``hx``.

    Returns
    -------
    Verification

    Raises
    ------
    TypeError
        If ``module`` is not a Module, or a parameter or input is not float64 (a float32
        gradient check cannot reach a relative error of 1e-6).
    ValueError
        If there is nothing to check (no parameter and no floating-point input gradient).

    Notes
    -----
    The gradient check costs two forward passes per element of every input and parameter:
    a fraction of a second for a small layer, minutes for a whole LeNet-5 (61,706 parameters),
    so the book verifies each layer at a small size. A gradient that is zero by design
    (the ``padding_idx`` row of an :class:`~nnbook.Embedding`) fails the check, since the
    finite differences see the row's effect on the output.

    Examples
    --------
    >>> import numpy as np, nnbook
    >>> x = np.random.default_rng(0).standard_normal((4, 3))
    >>> result = nnbook.verify.verify(nnbook.Linear(3, 2, rng=0), x)
    >>> result.passed
    True

    See the chapter :doc:`/backpropagation`.
    """
    if not isinstance(module, Module):
        raise TypeError(f"verify: expected an nnbook Module, got {type(module).__name__}")
    name = type(module).__name__
    for pname, p in module.named_parameters():
        if p.dtype != np.float64:
            raise TypeError(
                f"verify: {name} parameter {pname} has dtype {p.dtype}; build the module with "
                "dtype=np.float64 (float32 is too coarse for a gradient check)"
            )
    for i, x in enumerate(leaves(inputs)):
        if _is_float_array(x) and x.dtype != np.float64:
            raise TypeError(f"verify: {name} input {i} has dtype {x.dtype}, expected float64")
    inputs = _map(lambda x: np.array(x, order="C") if _is_float_array(x) else x, inputs)
    modes = [(m, m.training) for m in module.modules()]
    module.eval()
    try:
        errors = check_module(module, *inputs, select=select, rng=rng, **forward_kwargs)
        if not errors:
            raise ValueError(f"verify: {name} has no parameter and no input gradient to check")
        if references is None:
            references = ReferenceStore(_NOWHERE, strict=False, record=False)
        diffs, version, source, note = _compare_with_torch(
            module, inputs, select, rng, forward_kwargs, references
        )
    finally:
        for m, mode in modes:
            m.training = mode
        module.zero_grad()
    return Verification(
        name=name,
        gradcheck=errors,
        torch_max_abs_diff=float(np.max(list(diffs.values()))) if diffs else None,
        torch_version=version,
        torch_source=source,
        note=note,
        torch_diffs=diffs,
    )


# -- PyTorch ---------------------------------------------------------------------------------------
def _is_float_array(x) -> bool:
    return isinstance(x, np.ndarray) and np.issubdtype(x.dtype, np.floating)


def _max_abs_diff(ours: list, theirs: list) -> float:
    """The largest absolute difference between two lists of arrays (NaN propagates)."""
    largest = [0.0]
    for a, b in zip(ours, theirs, strict=True):
        if np.shape(a) != np.shape(b):
            raise ValueError(f"verify: shapes differ from torch's, {np.shape(a)} vs {np.shape(b)}")
        if np.size(a):
            largest.append(np.max(np.abs(a - b)))
    return float(np.max(largest))


# A folder that holds no record: a store on it runs PyTorch live, or reports it missing.
_NOWHERE = Path(__file__).parent / "reference_data" / "none"


def _compare_with_torch(module, inputs, select, rng, kwargs, references):
    """Return ``(differences, torch version, how, note)``; no differences if torch was not used.

    ``how`` says where torch's result came from: "live" or "recorded" (with, for a live run,
    whether ``references`` holds the same result).
    """
    try:
        spec = torch_spec(module)
    except NoCounterpart as exc:
        return {}, None, "", str(exc)
    if select is None:

        def select(out):
            return out[0] if isinstance(out, tuple) else out

    # The same loss for both: a fixed random projection of the selected output(s).
    module.zero_grad()
    out = module(*inputs, **kwargs)
    out_leaves = leaves(out)
    chosen_leaves = leaves(select(out))
    chosen = [next((i for i, o in enumerate(out_leaves) if o is c), -1) for c in chosen_leaves]
    if -1 in chosen:
        raise ValueError("verify: select must return items of the output, not new arrays")
    gen = make_rng(rng)
    proj = [gen.standard_normal(np.shape(y)) for y in chosen_leaves]
    grads = module.backward(*_unflatten_like(select(out), proj))
    grads = grads if isinstance(grads, tuple) else (grads,)
    arguments = (spec, module.state_dict(), tuple(inputs), kwargs, proj, chosen)
    try:
        ref = references.get(torch_results, *arguments)
    except MissingReferenceError:
        note = "PyTorch is not installed, and no result of it is recorded for this input."
        return {}, None, "", note
    theirs = ref.value
    how = "recorded" if not ref.live else ("live, as recorded" if ref.recorded else "live")
    diffs = {"output": _max_abs_diff(out_leaves, theirs["output"])}
    input_leaves = [leaves(x) for x in inputs]
    position = 0
    for i, g in enumerate(grads[: len(inputs)]):
        n = len(input_leaves[i])
        expected = theirs["inputs"][position : position + n]
        position += n
        if g is not None and all(e is not None for e in expected):
            diffs[f"input{i}"] = _max_abs_diff(leaves(g), expected)
    for name, p in module.named_parameters():
        diffs[name] = _max_abs_diff([p.grad], [theirs["params"][name]])
    return diffs, ref.torch_version, how, ""


def _unflatten_like(selected, flat: list) -> tuple:
    """``flat`` shaped like ``selected``: the arguments of ``backward``."""
    items = iter(flat)

    def rebuild(tree):
        if isinstance(tree, (tuple, list)):
            return type(tree)(rebuild(t) for t in tree)
        return None if tree is None else next(items)

    rebuilt = rebuild(selected)
    return rebuilt if isinstance(selected, tuple) else (rebuilt,)
