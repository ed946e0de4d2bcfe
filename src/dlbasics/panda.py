r"""The panda approach: babysit one training run, one session at a time.

With a large data set and little compute you train one model and watch it: each day you look
at the learning curve, maybe lower the learning rate, and let it run on. `Panda` is that run:
an MLP trained with momentum that can be saved to a file (weights, velocities, the whole
learning curve, the interventions), loaded in a new session, changed (`set(lr=...)`) and
continued. The run is reproducible: epoch $e$ shuffles with
`SeedSequence(seed, spawn_key=(e,))`, so ten epochs in one session equal five, a save, a
load and five more, bit for bit.

The opposite approach, caviar, trains many models in parallel: see `random_search`.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from typing import Any

import numpy as np

from dlbasics._validate import (
    as_float_array,
    check_int,
    check_int_list,
    check_positive,
    check_unit_interval,
)
from dlbasics.network import MLP, train
from dlbasics.optim import Momentum

__all__ = ["Panda"]

_TUNABLE = ("lr", "beta", "batch_size")


def _fingerprint(*arrays: np.ndarray) -> str:
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(str((a.shape, a.dtype.str)).encode())
        h.update(a.tobytes())
    return h.hexdigest()[:16]


class Panda:
    r"""One babysat run: `MLP([n, *hidden, k])` trained with `Momentum`, epoch by epoch.

    Parameters
    ----------
    x, y : ndarray of shape (m, n) and (m,)
        Training data (integer labels).
    x_val, y_val : ndarray of shape (m_val, n) and (m_val,)
        Validation data, evaluated after every epoch.
    hidden : sequence of int, default=(32,)
        Hidden layer widths.
    lr : float
        Learning rate $\alpha > 0$.
    beta : float, default=0.9
        Momentum $\beta$ in [0, 1).
    batch_size : int, default=64
        Mini-batch size, an integer >= 1.
    seed : int, default=0
        Seeds the weights and every epoch's shuffle, an integer >= 0.

    Attributes
    ----------
    model : MLP
        The network.
    optimizer : Momentum
        Its optimizer; `optimizer.state[key]["v"]` is the velocity saved with the weights.
    epoch : int
        Epochs trained so far.
    history : dict of lists
        Per epoch: "epoch" (1-based), "train_loss", "val_loss", "val_acc", "lr".
    step_loss : list of float
        Every mini-batch's loss since the start.
    interventions : list of dict
        `{"epoch": e, "changes": {name: [old, new]}, "note": str}`: applied after `e` epochs.
    sessions : list of int
        The epoch at which each session (construction or `load`) began.

    Examples
    --------
    >>> from dlbasics.datasets import load_digits_split
    >>> x, y, xv, yv = load_digits_split()
    >>> run = Panda(x, y, xv, yv, lr=0.2, seed=0)
    >>> run.fit(2)
    >>> run.set(lr=0.05, note="plateau: lower the learning rate")
    >>> run.fit(1)
    >>> run.epoch, run.history["lr"], run.interventions[0]["changes"]
    (3, [0.2, 0.2, 0.05], {'lr': [0.2, 0.05]})
    """

    def __init__(
        self,
        x: np.ndarray,
        y: np.ndarray,
        x_val: np.ndarray,
        y_val: np.ndarray,
        *,
        hidden: tuple[int, ...] | list[int] = (32,),
        lr: float,
        beta: float = 0.9,
        batch_size: int = 64,
        seed: int = 0,
    ) -> None:
        self.x, self.y, self.x_val, self.y_val = x, y, x_val, y_val
        n_in = as_float_array(x, "x", ndim=(2,)).shape[1]
        labels = np.asarray(y)
        if labels.dtype.kind not in "iu" or labels.size == 0:
            raise TypeError(
                f"y must hold integer class labels, got {labels.dtype} of shape {labels.shape}"
            )
        widths = check_int_list(hidden, "hidden", 1, "(32,)")
        self.sizes = [n_in, *widths, int(np.max(labels)) + 1]
        self.seed = check_int(seed, "seed", 0)
        self.model = MLP(self.sizes, seed=self.seed)
        self.optimizer = Momentum(lr, beta)
        self._apply(lr, beta, batch_size)
        self.epoch = 0
        self.history: dict[str, list[float]] = {
            k: [] for k in ("epoch", "train_loss", "val_loss", "val_acc", "lr")
        }
        self.step_loss: list[float] = []
        self.interventions: list[dict[str, Any]] = []
        self.sessions = [0]

    @property
    def hparams(self) -> dict[str, Any]:
        """The hyperparameters the next epoch will use."""
        return {"lr": self.optimizer.lr, "beta": self.optimizer.beta, "batch_size": self.batch_size}

    def set(self, note: str = "", **changes: Any) -> None:
        r"""Change `lr`, `beta` and/or `batch_size` from the next epoch on, and record it.

        Raises
        ------
        ValueError
            If a name is not one of lr, beta, batch_size, or a value is out of range.
        TypeError
            If a value has the wrong type (e.g. a `batch_size` that is not an integer).
        """
        unknown = sorted(set(changes) - set(_TUNABLE))
        if unknown:
            raise ValueError(f"can only set {', '.join(_TUNABLE)}; got {', '.join(unknown)}")
        old = self.hparams
        self._apply(**{**old, **changes})
        diff = {k: [old[k], self.hparams[k]] for k in changes}
        self.interventions.append({"epoch": self.epoch, "changes": diff, "note": str(note)})

    def _apply(self, lr: float, beta: float, batch_size: int) -> None:
        lr, beta = check_positive(lr, "lr"), check_unit_interval(beta, "beta")
        batch_size = check_int(batch_size, "batch_size", 1)
        self.optimizer.lr, self.optimizer.beta, self.batch_size = lr, beta, batch_size

    def fit(self, epochs: int) -> None:
        """Train `epochs` (an integer >= 1) more epochs, appending to the learning curve."""
        for _ in range(check_int(epochs, "epochs", 1)):
            rng = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(self.epoch,)))
            hist = train(
                self.model, self.x, self.y, self.optimizer, epochs=1, batch_size=self.batch_size,
                seed=rng, x_val=self.x_val, y_val=self.y_val,
            )  # fmt: skip
            self.epoch += 1
            self.step_loss.extend(hist.step_loss)
            for key, value in (
                ("epoch", self.epoch),
                ("train_loss", hist.epoch_loss[-1]),
                ("val_loss", hist.val_loss[-1]),
                ("val_acc", hist.val_acc[-1]),
                ("lr", hist.lr[-1]),
            ):
                self.history[key].append(value)

    def _meta(self) -> dict[str, Any]:
        return {
            "format": "dlbasics.panda",
            "version": 1,
            "sizes": self.sizes,
            "seed": self.seed,
            "hparams": self.hparams,
            "epoch": self.epoch,
            "history": self.history,
            "step_loss": self.step_loss,
            "interventions": self.interventions,
            "sessions": self.sessions,
            "data": _fingerprint(self.x, self.y, self.x_val, self.y_val),
        }

    def save(self, path: str | os.PathLike) -> None:
        """Checkpoint everything to a `.npz` file (no pickle), replacing it atomically."""
        # Any: mypy would check the arrays against savez's `allow_pickle: bool` keyword too
        arrays: dict[str, Any] = {f"param/{k}": v for k, v in self.model.params().items()}
        arrays |= {f"velocity/{k}": s["v"] for k, s in self.optimizer.state.items()}
        tmp = f"{os.fspath(path)}.tmp.npz"
        np.savez(tmp, meta=np.array(json.dumps(self._meta())), **arrays)
        os.replace(tmp, path)

    @classmethod
    def load(
        cls,
        path: str | os.PathLike,
        x: np.ndarray,
        y: np.ndarray,
        x_val: np.ndarray,
        y_val: np.ndarray,
    ) -> Panda:
        r"""Resume a run saved by `save`, in a new session, on the same data.

        Raises
        ------
        ValueError
            If the file is not a Panda checkpoint, is truncated or damaged (a weight missing
            or of the wrong shape), or the data differ from the saved run's.
        """
        meta, arrays = _read_checkpoint(path)
        if _fingerprint(x, y, x_val, y_val) != meta["data"]:
            raise ValueError(f"the data differ from those the run in {os.fspath(path)!r} saw")
        sizes = meta["sizes"]
        run = cls(x, y, x_val, y_val, hidden=sizes[1:-1], seed=meta["seed"], **meta["hparams"])
        for k, w in run.model.params().items():
            w[...] = _weight(arrays, f"param/{k}", w.shape, path)
        params = run.model.params()
        if any(f"velocity/{k}" in arrays for k in params):  # none before the first step
            run.optimizer.state = {
                k: {"v": _weight(arrays, f"velocity/{k}", w.shape, path)} for k, w in params.items()
            }
        run.epoch = meta["epoch"]
        run.history = meta["history"]
        run.step_loss = meta["step_loss"]
        run.interventions = meta["interventions"]
        run.sessions = [*meta["sessions"], run.epoch]
        return run


_META_KEYS = ("sizes", "seed", "hparams", "epoch", "history", "step_loss", "interventions",
              "sessions", "data")  # fmt: skip


def _read_checkpoint(path: str | os.PathLike) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The metadata and arrays of a checkpoint; a ValueError naming the file if it is damaged."""
    where = os.fspath(path)
    try:
        with open(path, "rb") as fh, np.load(fh, allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
        meta = json.loads(str(arrays.pop("meta"))) if "meta" in arrays else None
    except (FileNotFoundError, PermissionError):
        raise
    except (zipfile.BadZipFile, EOFError, OSError, KeyError, ValueError) as exc:
        raise ValueError(
            f"{where!r} is not a readable Panda checkpoint (truncated or damaged?): "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    if not isinstance(meta, dict) or meta.get("format") != "dlbasics.panda":
        raise ValueError(f"{where!r} is not a Panda checkpoint (no Panda metadata)")
    missing = [k for k in _META_KEYS if k not in meta]
    if missing:
        raise ValueError(f"Panda checkpoint {where!r} is damaged: its metadata lack {missing}")
    return meta, arrays


def _weight(arrays: dict[str, np.ndarray], key: str, shape: tuple[int, ...], path: Any) -> Any:
    if key not in arrays:
        raise ValueError(f"checkpoint {os.fspath(path)!r} has no array {key!r}: damaged?")
    if arrays[key].shape != shape:
        raise ValueError(
            f"checkpoint {os.fspath(path)!r}: {key!r} has shape {arrays[key].shape}, the model "
            f"needs {shape}"
        )
    return arrays[key]
