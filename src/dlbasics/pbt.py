r"""Population-based training: a population of `Panda` runs that babysit one another.

Start `population` runs, each with hyperparameters drawn from a space as a random search
would. Train them all for a few epochs (a round), rank them by validation loss, and let the
bottom quantile **exploit** the top: each of them copies the checkpoint of a run drawn at
random from the top quantile (weights, velocities, learning curve: the whole file), then
**explores**: multiplies the copied learning rate by 0.8 or 1.2, drawn at random, and trains
on. Jaderberg et al. (2017), *Population based training of neural networks*
(arXiv:1711.09846); 0.8 and 1.2 and a quantile of 0.25 are Ray Tune's defaults
(`ray/tune/schedulers/pbt.py`; Ray also resamples a value from its distribution with
probability 0.25, which this version does not).

It is the caviar strategy babysitting itself: many runs in parallel, and after each round
the runs that fell behind are restarted from a good checkpoint with a changed learning
rate, as a panda's keeper would do by hand. Each exploit is recorded in the run itself, as
an intervention (`Panda.interventions`), and in the result's `exploits`.

Reproducibility: member $i$ owns `SeedSequence(seed, spawn_key=(i,))`; child 0 draws its
first hyperparameters (`dlbasics.space.sample`: trial $i$ of a random search), child 1 its
`Panda`'s seed (as `dlbasics.objectives.digits_panda` draws it), child $2 + r$ its choices
after round $r$ (whom to copy, which factor). Losses and choices never depend on where the
runs trained, so the result is the same in-process, on the pool and on Dask.
"""

from __future__ import annotations

import contextlib
import functools
import math
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from dlbasics._validate import check_int, check_positive, is_real
from dlbasics.panda import Panda
from dlbasics.results import Trial, Trials
from dlbasics.runner import TrialRunner
from dlbasics.space import check_seed, check_space, sample

__all__ = ["Exploit", "Population", "population_based_training"]

_TUNABLE = ("lr", "beta", "batch_size")


@dataclass
class Exploit:
    """Member `member` copied member `source`'s checkpoint after `epoch` epochs.

    `before` holds the hyperparameters it gave up, `after` the source's multiplied by
    `factors` (e.g. `{"lr": 1.2}`).
    """

    epoch: int
    member: int
    source: int
    factors: dict[str, float]
    before: dict[str, Any]
    after: dict[str, Any]


@dataclass
class Population:
    """What `population_based_training` returns.

    Attributes
    ----------
    epochs : int
        Epochs per round.
    trials : Trials
        One record per member and round: `id` the member, `params` its hyperparameters in
        that round, `budget` the epochs its weights had trained at the end of the round,
        `loss` its validation loss then, `curve` the round's epochs. `trials.best` is the
        best member after the last round.
    exploits : list of Exploit
        Who copied whom, when, and with which hyperparameters, in order.
    pandas : list of Panda
        The members' final runs, whose `history` is their lineage's whole learning curve.
    """

    epochs: int
    trials: Trials = field(default_factory=Trials)
    exploits: list[Exploit] = field(default_factory=list)
    pandas: list[Panda] = field(default_factory=list)

    def lineage(self, member: int) -> list[int]:
        """The member that trained `member`'s final weights in each round, first to last."""
        owner, owners = member, [member]
        last = max(t.budget or 0 for t in self.trials)
        for epoch in range(last - self.epochs, 0, -self.epochs):  # the exploits, latest first
            copied = [e.source for e in self.exploits if e.epoch == epoch and e.member == owner]
            owner = copied[0] if copied else owner
            owners.append(owner)
        return owners[::-1]


def _train_round(
    params: dict[str, Any],
    rng: np.random.Generator,
    report: Any,
    *,
    data: tuple[np.ndarray, ...],
    checkpoint: str,
    epochs: int,
) -> float:
    """One member's round, where a worker runs it: load, train `epochs`, save, report."""
    run = Panda.load(checkpoint, *data)
    run.fit(epochs)
    run.save(checkpoint)
    for epoch, value in zip(run.history["epoch"], run.history["val_loss"], strict=True):
        if epoch > run.epoch - epochs:
            report(int(epoch), value)
    return float(run.history["val_loss"][-1])


def _explore(hparams: dict[str, Any], names: Sequence[str], factors: Sequence[float],
             rng: np.random.Generator) -> tuple[dict[str, Any], dict[str, float]]:  # fmt: skip
    """`hparams` with each of `names` multiplied by a factor drawn from `factors`.

    A learning rate is multiplied; a batch size is multiplied and rounded (at least 1); for
    momentum the factor multiplies $1 - \\beta$, its natural scale (clipped at $\\beta = 0$).
    """
    new, drawn = dict(hparams), {}
    for name in names:
        f = float(factors[int(rng.integers(len(factors)))])
        drawn[name] = f
        if name == "lr":
            new[name] = hparams[name] * f
        elif name == "batch_size":
            new[name] = max(1, round(hparams[name] * f))
        else:
            new[name] = max(0.0, 1 - (1 - hparams[name]) * f)
    return new, drawn


@contextlib.contextmanager
def _folder(workdir: Any) -> Iterator[Path]:
    if workdir is not None:
        folder = Path(workdir).resolve()
        if not folder.is_dir():
            raise ValueError(f"workdir {str(workdir)!r} is not an existing directory")
        yield folder
    else:
        with tempfile.TemporaryDirectory(prefix="dlbasics-pbt-") as tmp:
            yield Path(tmp)


def _quantiles(done: list[Trial], n_q: int) -> tuple[list[int], list[int]]:
    """The top `n_q` members (successful ones), and the members that copy one of them: the
    bottom `n_q` and every member that failed; nobody copies if no member succeeded."""
    ranked = sorted(done, key=lambda t: (t.status != "ok", t.loss or 0.0, t.id))
    top = [t.id for t in ranked[:n_q] if t.status == "ok"]
    bottom = {t.id for t in ranked[len(ranked) - n_q :]} | {t.id for t in done if t.status != "ok"}
    return top, sorted(bottom - set(top)) if top else []


def _exploit(files: list[str], i: int, j: int, factors: dict[str, float],
             changes: dict[str, Any], data: Any) -> None:  # fmt: skip
    """Member `i` takes member `j`'s checkpoint, all of it, and the explored `changes`."""
    shutil.copyfile(files[j], files[i])  # weights, velocities, history, seed
    run = Panda.load(files[i], *data)
    run.set(note=f"exploit member {j}, explore {factors}", **changes)
    run.save(files[i])


def population_based_training(
    x: np.ndarray,
    y: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    space: Mapping[str, Any],
    *,
    population: int,
    rounds: int,
    epochs: int,
    hidden: Sequence[int] = (32,),
    quantile: float = 0.25,
    factors: Sequence[float] = (0.8, 1.2),
    perturb: Sequence[str] = ("lr",),
    seed: int = 0,
    executor: Any = None,
    workdir: Any = None,
) -> Population:
    r"""Train a population of `Panda` runs in rounds; after each, the worst copy the best.

    Parameters
    ----------
    x, y, x_val, y_val : ndarray
        Training and validation data, as for `Panda`.
    space : dict
        The first hyperparameters: `lr`, and optionally `beta` and `batch_size` (the ones
        `Panda.set` changes), each a distribution or a constant.
    population : int
        Number of runs, >= 2.
    rounds : int
        Rounds of training, >= 1; the exploit-and-explore step follows every round but the
        last.
    epochs : int
        Epochs per round, >= 1.
    hidden : sequence of int, default=(32,)
        Hidden layer widths of every run.
    quantile : float, default=0.25
        The fraction of the population in the top and in the bottom quantile:
        $\lceil q P \rceil$ runs each, at most $\lfloor P/2 \rfloor$ (as Ray Tune rounds
        it). Runs that failed (diverged) copy a top run too.
    factors : sequence of float, default=(0.8, 1.2)
        The factors explore draws from, with equal probability.
    perturb : sequence of str, default=("lr",)
        The hyperparameters explore changes (`lr`, `beta` through $1-\beta$, `batch_size`).
    seed : int, default=0
        Seed of the population (see the module's notes).
    executor : "default", None or concurrent.futures.Executor, default=None
        Where the runs of a round train, as in `random_search`; None: in-process.
    workdir : str or path-like, optional
        An existing directory to keep the checkpoints in (`member-<i>.npz`); by default a
        temporary one, removed at the end.

    Returns
    -------
    Population
        The records of every round, the exploits, and the final runs.

    Raises
    ------
    ValueError
        If `space` names something other than lr, beta and batch_size or lacks lr,
        `quantile` is not in (0, 0.5], a factor is not positive, `perturb` names something
        else, or a count is too small.
    TypeError
        If a count is not an integer, `quantile` not a number, or `factors` or `perturb`
        not a list.

    Examples
    --------
    >>> from dlbasics import LogUniform, load_digits_split
    >>> pop = population_based_training(*load_digits_split(), {"lr": LogUniform(0.01, 1)},
    ...                                 population=4, rounds=3, epochs=1, seed=0)
    >>> [(e.epoch, e.member, e.source, e.factors) for e in pop.exploits]
    [(1, 3, 1, {'lr': 0.8}), (2, 2, 1, {'lr': 1.2})]
    >>> pop.trials.best.id, pop.lineage(2)
    (2, [1, 1, 2])
    """
    check_space(space)
    unknown = sorted(set(space) - set(_TUNABLE))
    if unknown or "lr" not in space:
        raise ValueError(
            f"space must give lr, and may give beta and batch_size (what Panda.set changes); "
            f"got {sorted(space)}"
        )
    size = check_int(population, "population", 2)
    rounds = check_int(rounds, "rounds", 1)
    epochs = check_int(epochs, "epochs", 1)
    if not is_real(quantile):
        raise TypeError(f"quantile must be a number in (0, 0.5], got {quantile!r}")
    if not 0 < quantile <= 0.5:
        raise ValueError(f"quantile must be a number in (0, 0.5], got {quantile!r}")
    for name, names in (("factors", factors), ("perturb", perturb)):
        if isinstance(names, str | bytes) or not isinstance(names, Sequence):
            raise TypeError(f"{name} must be a list (or tuple), got {names!r}")
    factors = [check_positive(f, "each of factors") for f in factors]
    if not factors:
        raise ValueError("factors must hold at least one factor, e.g. (0.8, 1.2)")
    if set(perturb) - set(_TUNABLE):
        raise ValueError(f"perturb must be a list of names among {_TUNABLE}, got {perturb!r}")
    seed = check_seed(seed)
    n_q = min(math.ceil(size * quantile), size // 2)
    data = (x, y, x_val, y_val)
    hparams = [sample(space, seed, i) for i in range(size)]
    result = Population(epochs)
    with _folder(workdir) as folder:
        files = [str(folder / f"member-{i}.npz") for i in range(size)]
        for i in range(size):
            stream = np.random.SeedSequence(seed, spawn_key=(i,)).spawn(2)[1]
            run_seed = int(np.random.default_rng(stream).integers(2**31))
            Panda(*data, hidden=tuple(hidden), seed=run_seed, **hparams[i]).save(files[i])
        runner = TrialRunner(functools.partial(_train_round, data=data), seed, executor)
        for r in range(rounds):
            for i in range(size):
                runner.submit(i, dict(hparams[i]), {"checkpoint": files[i], "epochs": epochs})
            try:
                done = sorted(runner.finished(), key=lambda t: t.id)
            except KeyboardInterrupt:
                runner.stop()
                raise
            for t in done:
                t.budget = (r + 1) * epochs
            result.trials.extend(done)
            if r == rounds - 1:
                break
            top, bottom = _quantiles(done, n_q)
            for i in bottom:
                rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(i, 2 + r)))
                j = top[int(rng.integers(len(top)))]
                new, drawn = _explore(hparams[j], perturb, factors, rng)
                _exploit(files, i, j, drawn, {k: new[k] for k in drawn}, data)
                result.exploits.append(Exploit((r + 1) * epochs, i, j, drawn, hparams[i], new))
                hparams[i] = new
        result.pandas = [Panda.load(f, *data) for f in files]
    result.trials.sort(key=lambda t: t.key)
    return result
