"""Stateless math shared by the layers.

* numerically stable activations: :func:`sigmoid`, :func:`softmax`, :func:`log_softmax`;
* convolution as matrix products: :func:`im2col`, :func:`col2im`, :func:`conv_output_size`,
  and the four-loop definition :func:`conv2d_naive`; their 1-D versions along time,
  :func:`im2col_1d`, :func:`col2im_1d` and :func:`conv1d_output_size` (with dilation);
* attention: :func:`scaled_dot_product_attention` and its backward pass.

The layers build on these; nothing here imports a layer.
"""

from .activation import log_softmax, sigmoid, softmax
from .attention import scaled_dot_product_attention, scaled_dot_product_attention_backward
from .conv import col2im, conv2d_naive, conv_output_size, im2col
from .conv1d import col2im_1d, conv1d_output_size, im2col_1d

__all__ = [
    "sigmoid",
    "softmax",
    "log_softmax",
    "conv_output_size",
    "im2col",
    "col2im",
    "conv2d_naive",
    "conv1d_output_size",
    "im2col_1d",
    "col2im_1d",
    "scaled_dot_product_attention",
    "scaled_dot_product_attention_backward",
]
