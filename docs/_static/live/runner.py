"""Run the book's code cells in the reader's browser, one page's cells in one session.

The page's web worker (``worker.js``) runs Python in Pyodide and executes this file once; it then
calls ``Session.run`` for each cell. What a cell prints, the value of its last expression, the
figures it draws and its error, if any, go to ``emit(kind, data)`` as they happen, which the
worker forwards to the page:

* ``"stdout"`` / ``"stderr"``: text, in pieces, as it is printed;
* ``"html"`` / ``"text"``: a displayed value (``_repr_html_`` if it has one, else ``repr``);
* ``"figure"``: a matplotlib figure as SVG, when the cell shows it or when the cell ends;
* ``"error"``: the traceback, limited to the cell's own lines.

The chapters import two things that only the book's build provides: ``myst_nb.glue`` (which
stores a value for the text) and ``IPython.display``. Small stand-ins are installed here: ``glue``
shows its value when asked to, ``display`` shows an object as the notebook would.

The same file runs under CPython in the tests (tests/test_live_runner.py).
"""

from __future__ import annotations

import ast
import io
import linecache
import sys
import traceback
import types


class _Stream(io.TextIOBase):
    """A file that sends what is written to ``emit`` at once."""

    def __init__(self, emit, kind):
        self._emit, self._kind = emit, kind

    def writable(self):
        return True

    def write(self, text):
        if text:
            self._emit(self._kind, text)
        return len(text)


class Session:
    """One page's Python session: the namespace that its cells share."""

    def __init__(self, emit):
        self.emit = emit
        self.namespace = {"__name__": "__main__"}
        self._plt = None
        self._install_stand_ins()

    # -- what the chapters import from the build -----------------------------------------------
    def _install_stand_ins(self) -> None:
        def display(*objects, **_):
            for obj in objects:
                self.show(obj)

        class HTML:
            def __init__(self, data):
                self.data = data

            def _repr_html_(self):
                return self.data

        def glue(name, variable, display=True):  # noqa: ARG001 - as myst_nb.glue
            if display:
                self.show(variable)

        ipython = types.ModuleType("IPython")
        ipython_display = types.ModuleType("IPython.display")
        ipython_display.display, ipython_display.HTML = display, HTML
        ipython.display = ipython_display
        # matplotlib looks at IPython when it draws: there is no IPython shell here, and no old one.
        ipython.get_ipython, ipython.version_info = (lambda: None), (8, 24, 0)
        myst_nb = types.ModuleType("myst_nb")
        myst_nb.glue = glue
        for name, module in (
            ("IPython", ipython),
            ("IPython.display", ipython_display),
            ("myst_nb", myst_nb),
        ):
            sys.modules.setdefault(name, module)
        self.namespace["display"] = display

    def prepare_matplotlib(self) -> None:
        """Draw figures for the page: called once matplotlib is there (the worker loads it
        for the first cell that needs it, which keeps the first result of a page quick)."""
        if self._plt is not None:
            return
        import matplotlib

        matplotlib.use("agg")
        import matplotlib.pyplot as plt

        def show(*args, **kwargs):  # plt.show() hands the figures to the page
            self.show_figures()

        plt.show = show  # a function: pyplot sets attributes on it when it picks a backend
        self._plt = plt

    # -- output ------------------------------------------------------------------------------------
    def show(self, obj) -> None:
        """Display ``obj`` as a notebook would: its HTML if it has some, else its repr."""
        html = getattr(obj, "_repr_html_", None)
        if callable(html):
            self.emit("html", html())
        else:
            self.emit("text", repr(obj))

    def show_figures(self) -> None:
        """Send every open figure to the page as SVG, and close it."""
        if self._plt is None:
            return
        for number in self._plt.get_fignums():
            figure = self._plt.figure(number)
            buffer = io.StringIO()
            figure.savefig(buffer, format="svg", bbox_inches="tight")
            self.emit("figure", buffer.getvalue())
        self._plt.close("all")

    # -- running a cell ----------------------------------------------------------------------------
    def run(self, source: str, name: str = "<cell>") -> bool:
        """Run one cell's ``source``; True if it raised no error."""
        linecache.cache[name] = (len(source), None, source.splitlines(True), name)
        stdout, stderr = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = _Stream(self.emit, "stdout"), _Stream(self.emit, "stderr")
        try:
            tree = ast.parse(source, filename=name)
            last = tree.body[-1] if tree.body else None
            value_wanted = isinstance(last, ast.Expr) and not source.rstrip().endswith(";")
            body = tree.body[:-1] if value_wanted else tree.body
            exec(compile(ast.Module(body, type_ignores=[]), name, "exec"), self.namespace)
            if value_wanted:
                expression = ast.Expression(last.value)
                value = eval(compile(expression, name, "eval"), self.namespace)
                if value is not None:
                    self.show(value)
            self.show_figures()
            return True
        except BaseException as error:  # noqa: BLE001 - every error goes to the reader
            self.show_figures()
            self.emit("error", _traceback(error, name))
            return False
        finally:
            sys.stdout, sys.stderr = stdout, stderr


def _traceback(error: BaseException, name: str) -> str:
    """The traceback from the cell's first frame on: the reader's code, not this runner's."""
    frames = traceback.extract_tb(error.__traceback__)
    start = next((i for i, frame in enumerate(frames) if frame.filename == name), len(frames))
    lines = ["Traceback (most recent call last):\n"]
    lines += traceback.format_list(frames[start:])
    lines += traceback.format_exception_only(type(error), error)
    return "".join(lines)
