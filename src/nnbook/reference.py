"""PyTorch's results, recorded once, so that comparisons with PyTorch run without PyTorch.

nnbook is checked against PyTorch: the same module, given the same weights and inputs, must
compute the same outputs and gradients. PyTorch is large, and a reader of the book or a user of
the package need not install it. So each comparison is split in two:

* a *torch function* takes NumPy arguments (weights, inputs, upstream gradients, settings),
  runs PyTorch, and returns NumPy results (outputs, gradients);
* the nnbook side computes the same things and compares them with those results.

A :class:`ReferenceStore` keeps what each torch function returned, for each set of arguments,
in a folder of ``.npz`` files (the arguments too, so that a record can be read on its own).
:meth:`ReferenceStore.get` then returns the torch function's result:

* **PyTorch installed**: the function runs live; a stored result must agree with it (up to
  floating-point rounding), otherwise the store is stale and :class:`StaleReferenceError` is
  raised. A *strict* store, which must hold every result it is asked for, raises it for a
  missing record too.
* **record mode** (``record=True``, or the environment variable ``NNBOOK_RECORD_REFERENCES=1``),
  PyTorch installed: the function runs and its result is written.
* **PyTorch not installed**: the stored result is returned; if there is none,
  :class:`MissingReferenceError` says how to record it (``make references``).

A record is named by the torch function's qualified name and a hash of its arguments, so a
changed input or weight simply finds no record: it can never return another input's result.

See the chapter :doc:`/backpropagation`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

RECORD_ENV = "NNBOOK_RECORD_REFERENCES"


class MissingReferenceError(LookupError):
    """No result is recorded for these arguments and PyTorch is not there to compute it."""


class StaleReferenceError(AssertionError):
    """The recorded result differs from what PyTorch computes now: record it again."""


@dataclass(frozen=True)
class Reference:
    """What :meth:`ReferenceStore.get` returns.

    Attributes
    ----------
    value
        The torch function's result: arrays, floats, ints, bools, strings or None, nested in
        tuples, lists and dicts with string keys.
    torch_version : str
        The PyTorch version that computed it (without a local suffix such as ``+cpu``).
    live : bool
        True if PyTorch computed it in this process, False if it was read from the store.
    recorded : bool
        True if the store holds a record of it (when ``live``, one that agrees).
    """

    value: Any
    torch_version: str
    live: bool
    recorded: bool


def torch_available() -> bool:
    """Whether PyTorch can be imported here (importing it, the first time, takes a second)."""
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


class ReferenceStore:
    """A folder of recorded PyTorch results.

    Parameters
    ----------
    folder : str or pathlib.Path
        Where the ``.npz`` records live (created when the first one is written).
    strict : bool
        If True, a missing record is an error even when PyTorch is installed: the store must
        hold every result it is asked for (the tests' stores). If False, a live result is used
        as it is (``Reference.recorded`` is then False).
    record : bool, optional
        Write every result that PyTorch computes here (without PyTorch there is nothing to
        write, and records are read as usual). Default: the environment variable
        ``NNBOOK_RECORD_REFERENCES`` is ``1``.
    use_torch : bool, optional
        Whether to run PyTorch live. Default: if it can be imported (tried at each
        :meth:`get`, so that creating a store never imports torch).
    """

    def __init__(self, folder, *, strict: bool = True, record=None, use_torch=None):
        self.folder = Path(folder)
        self.strict = strict
        self.record = os.environ.get(RECORD_ENV) == "1" if record is None else bool(record)
        self._use_torch = use_torch

    def path(self, fn: Callable, *args, **kwargs) -> Path:
        """The file that holds ``fn(*args, **kwargs)``'s result."""
        name = re.sub(r"[^A-Za-z0-9_.]+", "_", fn.__qualname__).strip("_")
        return self.folder / f"{name}-{_digest((args, kwargs))}.npz"

    def get(self, fn: Callable, *args, **kwargs) -> Reference:
        """``fn(*args, **kwargs)``, computed by PyTorch now or read from the store.

        ``fn`` imports torch itself; it is only called where PyTorch is installed. Its
        arguments and result may be arrays, Python scalars, strings and None, nested in
        tuples, lists and dicts with string keys.
        """
        path = self.path(fn, *args, **kwargs)
        use_torch = torch_available() if self._use_torch is None else self._use_torch
        stored = _load(path) if path.is_file() else None
        if not use_torch:
            if stored is None:
                raise MissingReferenceError(
                    f"no recorded PyTorch result {path}: PyTorch is not installed; with it, "
                    "`make references` records every result the tests and the book use"
                )
            value, version = stored
            return Reference(value, version, live=False, recorded=True)
        import torch

        version = torch.__version__.split("+")[0]
        value = fn(*args, **kwargs)
        if self.record:
            _save(path, value, version, (args, kwargs))
            return Reference(value, version, live=True, recorded=True)
        if stored is None:
            if self.strict:  # the store must hold every result: it is out of date
                raise StaleReferenceError(f"no record {path}; `make references` records it")
            return Reference(value, version, live=True, recorded=False)
        problem = _difference(stored[0], value)
        if stored[1] != version:
            problem = f"recorded with PyTorch {stored[1]}, running {version}"
        if problem:
            raise StaleReferenceError(f"stale record {path}: {problem}; `make references`")
        return Reference(value, version, live=True, recorded=True)


# -- hashing ---------------------------------------------------------------------------------------
def _canonical(obj, out: list[str]) -> None:
    """Append a description of ``obj`` that two equal argument sets share, and only they."""
    if isinstance(obj, (np.ndarray, np.generic)):
        data = np.ascontiguousarray(obj)
        digest = hashlib.sha256(data.view(np.uint8) if data.size else b"").hexdigest()
        out.append(f"array({data.dtype.str},{data.shape},{digest})")
    elif isinstance(obj, (tuple, list)):
        out.append(f"{type(obj).__name__}{len(obj)}(")
        for item in obj:
            _canonical(item, out)
        out.append(")")
    elif isinstance(obj, dict):
        out.append(f"dict{len(obj)}(")
        for key in sorted(obj):
            if not isinstance(key, str):
                raise TypeError(f"ReferenceStore: dict keys must be str, got {key!r}")
            out.append(repr(key))
            _canonical(obj[key], out)
        out.append(")")
    elif obj is None or isinstance(obj, (bool, int, float, str)):
        out.append(f"{type(obj).__name__}:{obj!r}")
    else:
        raise TypeError(f"ReferenceStore: cannot record an argument of type {type(obj).__name__}")


def _digest(obj) -> str:
    parts: list[str] = []
    _canonical(obj, parts)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


# -- the .npz format -------------------------------------------------------------------------------
# A record holds the result's arrays under "value/<path>", the arguments' arrays under
# "args/<path>", and as "meta" a JSON text: the torch version and the nested structure of both,
# in which each array is {"array": "<path>"} and every other leaf is itself.
def _flatten(obj, prefix: str, arrays: dict):
    if isinstance(obj, np.ndarray) or isinstance(obj, np.generic):
        arrays[prefix] = np.asarray(obj)
        return {"array": prefix}
    if isinstance(obj, (tuple, list)):
        items = [_flatten(v, f"{prefix}/{i}", arrays) for i, v in enumerate(obj)]
        return {"tuple" if isinstance(obj, tuple) else "list": items}
    if isinstance(obj, dict):
        return {"dict": {k: _flatten(v, f"{prefix}/{k}", arrays) for k, v in obj.items()}}
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return {"value": obj}
    raise TypeError(f"ReferenceStore: cannot record a result of type {type(obj).__name__}")


def _unflatten(node, arrays):
    ((kind, content),) = node.items()
    if kind == "array":
        return arrays[content]
    if kind in ("tuple", "list"):
        items = [_unflatten(v, arrays) for v in content]
        return tuple(items) if kind == "tuple" else items
    if kind == "dict":
        return {k: _unflatten(v, arrays) for k, v in content.items()}
    return content


def _save(path: Path, value, version: str, args) -> None:
    arrays: dict[str, np.ndarray] = {}
    meta = {
        "torch_version": version,
        "value": _flatten(value, "value", arrays),
        "args": _flatten(args, "args", arrays),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, meta=np.array(json.dumps(meta, allow_nan=True)), **arrays)


def _load(path: Path):
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    meta = json.loads(str(arrays.pop("meta")))
    return _unflatten(meta["value"], arrays), meta["torch_version"]


def _difference(recorded, live, where: str = "result") -> str:
    """Where ``recorded`` and ``live`` differ by more than rounding, or "" if nowhere."""
    if isinstance(live, (np.ndarray, np.generic)):
        live, recorded = np.asarray(live), np.asarray(recorded)
        if live.shape != recorded.shape or live.dtype != recorded.dtype:
            return (
                f"{where}: {recorded.dtype}{recorded.shape} recorded, {live.dtype}{live.shape} now"
            )
        if np.issubdtype(live.dtype, np.inexact):
            rtol = 1e-9 if np.finfo(live.dtype).bits >= 64 else 1e-4
            same = np.allclose(recorded, live, rtol=rtol, atol=rtol * 1e-2, equal_nan=True)
        else:
            same = np.array_equal(recorded, live)
        return "" if same else f"{where} differs"
    if isinstance(live, (tuple, list)):
        if not isinstance(recorded, (tuple, list)) or len(recorded) != len(live):
            return f"{where}: the structure differs"
        for i, (r, v) in enumerate(zip(recorded, live, strict=True)):
            if problem := _difference(r, v, f"{where}[{i}]"):
                return problem
        return ""
    if isinstance(live, dict):
        if not isinstance(recorded, dict) or sorted(recorded) != sorted(live):
            return f"{where}: the keys differ"
        for key in live:
            if problem := _difference(recorded[key], live[key], f"{where}[{key!r}]"):
                return problem
        return ""
    if isinstance(live, float) and isinstance(recorded, float):
        return "" if np.isclose(recorded, live, rtol=1e-9, atol=0, equal_nan=True) else where
    return "" if recorded == live else f"{where}: {recorded!r} recorded, {live!r} now"
