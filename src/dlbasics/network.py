r"""A multilayer perceptron with optional batch norm, and the course's mini-batch training loop."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dlbasics._validate import (
    as_float_array,
    as_rng,
    check_bool,
    check_finite,
    check_int,
    check_int_list,
)
from dlbasics.batches import minibatches
from dlbasics.batchnorm_layer import BatchNorm
from dlbasics.layers import Dense, Layer, ReLU, Sigmoid, Tanh, softmax_cross_entropy
from dlbasics.optim import Optimizer

__all__ = ["MLP", "History", "train"]

_ACTIVATIONS: dict[str, Callable[[], Layer]] = {"relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid}


class MLP:
    r"""Dense → [BatchNorm] → activation for each hidden layer, then a final Dense (logits).

    Parameters
    ----------
    sizes : sequence of int
        Layer widths $n^{[0]}, n^{[1]}, \dots, n^{[L]}$: input features first, classes last,
        e.g. `[64, 32, 10]`. At least two entries, each >= 1.
    activation : {"relu", "tanh", "sigmoid"}, default="relu"
        Hidden-layer activation $g$.
    batchnorm : bool, default=False
        Insert `BatchNorm` between each hidden `Dense` and its activation (normalizing $z$, as
        the course does). Those `Dense` layers then have no bias: the batch mean would cancel it.
    seed : int or numpy.random.Generator, default=0
        Source of the initial weights.
    bn_kwargs : dict, optional
        Keyword arguments for every `BatchNorm` (e.g. `{"rho": 0.99}`).
    dtype : floating-point type, default=numpy.float64
        Type of the `Dense` parameters (float32 halves memory traffic; gradient checks need
        float64). Batch norm computes in the type of its input.

    Attributes
    ----------
    layers : list of Layer
        The layers in order (each follows the `dlbasics.layers.Layer` protocol); parameter
        keys are `"<index>.<name>"`, e.g. `"0.W"`, `"1.gamma"`.

    Raises
    ------
    TypeError
        If `sizes` is not a list of integers, `seed` is neither an integer nor a Generator, or
        `dtype` is not float32 or float64.
    ValueError
        If `sizes` has fewer than two entries or an entry below 1, `activation` is unknown or
        `seed` is negative.

    Notes
    -----
    With batch norm, hidden layer $l$ computes (one example per row)

    $$z^{[l]} = a^{[l-1]} W^{[l]}, \quad
      \tilde z^{[l]} = \gamma^{[l]}\,
      \frac{z^{[l]} - \mu}{\sqrt{\sigma^2 + \varepsilon}} + \beta^{[l]}, \quad
      a^{[l]} = g(\tilde z^{[l]}),$$

    and without it $a^{[l]} = g(a^{[l-1]} W^{[l]} + b^{[l]})$. The output layer is always
    $z^{[L]} = a^{[L-1]} W^{[L]} + b^{[L]}$, fed to `softmax_cross_entropy`.

    Examples
    --------
    >>> import numpy as np
    >>> from dlbasics.network import MLP
    >>> model = MLP([4, 8, 3], batchnorm=True, seed=0)
    >>> [type(layer).__name__ for layer in model.layers]
    ['Dense', 'BatchNorm', 'ReLU', 'Dense']
    >>> sorted(model.params())
    ['0.W', '1.beta', '1.gamma', '3.W', '3.b']
    >>> model.forward(np.ones((5, 4))).shape
    (5, 3)
    """

    def __init__(
        self,
        sizes: list[int] | tuple[int, ...],
        *,
        activation: str = "relu",
        batchnorm: bool = False,
        seed: int | np.random.Generator = 0,
        bn_kwargs: dict[str, Any] | None = None,
        dtype: type = np.float64,
    ) -> None:
        sizes = check_int_list(sizes, "sizes", 1, "[64, 32, 10]")
        if len(sizes) < 2:
            raise ValueError(f"sizes must list at least input and output widths, got {sizes}")
        self.sizes = sizes
        if not isinstance(activation, str) or activation not in _ACTIVATIONS:
            raise ValueError(
                f"activation must be one of {sorted(_ACTIVATIONS)}, got {activation!r}"
            )
        self.batchnorm = check_bool(batchnorm, "batchnorm")
        if bn_kwargs is not None and not isinstance(bn_kwargs, Mapping):
            raise TypeError(f"bn_kwargs must be a dict of BatchNorm arguments, got {bn_kwargs!r}")
        rng = as_rng(seed)
        self.training = True
        self.layers: list[Layer] = []
        for n_in, n_out in zip(self.sizes[:-2], self.sizes[1:-1], strict=True):
            self.layers.append(Dense(n_in, n_out, bias=not batchnorm, seed=rng, dtype=dtype))
            if batchnorm:
                self.layers.append(BatchNorm(n_out, **(bn_kwargs or {})))
            self.layers.append(_ACTIVATIONS[activation]())
        self.layers.append(Dense(self.sizes[-2], self.sizes[-1], seed=rng, dtype=dtype))
        self._params = {
            f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.params().items()
        }
        self._grads = {
            f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.grads().items()
        }

    def __repr__(self) -> str:
        return f"MLP({self.sizes}, batchnorm={self.batchnorm})"

    def params(self) -> dict[str, np.ndarray]:
        """All trainable arrays, keyed `"<layer index>.<name>"` (the live arrays)."""
        return self._params

    def grads(self) -> dict[str, np.ndarray]:
        """Gradients under the same keys as `params()`, filled in place by `backward`."""
        return self._grads

    def train(self) -> MLP:
        """Training mode: batch norm uses batch statistics and updates its running averages."""
        for layer in self.layers:
            layer.train()
        self.training = True
        return self

    def eval(self) -> MLP:
        """Evaluation mode: batch norm uses its running statistics. Returns self."""
        for layer in self.layers:
            layer.eval()
        self.training = False
        return self

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Logits of shape (m, sizes[-1]) for `x` of shape (m, sizes[0])."""
        x = as_float_array(x, "x", ndim=(2,))
        if x.shape[1] != self.sizes[0]:
            raise ValueError(f"x must have shape (m, {self.sizes[0]}), got {x.shape}")
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dlogits: np.ndarray) -> np.ndarray:
        """Backpropagate `dlogits` from the latest `forward`, filling every gradient in place.

        Returns dL/dx, the gradient with respect to the network's input.
        """
        d = dlogits
        for layer in reversed(self.layers):
            d = layer.backward(d)
        return d

    def _eval_logits(self, x: np.ndarray) -> np.ndarray:
        was_training = self.training
        self.eval()
        try:
            return self.forward(x)
        finally:
            if was_training:
                self.train()

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Predicted class labels, shape (m,), computed in evaluation mode."""
        labels: np.ndarray = np.argmax(self._eval_logits(x), axis=1)
        return labels

    def loss(self, x: np.ndarray, y: np.ndarray) -> float:
        """Mean softmax cross-entropy on (x, y), computed in evaluation mode."""
        x, y = _check_data(self, x, y, "x", "y")
        return softmax_cross_entropy(self._eval_logits(x), y)[0]

    def accuracy(self, x: np.ndarray, y: np.ndarray) -> float:
        """Fraction of correctly classified examples, computed in evaluation mode.

        `y` is checked as `loss` checks it: integer labels, one per row, in range.
        """
        x, y = _check_data(self, x, y, "x", "y")
        return float(np.mean(self.predict(x) == y))


@dataclass
class History:
    """What `train` records: one entry per step (`step_*`) or per epoch (the rest)."""

    step_loss: list[float] = field(default_factory=list)
    step_acc: list[float] = field(default_factory=list)
    epoch_loss: list[float] = field(default_factory=list)
    epoch_acc: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)


class Diverged(FloatingPointError):
    """`train`'s error when the run diverges: the loss or a computation became non-finite.

    `epoch`, `batch` (within the epoch) and `step` (counted from 0 across epochs) say where,
    `lr` with which learning rate; `history` holds what was recorded up to that step.
    """

    def __init__(self, message: str, *, epoch: int, batch: int, step: int, lr: float,
                 history: History) -> None:  # fmt: skip
        super().__init__(message)
        self.epoch, self.batch, self.step, self.lr = epoch, batch, step, lr
        self.history = history


def _check_data(model: MLP, x: Any, y: Any, xname: str, yname: str) -> tuple[np.ndarray, ...]:
    x = as_float_array(x, xname, ndim=(2,))
    if x.shape[0] < 1:
        raise ValueError(f"{xname} must hold at least one example, got shape {x.shape}")
    check_finite(x, xname, "check the data (missing values?) before training")
    if x.shape[1] != model.sizes[0]:
        raise ValueError(f"{xname} must have shape (m, {model.sizes[0]}), got {x.shape}")
    y = np.asarray(y)
    if y.dtype.kind not in "iu":
        raise TypeError(f"{yname} must hold integer class labels, got dtype {y.dtype}")
    if y.shape != (x.shape[0],):
        raise ValueError(f"{yname} must have shape ({x.shape[0]},) to match {xname}, got {y.shape}")
    k = model.sizes[-1]
    if y.size and (y.min() < 0 or y.max() >= k):
        raise ValueError(
            f"{yname} must be in 0..{k - 1} for a model with {k} outputs, "
            f"got labels in {y.min()}..{y.max()}"
        )
    return x, y


def train(
    model: MLP,
    x: np.ndarray,
    y: np.ndarray,
    optimizer: Optimizer,
    *,
    epochs: int,
    batch_size: int,
    seed: int | np.random.Generator = 0,
    schedule: Callable[[int], float] | None = None,
    x_val: np.ndarray | None = None,
    y_val: np.ndarray | None = None,
    drop_last: bool = True,
    callback: Callable[[int, int, MLP, History], None] | None = None,
) -> History:
    r"""Train `model` with mini-batch gradient steps: the course's loop, made real.

    For each epoch (reshuffled), for each mini-batch $t$: forward pass in training mode (batch
    norm uses the mini-batch statistics), softmax cross-entropy, backprop to every $dW$,
    $db$, $d\gamma$, $d\beta$, then `optimizer.step(model.params(), model.grads())`.

    Parameters
    ----------
    model : MLP
        The network; trained in place and left in training mode.
    x : ndarray of shape (m, sizes[0])
        Training inputs, one example per row.
    y : ndarray of int, shape (m,)
        Training labels in `0 .. sizes[-1]-1`.
    optimizer : Optimizer
        Anything with a mutable `lr` and `step(params, grads)` updating in place
        (the `dlbasics.optim.Optimizer` protocol), e.g. `dlbasics.optim.Adam`.
    epochs : int
        Passes over the training set, >= 1.
    batch_size : int
        Mini-batch size, >= 1 (>= 2 with batch norm).
    seed : int or numpy.random.Generator, default=0
        Seeds the shuffling; the same seed and model give the same run.
    schedule : callable, optional
        `schedule(epoch_num) -> lr`, applied before each epoch with the course's 1-based
        `epoch_num` (1 before the first epoch), e.g. `dlbasics.schedules.InverseTimeDecay`.
    x_val, y_val : ndarray, optional
        Validation data, evaluated (in evaluation mode) after each epoch.
    drop_last : bool, default=True
        Skip the last incomplete mini-batch (a batch of one cannot be batch-normalized).
    callback : callable, optional
        `callback(epoch, step, model, history)`, called after every update (`step` counts
        updates from 0 across epochs).

    Returns
    -------
    History
        `step_loss`, `step_acc` (per update, on the mini-batch before the update),
        `epoch_loss`, `epoch_acc` (means over the epoch's mini-batches), `val_loss`, `val_acc`
        (after each epoch, when validation data are given) and `lr` (per epoch).

    Raises
    ------
    Diverged
        A `FloatingPointError`: the loss or a computation became non-finite (the run
        diverged). Its message and its attributes name the epoch, the batch, the step and
        the learning rate.
    ValueError
        If shapes disagree, `x` or `x_val` holds nan or inf (checked before training, so bad
        data are not mistaken for divergence), a label is out of range for the model's
        outputs, `epochs` or `batch_size` is not an integer >= 1, or only one of `x_val`,
        `y_val` is given.

    Examples
    --------
    >>> from dlbasics.datasets import gaussian_blobs
    >>> from dlbasics.network import MLP, train
    >>> from dlbasics.optim import GD
    >>> x, y = gaussian_blobs(200, 2, 3, seed=0)
    >>> model = MLP([2, 16, 3], seed=0)
    >>> hist = train(model, x, y, GD(lr=0.1), epochs=5, batch_size=20)
    >>> len(hist.step_loss), len(hist.epoch_loss)
    (50, 5)
    >>> hist.epoch_loss[-1] < hist.epoch_loss[0]
    True
    """
    x, y = _check_data(model, x, y, "x", "y")
    epochs = check_int(epochs, "epochs", 1)
    batch_size = check_int(batch_size, "batch_size", 1)
    if (x_val is None) != (y_val is None):
        raise ValueError("give both x_val and y_val, or neither")
    if x_val is not None:
        x_val, y_val = _check_data(model, x_val, y_val, "x_val", "y_val")
    if drop_last and batch_size > x.shape[0]:
        raise ValueError(
            f"batch_size={batch_size} exceeds the {x.shape[0]} training examples: with "
            "drop_last=True no mini-batch would run"
        )
    rng = as_rng(seed)
    hist = History()
    params, grads = model.params(), model.grads()
    model.train()
    step = 0
    for epoch in range(epochs):
        if schedule is not None:
            optimizer.lr = schedule(epoch + 1)  # the course's epoch_num
        lr = optimizer.lr
        hist.lr.append(float(lr))
        batches = minibatches(x, y, batch_size, seed=rng, drop_last=drop_last)
        losses, accs = [], []
        for batch, (xb, yb) in enumerate(batches):
            assert yb is not None  # y was checked by _check_data
            where = f"epoch {epoch}, batch {batch} (step {step}) with learning rate {lr:g}"
            try:
                with np.errstate(over="raise", invalid="raise", divide="raise"):
                    logits = model.forward(xb)
                    loss, dlogits = softmax_cross_entropy(logits, yb)
                    if not np.isfinite(loss):
                        raise FloatingPointError(f"loss is {loss}")
                    acc = float(np.mean(np.argmax(logits, axis=1) == yb))
                    model.backward(dlogits)
                    optimizer.step(params, grads)
            except FloatingPointError as exc:
                raise Diverged(
                    f"training diverged at {where}: {exc}; try a smaller learning rate",
                    epoch=epoch, batch=batch, step=step, lr=float(lr), history=hist,
                ) from exc  # fmt: skip
            hist.step_loss.append(loss)
            hist.step_acc.append(acc)
            losses.append(loss)
            accs.append(acc)
            if callback is not None:
                callback(epoch, step, model, hist)
            step += 1
        hist.epoch_loss.append(float(np.mean(losses)))
        hist.epoch_acc.append(float(np.mean(accs)))
        if x_val is not None and y_val is not None:  # both or neither, checked above
            hist.val_loss.append(model.loss(x_val, y_val))
            hist.val_acc.append(model.accuracy(x_val, y_val))
    return hist
