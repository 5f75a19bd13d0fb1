"""Plotting helpers for the book's figures.

Import submodules directly; `import nnbook` does not import matplotlib.
"""
