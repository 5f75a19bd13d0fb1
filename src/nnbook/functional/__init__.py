"""Stateless math shared by the layers.

* numerically stable activations: :func:`sigmoid`, :func:`softmax`, :func:`log_softmax`;
* convolution as matrix products: :func:`im2col`, :func:`col2im`, :func:`conv_output_size`,
  and the four-loop definition :func:`conv2d_naive`;
* attention: :func:`scaled_dot_product_attention` and its backward pass.

The layers build on these; nothing here imports a layer.
"""

from .activation import log_softmax, sigmoid, softmax
from .attention import scaled_dot_product_attention, scaled_dot_product_attention_backward
from .conv import col2im, conv2d_naive, conv_output_size, im2col

__all__ = [
    "sigmoid",
    "softmax",
    "log_softmax",
    "conv_output_size",
    "im2col",
    "col2im",
    "conv2d_naive",
    "scaled_dot_product_attention",
    "scaled_dot_product_attention_backward",
]
