"""dlbasics: a small NumPy reference for tuning and training deep networks."""

from dlbasics.averages import ewa, ewa_window
from dlbasics.batches import minibatches, num_batches
from dlbasics.batchnorm import BatchNormCache, batchnorm_backward, batchnorm_forward
from dlbasics.batchnorm_layer import (
    BatchNorm,
    rho_from_keras_momentum,
    rho_from_torch_momentum,
    rho_to_keras_momentum,
    rho_to_torch_momentum,
)
from dlbasics.datasets import gaussian_blobs, load_digits_split
from dlbasics.gradcheck import check_gradient, numerical_gradient, rel_error
from dlbasics.layers import Dense, ReLU, Sigmoid, Tanh, softmax_cross_entropy
from dlbasics.network import MLP, History, train
from dlbasics.optim import (
    SGD,
    Adam,
    Momentum,
    RMSprop,
    adam_step,
    gd_step,
    momentum_step,
    rmsprop_step,
)
from dlbasics.schedules import (
    ExponentialDecay,
    InverseTimeDecay,
    ManualSchedule,
    SqrtDecay,
    StaircaseDecay,
)

__all__ = [
    "Adam",
    "BatchNorm",
    "BatchNormCache",
    "Dense",
    "ExponentialDecay",
    "History",
    "InverseTimeDecay",
    "MLP",
    "ManualSchedule",
    "Momentum",
    "RMSprop",
    "ReLU",
    "SGD",
    "Sigmoid",
    "SqrtDecay",
    "StaircaseDecay",
    "Tanh",
    "adam_step",
    "batchnorm_backward",
    "batchnorm_forward",
    "check_gradient",
    "ewa",
    "ewa_window",
    "gaussian_blobs",
    "gd_step",
    "load_digits_split",
    "minibatches",
    "momentum_step",
    "num_batches",
    "numerical_gradient",
    "rel_error",
    "rho_from_keras_momentum",
    "rho_from_torch_momentum",
    "rho_to_keras_momentum",
    "rho_to_torch_momentum",
    "rmsprop_step",
    "softmax_cross_entropy",
    "train",
]

__version__ = "0.1.0"
