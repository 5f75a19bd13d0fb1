"""Gradient checks in training mode: a module whose dropout masks stay the same at every call."""

import numpy as np

from nnbook.module import Module


class Reseeded(Module):
    """``module`` with every random stream re-seeded before each forward pass.

    Every dropout mask (of Dropout layers and of attention weights) is then the same at each
    call, so finite differences apply to training mode. ``select`` picks what enters the loss
    from what ``module`` returns (e.g. the output of ``MultiheadAttention``, not its weights).
    """

    def __init__(self, module, select=lambda out: out):
        super().__init__()
        self.module = module
        self.random_parts = [m for m in module.modules() if hasattr(m, "_rng")]
        self._select = select

    def forward(self, *inputs):
        for seed, part in enumerate(self.random_parts):
            part._rng = np.random.default_rng(seed)
        return self._select(self.module(*inputs))

    def backward(self, grad_output):
        return self.module.backward(grad_output)
