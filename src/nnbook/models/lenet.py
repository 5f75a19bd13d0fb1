"""LeNet-5 (LeCun et al., 1998), the classic convolutional network for 32×32 digit images."""

from __future__ import annotations

import numpy as np

from .._validation import check_dtype, check_positive_int
from ..functional import conv_output_size
from ..init import make_rng
from ..layers.activation import ReLU, Tanh
from ..layers.conv import Conv2d
from ..layers.linear import Linear
from ..layers.pooling import AvgPool2d, Flatten, MaxPool2d
from ..module import Sequential

_ACTIVATIONS = {"tanh": Tanh, "relu": ReLU}
_POOLINGS = {"avg": AvgPool2d, "max": MaxPool2d}


class LeNet5(Sequential):
    """LeNet-5: two convolution + pooling stages, then three fully connected layers.

    ========  =====================================  ==============
    layer     what                                   output
    ========  =====================================  ==============
    input                                            1@32×32
    C1 (0)    5×5 convolution, 6 kernels             6@28×28
    S2 (2)    2×2 pooling, stride 2                  6@14×14
    C3 (3)    5×5 convolution, 16 kernels            16@10×10
    S4 (5)    2×2 pooling, stride 2                  16@5×5
    (6)       flatten                                400
    F5 (7)    fully connected                        120
    F6 (9)    fully connected                        84
    out (11)  fully connected (logits)               num_classes
    ========  =====================================  ==============

    The activation follows C1, C3, F5 and F6 (indices 1, 4, 8, 10).

    Parameters
    ----------
    num_classes : int
        Size of the output (logits; pair with :class:`~nnbook.CrossEntropyLoss`).
    in_channels : int
        1 for grey-scale images.
    activation : {"tanh", "relu"}
        Default ``"tanh"``: the 1998 network used a (scaled) tanh, and the chapter presents the
        classic. ``"relu"`` is the modern choice and usually trains faster.
    pooling : {"avg", "max"}
        Default ``"avg"``: the original "subsampling" layers average 2×2 blocks (the original
        also multiplied by a trainable coefficient, left out here as in most re-implementations).
    rng : numpy.random.Generator or int, optional
        Draws every layer's initial weights, in layer order.
    dtype : float32 or float64

    Shape
    -----
    x : (N, in_channels, 32, 32)  ->  logits : (N, num_classes)

    Notes
    -----
    The ``state_dict`` keys (``0.weight``, ``0.bias``, ``3.weight``, ..., ``11.bias``) are those
    of the equivalent ``torch.nn.Sequential(Conv2d, Tanh, AvgPool2d, Conv2d, Tanh, AvgPool2d,
    Flatten, Linear, Tanh, Linear, Tanh, Linear)``, so its weights load unchanged. The original
    C5 is a 5×5 convolution over the 5×5 maps of S4, which is the same map as F5 here: a fully
    connected layer on the 400 flattened values. The original output layer used Euclidean RBF
    units; a linear layer with a softmax cross-entropy loss replaces it, as is usual today.

    See the chapter :doc:`/cnn`.
    """

    def __init__(
        self,
        num_classes=10,
        *,
        in_channels=1,
        activation="tanh",
        pooling="avg",
        rng=None,
        dtype=np.float64,
    ):
        num_classes = check_positive_int("LeNet5", num_classes, "num_classes")
        in_channels = check_positive_int("LeNet5", in_channels, "in_channels")
        if activation not in _ACTIVATIONS:
            raise ValueError(
                f"LeNet5: activation must be one of {sorted(_ACTIVATIONS)}, got {activation!r}"
            )
        if pooling not in _POOLINGS:
            raise ValueError(f"LeNet5: pooling must be one of {sorted(_POOLINGS)}, got {pooling!r}")
        dtype = check_dtype("LeNet5", dtype)
        rng = make_rng(rng)
        act, pool = _ACTIVATIONS[activation], _POOLINGS[pooling]
        # 32 -> 28 (C1) -> 14 (S2) -> 10 (C3) -> 5 (S4): each size from the output-size formula.
        side = conv_output_size(32, 5)
        side = conv_output_size(side, 2, stride=2)
        side = conv_output_size(side, 5)
        side = conv_output_size(side, 2, stride=2)
        super().__init__(
            Conv2d(in_channels, 6, 5, rng=rng, dtype=dtype),  # (N, 6, 28, 28)
            act(),
            pool(2),  # (N, 6, 14, 14)
            Conv2d(6, 16, 5, rng=rng, dtype=dtype),  # (N, 16, 10, 10)
            act(),
            pool(2),  # (N, 16, 5, 5)
            Flatten(),  # (N, 400)
            Linear(16 * side * side, 120, rng=rng, dtype=dtype),  # (N, 120)
            act(),
            Linear(120, 84, rng=rng, dtype=dtype),  # (N, 84)
            act(),
            Linear(84, num_classes, rng=rng, dtype=dtype),  # (N, num_classes)
        )
        self.activation, self.pooling = activation, pooling

    def forward(self, x: np.ndarray) -> np.ndarray:
        if isinstance(x, np.ndarray) and x.ndim == 4 and x.shape[2:] != (32, 32):
            raise ValueError(
                f"LeNet5: expected images of size 32×32, (N, C, 32, 32), got shape {x.shape}"
            )
        return super().forward(x)

    def extra_repr(self) -> str:
        return f"activation={self.activation!r}, pooling={self.pooling!r}"
