# The IPython profile of the kernel that executes the chapters at build time (see conf.py).
c = get_config()  # noqa: F821 - injected by IPython
c.IPKernelApp.log_level = "ERROR"  # no "running over TCP without encryption" line per chapter
c.InlineBackend.figure_formats = {"svg"}  # sharp at any zoom
# Letters drawn as outlines: a figure looks the same on a reader's machine without its fonts.
c.InlineBackend.rc = {"figure.dpi": 100, "svg.fonttype": "path"}
