"""nnbook: neural-network basics in NumPy, every backward pass written by hand.

Every public class is importable from here (``nnbook.Linear``, ``nnbook.LSTM``, ...);
``nnbook.functional`` holds the stateless math. Names, weight layouts and ``state_dict`` keys are
PyTorch's, so a torch module's weights load unchanged.
"""

from . import data, exercises, functional, gradcheck, init, losses, optim, train, verify
from .layers.activation import GELU, ReLU, Sigmoid, Softmax, Tanh
from .layers.attention import MultiheadAttention
from .layers.conv import Conv2d
from .layers.conv1d import Conv1d
from .layers.dropout import Dropout
from .layers.embedding import Embedding
from .layers.linear import Linear
from .layers.lstm import GRU, LSTM
from .layers.normalization import LayerNorm
from .layers.pooling import AvgPool2d, Flatten, MaxPool2d
from .layers.positional import PositionalEncoding
from .layers.rnn import RNN
from .layers.rnn_cells import GRUCell, LSTMCell, RNNCell
from .layers.transformer import (
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
    generate_square_subsequent_mask,
)
from .losses import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss
from .models.lenet import LeNet5
from .models.seq2seq_rnn import BahdanauAttention, Seq2SeqRNN
from .models.transformer_seq2seq import Seq2SeqTransformer
from .module import Module, ModuleList, Parameter, Sequential
from .optim import SGD, Adam
from .perceptron import Perceptron
from .train import History, fit
from .utils import clip_grad_norm_

__version__ = "0.1.0"

__all__ = [
    # base classes
    "Module",
    "ModuleList",
    "Parameter",
    "Sequential",
    # feed-forward layers, losses, optimisers, training
    "Linear",
    "ReLU",
    "Tanh",
    "Sigmoid",
    "Softmax",
    "GELU",
    "MSELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "SGD",
    "Adam",
    "clip_grad_norm_",
    "fit",
    "History",
    "Perceptron",
    # convolution and pooling
    "Conv1d",
    "Conv2d",
    "MaxPool2d",
    "AvgPool2d",
    "Flatten",
    "LeNet5",
    # recurrent layers
    "RNNCell",
    "LSTMCell",
    "GRUCell",
    "RNN",
    "LSTM",
    "GRU",
    "Embedding",
    # attention and the Transformer
    "MultiheadAttention",
    "LayerNorm",
    "Dropout",
    "PositionalEncoding",
    "TransformerEncoderLayer",
    "TransformerDecoderLayer",
    "TransformerEncoder",
    "TransformerDecoder",
    "generate_square_subsequent_mask",
    "Seq2SeqTransformer",
    "Seq2SeqRNN",
    "BahdanauAttention",
    # sub-modules
    "data",
    "exercises",
    "functional",
    "gradcheck",
    "init",
    "losses",
    "optim",
    "train",
    "verify",
]
