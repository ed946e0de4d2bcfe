r"""Objectives for `random_search`, importable by worker processes.

Each is `objective(params, rng, report) -> loss`: `params` is the dict of hyperparameters,
`rng` a `numpy.random.Generator` owned by the trial (all its randomness comes from there) and
`report(step, value)` records the learning curve.

- `digits_mlp`: a real one, a small MLP trained with momentum on the handwritten digits;
  returns the final validation loss. Given a `budget` (successive halving), it trains that
  many epochs from scratch.
- `digits_panda`: the same network as a `Panda` run that resumes from a checkpoint, for
  successive halving's warm start.
- `synthetic`: a cheap stand-in with the same shape (for tests and quick pages); its loss
  depends mostly on $\log_{10}\alpha$.
- `faulty`: misbehaves on request, to show what a search does when an objective fails.
"""

from __future__ import annotations

import ctypes
import functools
import math
import os
import signal
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from dlbasics.datasets import load_digits_split
from dlbasics.network import MLP, train
from dlbasics.optim import Momentum
from dlbasics.panda import Panda

__all__ = ["digits_mlp", "digits_panda", "faulty", "synthetic"]

Report = Callable[[int, float], None]


@functools.cache
def _digits(seed: int) -> tuple[np.ndarray, ...]:
    return load_digits_split(seed=seed)


def digits_mlp(
    params: dict[str, Any],
    rng: np.random.Generator,
    report: Report,
    budget: int | None = None,
) -> float:
    r"""Train `MLP([64, hidden, 10])` with momentum on the digits; the final validation loss.

    Parameters
    ----------
    params : dict
        `lr` (required, $\alpha > 0$); `beta` (momentum, default 0.9); `hidden` (units,
        default 32); `batch_size` (default 64); `epochs` (default 10); `data_seed` (the
        train/validation split, default 0, the same for every trial).
    rng : numpy.random.Generator
        Seeds the weight initialization and the shuffling.
    report : callable
        Called as `report(epoch, validation_loss)` after each epoch (epochs counted from 1).
    budget : int, optional
        Epochs to train, in place of `params["epochs"]` (what `successive_halving` passes).
        The same trial trained on a larger budget repeats the smaller budget's epochs.

    Returns
    -------
    float
        Softmax cross-entropy on the held-out quarter of the digits after the last epoch.

    Raises
    ------
    FloatingPointError
        If training diverges (too large a learning rate); the search marks the trial failed.

    Examples
    --------
    >>> import numpy as np
    >>> curve = []
    >>> loss = digits_mlp({"lr": 0.1, "epochs": 3}, np.random.default_rng(0),
    ...                   lambda s, v: curve.append(v))
    >>> len(curve), curve[0] > loss, loss == curve[-1]
    (3, True, True)
    """
    x, y, x_val, y_val = _digits(int(params.get("data_seed", 0)))
    hidden = int(params.get("hidden", 32))
    model = MLP([x.shape[1], hidden, 10], seed=int(rng.integers(2**31)))
    opt = Momentum(lr=params["lr"], beta=params.get("beta", 0.9))
    batch_size = int(params.get("batch_size", 64))
    loss = math.nan
    epochs = int(params.get("epochs", 10)) if budget is None else int(budget)
    for epoch in range(1, epochs + 1):
        hist = train(
            model, x, y, opt, epochs=1, batch_size=batch_size, seed=rng, x_val=x_val, y_val=y_val
        )
        loss = hist.val_loss[-1]
        report(epoch, loss)
    return loss


def digits_panda(
    params: dict[str, Any],
    rng: np.random.Generator,
    report: Report,
    *,
    budget: int,
    checkpoint: Any,
) -> float:
    r"""A `Panda` run on the digits that resumes from its previous rung (warm start).

    At the first rung (`checkpoint.load` is None) it starts a `Panda` with the trial's
    hyperparameters and a seed drawn from `rng`; later it loads the run its previous rung
    saved. It trains up to `budget` epochs, saves the run to `checkpoint.save` and reports
    the whole validation curve, epochs 1 to `budget`. A `Panda` checkpoint holds the
    weights, the velocities and the seed of every epoch's shuffle, so resuming gives, bit
    for bit, what one run of `budget` epochs gives.

    Parameters
    ----------
    params : dict
        `lr` (required); `beta` (default 0.9), `hidden` (default 32), `batch_size`
        (default 64), `data_seed` (default 0), as for `digits_mlp`.
    rng : numpy.random.Generator
        The trial's stream: seeds the run (the same draw at every rung).
    report : callable
        Called as `report(epoch, validation_loss)` for every epoch so far.
    budget : int
        Epochs the run has trained when it returns.
    checkpoint : dlbasics.halving.Checkpoint
        `load` (None, or the file to resume from) and `save` (where to save).

    Returns
    -------
    float
        The validation loss after `budget` epochs.
    """
    data = _digits(int(params.get("data_seed", 0)))
    seed = int(rng.integers(2**31))
    if checkpoint.load is None:
        run = Panda(
            *data,
            hidden=(int(params.get("hidden", 32)),),
            lr=params["lr"],
            beta=params.get("beta", 0.9),
            batch_size=int(params.get("batch_size", 64)),
            seed=seed,
        )
    else:
        run = Panda.load(checkpoint.load, *data)
    if budget > run.epoch:
        run.fit(budget - run.epoch)
    run.save(checkpoint.save)
    for epoch, value in zip(run.history["epoch"], run.history["val_loss"], strict=True):
        report(int(epoch), value)
    return float(run.history["val_loss"][-1])


def synthetic(params: dict[str, Any], rng: np.random.Generator, report: Report) -> float:
    r"""A cheap stand-in: a decaying curve whose floor depends mostly on the learning rate.

    $$\begin{aligned}
      L &= (\log_{10}\alpha + 2)^2 / 4 + 0.1\,(\log_{10}(1-\beta) + 2)^2 \\
        &\quad {} + (h - 64)^2 / 10^5 + 0.01\,\epsilon, \qquad \epsilon \sim N(0, 1)
    \end{aligned}$$

    Parameters
    ----------
    params : dict
        `lr` (required); `beta` (default 0.9), `hidden` (default 64), `steps` (curve points,
        default 10).
    rng : numpy.random.Generator
        Draws the noise $\epsilon$ and the curve's wiggles.
    report : callable
        Called `steps` times with a curve decaying to $L$.

    Returns
    -------
    float
        $L$ (best near `lr=1e-2`, `beta=0.99`, `hidden=64`).

    Examples
    --------
    >>> import numpy as np
    >>> round(synthetic({"lr": 1e-2}, np.random.default_rng(0), lambda s, v: None), 3)
    0.101
    """
    r = math.log10(params["lr"])
    s = math.log10(1 - params.get("beta", 0.9))
    h = params.get("hidden", 64)
    floor = (r + 2) ** 2 / 4 + 0.1 * (s + 2) ** 2 + (h - 64) ** 2 / 1e5 + 0.01 * rng.normal()
    steps = int(params.get("steps", 10))
    wiggle = 0.02 * rng.random(steps)
    for k in range(steps):
        report(k + 1, floor + math.exp(-(k + 1) / 3) + float(wiggle[k]))
    return float(floor)


def faulty(params: dict[str, Any], rng: np.random.Generator, report: Report) -> float:
    r"""Misbehave as `params["mode"]` says, to show what a search does when a trial goes wrong.

    - "ok": return `params.get("loss", rng.random())` after `params.get("sleep", 0)` seconds;
    - "raise": report one point and raise `ValueError`; "nan": return NaN;
    - "exit": call `sys.exit(3)`, as a script's objective might;
    - "interrupt": raise `KeyboardInterrupt`, as Ctrl-C would;
    - "crash", "kill", "segfault": end the worker process at once, with `os._exit(70)`, with
      SIGKILL (as the out-of-memory killer does) or with a segmentation fault in native code.
      Never use these in-process: they end the calling process too.

    Examples
    --------
    >>> import numpy as np
    >>> faulty({"mode": "ok", "loss": 0.5}, np.random.default_rng(0), lambda s, v: None)
    0.5
    """
    mode = params.get("mode", "ok")
    report(1, 1.0)
    if mode == "raise":
        raise ValueError(f"faulty objective asked to fail (params={params})")
    if mode == "nan":
        return math.nan
    if mode == "exit":
        sys.exit(3)
    if mode == "interrupt":
        raise KeyboardInterrupt
    if mode == "crash":
        os._exit(70)
    if mode == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if mode == "segfault":
        ctypes.string_at(0)  # reads address 0
    time.sleep(params.get("sleep", 0))
    return float(params.get("loss", rng.random()))
