r"""Successive halving and ASHA: many trials on a small budget, the best few on more.

Successive halving trains `n_trials` configurations for `min_budget` epochs, keeps the best
$1/\eta$ of them, trains those on $\eta$ times the budget, and so on up to `max_budget`.
Rung $k$ has the budget $b_k = b_0\,\eta^k$ and $n_k = \max(1, \lfloor n_{k-1}/\eta\rfloor)$
configurations (`rungs`). The synchronous version waits for a rung to finish before it
promotes anyone; its result does not depend on the executor.

ASHA (`asynchronous=True`) never waits: whenever a worker is free it promotes a trial that
is in the top $1/\eta$ of the trials that have finished its rung so far (looking from the top
rung down), or else starts a new configuration.

**The objective** is called as `objective(params, rng, report, budget=b)` and trains for `b`
epochs; `rng` is the trial's own stream, the same at every rung. Two modes:

- *Retrain from zero*: an objective without a `checkpoint` parameter trains $b_k$ epochs
  from scratch at rung $k$ (`dlbasics.objectives.digits_mlp`). A run costs
  $\sum_k n_k b_k$ epochs, and a trial's loss at budget $b$ is exactly what
  `random_search` gives it with `epochs=b`.
- *Resume*: an objective with a `checkpoint` parameter also receives a `Checkpoint`. It
  starts from the file `checkpoint.load` (None at the first rung: start from scratch), which
  its previous rung saved, trains up to `budget` epochs, and saves everything it needs to
  go on (weights, optimizer state, epochs done, its randomness) to `checkpoint.save` before
  it returns (`dlbasics.objectives.digits_panda`). A run then costs
  $\sum_k n_k (b_k - b_{k-1})$ epochs. Each rung saves to a file of its own, never
  overwritten, so a rung that is run again (after Ctrl-C) starts from the same state. When
  its checkpoint holds all its state, resuming gives what retraining from zero would, bit
  for bit.

Checkpoints live in `<path>.checkpoints/` beside the results file when `path` is given (kept:
a resumed search needs them, and the best trial's file is its trained model), otherwise in a
temporary directory removed when the search returns. Workers must see that directory (one
machine, or a shared file system on a cluster).
"""

from __future__ import annotations

import contextlib
import inspect
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dlbasics import executors, trialfile
from dlbasics._validate import check_bool, check_int
from dlbasics.results import Trial, TrialLog, Trials, check_same_search
from dlbasics.runner import TrialRunner
from dlbasics.space import check_seed, check_space, sample

__all__ = ["Checkpoint", "budget_spent", "rungs", "successive_halving"]


@dataclass(frozen=True)
class Checkpoint:
    """Where a warm-starting objective resumes from (`load`) and saves to (`save`).

    `load` is None at the first rung; otherwise the file this configuration's previous rung
    saved. `save` is a new file (its name ends in `.npz`), for the next rung.
    """

    load: str | None
    save: str


def rungs(n_trials: int, min_budget: int, max_budget: int, eta: int = 3) -> list[tuple[int, int]]:
    r"""The rungs of successive halving: `(budget, configurations)`, from the first rung up.

    $b_k = $ `min_budget` $\cdot\,\eta^k$ up to `max_budget`, which must be one of them;
    $n_0 = $ `n_trials` and $n_k = \max(1, \lfloor n_{k-1}/\eta \rfloor)$.

    Raises
    ------
    TypeError
        If an argument is not an integer.
    ValueError
        If `n_trials < 1`, `min_budget < 1`, `eta < 2`, `min_budget > max_budget`, or
        `max_budget` is not `min_budget * eta**k` for an integer k.

    Examples
    --------
    >>> rungs(27, min_budget=1, max_budget=27, eta=3)
    [(1, 27), (3, 9), (9, 3), (27, 1)]
    >>> rungs(10, min_budget=2, max_budget=8, eta=2)
    [(2, 10), (4, 5), (8, 2)]
    """
    n = check_int(n_trials, "n_trials", 1)
    low = check_int(min_budget, "min_budget", 1)
    eta = check_int(eta, "eta", 2, "the factor between budgets")
    high = check_int(max_budget, "max_budget", 1)
    if low > high:
        raise ValueError(f"min_budget must be <= max_budget, got min_budget={low} > {high}")
    budgets = [low]
    while budgets[-1] < high:
        budgets.append(budgets[-1] * eta)
    if budgets[-1] != high:
        raise ValueError(
            f"max_budget must be min_budget * eta**k for an integer k (the budgets are "
            f"{budgets[:-1]}, ...), got max_budget={high}: use {budgets[-2]} or {budgets[-1]}"
        )
    sizes = [n]
    for _ in budgets[1:]:
        sizes.append(max(1, sizes[-1] // eta))
    return list(zip(budgets, sizes, strict=True))


def budget_spent(trials: Iterable[Trial], *, resumed: bool) -> int:
    r"""The epochs (budget units) a search's records cost.

    Retraining from zero, a record of budget $b$ costs $b$; resuming, it costs $b$ minus the
    budget of its trial's previous record. Records without a budget are not counted.

    Examples
    --------
    >>> records = [Trial(0, {}, 0.5, budget=1), Trial(0, {}, 0.2, budget=3),
    ...            Trial(1, {}, 0.9, budget=1)]
    >>> budget_spent(records, resumed=False), budget_spent(records, resumed=True)
    (5, 4)
    """
    spent, reached = 0, dict[int, int]()
    for t in sorted((t for t in trials if t.budget is not None), key=lambda t: t.key):
        spent += t.key[1] - (reached.get(t.id, 0) if resumed else 0)
        reached[t.id] = t.key[1]
    return spent


def _takes(objective: Any, name: str) -> bool | None:
    """Whether `objective` takes a keyword `name` (None if its signature is unknown)."""
    try:
        parameters = inspect.signature(objective).parameters
    except (TypeError, ValueError):
        return None
    if name in parameters:
        return parameters[name].kind is not inspect.Parameter.POSITIONAL_ONLY
    return name == "budget" and any(p.kind is p.VAR_KEYWORD for p in parameters.values())


@contextlib.contextmanager
def _checkpoints(path: Any, warm: bool) -> Iterator[Path | None]:
    """The checkpoint directory: beside `path` (kept), or a temporary one (removed)."""
    if not warm:
        yield None
    elif path is not None:
        folder = Path(path).resolve().with_suffix(".checkpoints")
        folder.mkdir(exist_ok=True)
        yield folder
    else:
        with tempfile.TemporaryDirectory(prefix="dlbasics-halving-") as tmp:
            yield Path(tmp)


def _ranked(records: list[Trial]) -> list[Trial]:
    """The successful records, best first (lowest loss, then lowest id)."""
    return sorted((t for t in records if t.status == "ok"), key=lambda t: (t.loss, t.id))


class _Halving:
    """The state of one search: what each rung holds, what runs, where checkpoints go."""

    def __init__(
        self,
        runner: TrialRunner,
        params: list[dict[str, Any]],
        schedule: list[tuple[int, int]],
        eta: int,
        log: TrialLog,
        folder: Path | None,
    ) -> None:
        self.runner, self.params, self.eta, self.log, self.folder = runner, params, eta, log, folder
        self.budgets = [b for b, _ in schedule]
        self.sizes = [n for _, n in schedule]
        self.new = Trials()  # the records this call ran
        self.budget_of: dict[int, int] = {}  # running trial id -> its budget

    def records(self, k: int) -> list[Trial]:
        return [t for t in self.log if t.budget == self.budgets[k]]

    def submit(self, i: int, k: int) -> None:
        kwargs: dict[str, Any] = {"budget": self.budgets[k]}
        if self.folder is not None:
            load = None if k == 0 else self._file(i, k - 1)
            if load is not None and not os.path.exists(load):
                raise RuntimeError(
                    f"trial {i} finished budget {self.budgets[k - 1]} but its checkpoint "
                    f"{load!r} is missing: a warm-starting objective must save to "
                    "checkpoint.save before it returns"
                )
            kwargs["checkpoint"] = Checkpoint(load, self._file(i, k))
        self.budget_of[i] = self.budgets[k]
        self.runner.submit(i, self.params[i], kwargs)

    def finish(self, trial: Trial) -> None:
        trial.budget = self.budget_of.pop(trial.id)
        self.new.append(trial)
        self.log.record(trial)

    def _file(self, i: int, k: int) -> str:
        assert self.folder is not None
        return str(self.folder / f"trial-{i}-budget-{self.budgets[k]}.npz")

    def run_synchronously(self) -> None:
        survivors = list(range(len(self.params)))
        for k, size in enumerate(self.sizes):
            if k > 0:
                below = [t for t in self.records(k - 1) if t.id in survivors]
                survivors = [t.id for t in _ranked(below)[:size]]
            for i in survivors:
                if (i, self.budgets[k]) not in self.log:
                    self.submit(i, k)
            with contextlib.closing(self.runner.finished()) as finished:
                for trial in finished:
                    self.finish(trial)

    def run_asynchronously(self) -> None:
        capacity = executors.worker_count(self.runner.pool)
        started = [{t.id for t in self.records(k)} for k in range(len(self.budgets))]

        def next_job() -> tuple[int, int] | None:
            fresh = [i for i in range(len(self.params)) if i not in started[0]]
            idle = self.runner.running == 0 and not fresh
            for k in reversed(range(len(self.budgets) - 1)):
                done = self.records(k)
                count = len(done) // self.eta
                if idle:  # nothing else will run: keep at least one, as the synchronous does
                    count = max(1, count)
                for t in _ranked(done)[:count]:
                    if t.id not in started[k + 1]:
                        return t.id, k + 1
            return (fresh[0], 0) if fresh else None

        def fill() -> None:
            while self.runner.running < capacity:
                job = next_job()
                if job is None:
                    return
                started[job[1]].add(job[0])
                self.submit(*job)

        fill()
        with contextlib.closing(self.runner.finished()) as finished:
            for trial in finished:
                self.finish(trial)
                fill()

    def stop(self) -> None:
        for trial in self.runner.stop():
            self.finish(trial)


def successive_halving(
    objective: Any,
    space: Mapping[str, Any],
    n_trials: int,
    *,
    min_budget: int,
    max_budget: int,
    eta: int = 3,
    seed: int = 0,
    executor: Any = None,
    path: str | os.PathLike | None = None,
    asynchronous: bool = False,
) -> Trials:
    r"""Random search that stops the worse trials early: successive halving, or ASHA.

    Parameters
    ----------
    objective : callable
        `objective(params, rng, report, budget=b) -> loss`, trained for `b` epochs, defined
        at module top level for a process pool. With a `checkpoint` parameter it resumes from
        its previous rung (see the module's notes and `Checkpoint`).
    space : dict
        Name -> distribution or constant; trial $t$ draws `sample(space, seed, t)`, the
        parameters of trial $t$ of `random_search` with the same seed.
    n_trials : int
        Configurations on the first rung, >= 1.
    min_budget, max_budget : int
        The first and last rungs' budgets (epochs); `max_budget` must be
        `min_budget * eta**k` (see `rungs`).
    eta : int, default=3
        Keep the best $1/\eta$ at each rung, and multiply the budget by $\eta$; >= 2.
    seed : int, default=0
        Seed of the search; trial $t$'s parameters and `rng` come from
        `SeedSequence(seed, spawn_key=(t,))`, at every rung.
    executor : "default", None or concurrent.futures.Executor, default=None
        Where trials run, as in `random_search`; None runs them in-process.
    path : str or path-like or None, default=None
        A `.json` or `.csv` results file: every rung's record is saved as it finishes, and
        a search called again with the same arguments runs only what is missing.
    asynchronous : bool, default=False
        ASHA: promote a trial as soon as it is in the top $1/\eta$ of the finished trials of
        its rung, keeping every worker busy (as many trials in flight as the executor has
        workers, `dlbasics.executors.worker_count`).

    Returns
    -------
    Trials
        One record per trial and budget it reached, ordered by id then budget (`t.budget`).
        `.best` is the best record at the highest budget. `.interrupted` after Ctrl-C.

    Raises
    ------
    TypeError
        If `objective` is not callable or takes no `budget` keyword, or an integer argument
        is not an integer.
    ValueError
        If `space` is empty, or the budgets do not form rungs (see `rungs`).

    Notes
    -----
    The synchronous version's result depends only on the losses, and each loss only on its
    trial's stream: it is the same in-process, on the package's pool and on Dask, and a
    search resumed after Ctrl-C ends exactly as an uninterrupted one.

    ASHA guarantees less. Each record is still reproducible (the same trial, budget and
    stream give the same loss anywhere), and when it ends every rung above the first holds
    the $\lfloor f_k/\eta \rfloor$ best of the $f_k$ trials that finished the rung below.
    But which trials get promoted depends on the order in which trials finish: a trial can
    be promoted from a partial view that a full view would not promote, so ASHA may spend
    more epochs than the synchronous version and pick another winner, and two runs on a
    pool or a cluster may differ. In-process it runs one trial at a time, in a fixed order,
    and is reproducible.

    Examples
    --------
    >>> from dlbasics.distributions import LogUniform
    >>> from dlbasics.objectives import digits_mlp
    >>> trials = successive_halving(digits_mlp, {"lr": LogUniform(1e-3, 1)}, 9,
    ...                             min_budget=1, max_budget=9, seed=0)
    >>> [(t.id, t.budget) for t in trials if t.budget > 1], trials.best.id
    ([(1, 3), (1, 9), (4, 3), (5, 3)], 1)
    """
    if not callable(objective):
        raise TypeError(f"objective must be callable, got {objective!r}")
    if _takes(objective, "budget") is False:
        raise TypeError(
            f"objective {getattr(objective, '__qualname__', objective)!r} takes no `budget` "
            "keyword: successive halving calls objective(params, rng, report, budget=b)"
        )
    check_space(space)
    schedule = rungs(n_trials, min_budget, max_budget, eta)
    seed = check_seed(seed)
    asynchronous = check_bool(asynchronous, "asynchronous")
    params = [sample(space, seed, i) for i in range(schedule[0][1])]
    log = TrialLog(path)  # refuses a bad path, or a damaged file, before any trial runs
    if path is not None:
        check_same_search(log, params, path)
        for i, p in enumerate(params):
            trialfile.check_saveable(p, f"trial {i}")
    with _checkpoints(path, bool(_takes(objective, "checkpoint"))) as folder:
        runner = TrialRunner(objective, seed, executor)
        state = _Halving(runner, params, schedule, eta, log, folder)
        try:
            if asynchronous:
                state.run_asynchronously()
            else:
                state.run_synchronously()
        except KeyboardInterrupt:
            state.stop()
            state.new.interrupted = True
            done = len(state.new)
            print(f"interrupted after {done} runs; call again to resume", file=sys.stderr)
    found = {t.key for t in state.new}
    results = Trials([*state.new, *(t for t in log if t.key not in found)])
    results.sort(key=lambda t: t.key)
    results.interrupted = state.new.interrupted
    return results
