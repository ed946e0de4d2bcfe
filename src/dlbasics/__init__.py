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
from dlbasics.distributions import Choice, IntUniform, LogUniform, ReverseLogUniform, Uniform
from dlbasics.gradcheck import check_gradient, numerical_gradient, rel_error
from dlbasics.layers import Dense, Layer, ReLU, Sigmoid, Tanh, softmax_cross_entropy
from dlbasics.network import MLP, Diverged, History, train
from dlbasics.optim import (
    GD,
    Adam,
    Momentum,
    Optimizer,
    RMSprop,
    adam_step,
    gd_step,
    momentum_step,
    rmsprop_step,
)
from dlbasics.panda import Panda
from dlbasics.pbt import population_based_training
from dlbasics.results import Trial, Trials, load_trials, save_trials
from dlbasics.schedules import (
    ExponentialDecay,
    InverseTimeDecay,
    ManualSchedule,
    SqrtDecay,
    StaircaseDecay,
)
from dlbasics.search import grid, random_search, run_trials, successive_halving, zoom

__all__ = [
    "GD",
    "MLP",
    "Adam",
    "BatchNorm",
    "BatchNormCache",
    "Choice",
    "Dense",
    "Diverged",
    "ExponentialDecay",
    "History",
    "IntUniform",
    "InverseTimeDecay",
    "Layer",
    "LogUniform",
    "ManualSchedule",
    "Momentum",
    "Optimizer",
    "Panda",
    "RMSprop",
    "ReLU",
    "ReverseLogUniform",
    "Sigmoid",
    "SqrtDecay",
    "StaircaseDecay",
    "Tanh",
    "Trial",
    "Trials",
    "Uniform",
    "adam_step",
    "batchnorm_backward",
    "batchnorm_forward",
    "check_gradient",
    "ewa",
    "ewa_window",
    "gaussian_blobs",
    "gd_step",
    "grid",
    "load_digits_split",
    "load_trials",
    "minibatches",
    "momentum_step",
    "num_batches",
    "numerical_gradient",
    "population_based_training",
    "random_search",
    "rel_error",
    "rho_from_keras_momentum",
    "rho_from_torch_momentum",
    "rho_to_keras_momentum",
    "rho_to_torch_momentum",
    "rmsprop_step",
    "run_trials",
    "save_trials",
    "softmax_cross_entropy",
    "successive_halving",
    "train",
    "zoom",
]

__version__ = "0.1.0"
