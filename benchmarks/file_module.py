"""Load a Python file that is not part of a package as a module.

The book's build extensions (``docs/_ext``), the browser's runner (``docs/_static/live``) and
the benchmark scripts are files, not packages; the benchmarks and the tests load them with this.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType


def load_module(path: Path) -> ModuleType:
    """Execute ``path`` and return it as a module named after the file."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
