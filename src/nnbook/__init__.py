"""nnbook: neural-network basics in NumPy, every backward pass written by hand.

Every public class is importable from here (``nnbook.Linear``, ``nnbook.LSTM``, ...);
``nnbook.functional`` holds the stateless math. Names, weight layouts and ``state_dict`` keys are
PyTorch's, so a torch module's weights load unchanged.
"""

from . import functional, gradcheck, init
from .module import Module, ModuleList, Parameter, Sequential

# -- core layers, losses, optimisers, data, training ------------------------------------------
from .layers.linear import Linear
from . import data, losses, optim, train
from .layers.activation import GELU, ReLU, Sigmoid, Softmax, Tanh
from .losses import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss
from .optim import SGD, Adam
from .perceptron import Perceptron
from .train import History, fit

# -- convolution and pooling -------------------------------------------------------------------
from .layers.conv import Conv2d
from .layers.pooling import AvgPool2d, Flatten, MaxPool2d
from .models.lenet import LeNet5

__version__ = "0.1.0"
