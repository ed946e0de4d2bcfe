r"""Random search, grid search and the coarse-to-fine `zoom`.

An objective is a top-level, importable function `objective(params, rng, report)`: it trains
with the hyperparameters in the dict `params`, draws every random number from the Generator
`rng`, may call `report(step, value)` to record a learning curve, and returns a loss (lower is
better). A space maps names to distributions from `dlbasics.distributions` (or to constants).

Reproducibility: trial $t$ of a search with seed $s$ owns the stream
`SeedSequence(s, spawn_key=(t,))` (see `dlbasics.space`); its first child draws the
parameters, its second seeds the objective's `rng`. No counter is shared between trials, so
the results do not depend on the executor, the number of workers or the order trials finish
in, and running trials 8-15 alone gives exactly what they gave inside a search of 16.

Searches that stop bad trials early, `successive_halving` (and its asynchronous form, ASHA),
live in `dlbasics.halving` and are importable from here too.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from dlbasics import trialfile
from dlbasics._validate import check_int, check_nonnegative, is_int
from dlbasics.distributions import Distribution
from dlbasics.halving import Checkpoint, budget_spent, rungs, successive_halving
from dlbasics.results import Trial, TrialLog, Trials, check_same_search
from dlbasics.runner import Objective, TrialRunner
from dlbasics.space import check_seed, check_space, sample

__all__ = [
    "Checkpoint",
    "Trial",
    "Trials",
    "budget_spent",
    "grid",
    "random_search",
    "run_trials",
    "rungs",
    "sample",
    "successive_halving",
    "zoom",
]


def grid(space: Mapping[str, Any], points_per_axis: int | Mapping[str, int]) -> list[dict]:
    r"""Every combination of evenly spaced points, each axis spaced on its own scale.

    Each axis contributes `dist.grid(n)`: log axes get log-spaced points, reverse-log axes
    points evenly spaced in $\log_{10}(1-\beta)$, integer axes distinct integers; a `Choice`
    contributes all its options and a constant itself.

    Examples
    --------
    >>> from dlbasics.distributions import LogUniform, ReverseLogUniform
    >>> pts = grid({"lr": LogUniform(1e-4, 1), "beta": ReverseLogUniform(0.9, 0.999)}, 3)
    >>> sorted({p["lr"] for p in pts}), sorted({round(p["beta"], 6) for p in pts})
    ([0.0001, 0.01, 1.0], [0.9, 0.99, 0.999])
    """
    axes = []
    if isinstance(points_per_axis, Mapping):
        unknown = [k for k in points_per_axis if k not in check_space(space)]
        if unknown:
            raise ValueError(
                f"points_per_axis names {unknown}, which the space does not have; its names "
                f"are {list(space)}"
            )
    for name, dist in check_space(space).items():
        n = points_per_axis
        if isinstance(points_per_axis, Mapping):
            n = points_per_axis.get(name, 1)
        n = check_int(n, f"points_per_axis for {name!r}", 1)
        axes.append(dist.grid(n) if isinstance(dist, Distribution) else [dist])
    return [dict(zip(space, combo, strict=True)) for combo in itertools.product(*axes)]


def _progress_bar(progress: bool | None, total: int, initial: int) -> Any:
    use = progress if progress is not None else sys.stderr.isatty()
    if use:
        try:
            from tqdm.auto import tqdm

            return tqdm(total=total, initial=initial, unit="trial", file=sys.stderr)
        except ImportError:
            pass
    return None


def run_trials(
    objective: Objective,
    candidates: Sequence[Mapping[str, Any]],
    *,
    seed: int = 0,
    executor: Any = "default",
    trial_ids: Iterable[int] | None = None,
    progress: bool | None = None,
    path: str | os.PathLike | None = None,
) -> Trials:
    r"""Evaluate `objective` at each point of `candidates` (trial id = position).

    Parameters are those of `random_search`; `candidates` is a list of parameter dicts,
    e.g. from `grid`.
    """
    if not callable(objective):
        raise TypeError(f"objective must be callable, got {objective!r}")
    seed = check_seed(seed)
    cands: list[dict[str, Any]] = [dict(c) for c in candidates]
    if not cands:
        raise ValueError("candidates must not be empty")
    ids = _check_trial_ids(trial_ids, len(cands))
    log = TrialLog(path)  # refuses a bad path, or a damaged file, before any trial runs
    todo = [i for i in ids if i not in log]
    if path is not None:
        check_same_search(log, cands, path)
        for i in todo:
            trialfile.check_saveable(cands[i], f"trial {i}")
    runner = TrialRunner(objective, seed, executor)
    results = Trials()
    bar = _progress_bar(progress, len(ids), len(ids) - len(todo))

    def finish(trial: Trial) -> None:
        results.append(trial)
        log.record(trial)
        if bar is not None:
            bar.update(1)

    try:
        for i in todo:
            runner.submit(i, cands[i])
        with contextlib.closing(runner.finished()) as finished:
            for trial in finished:
                finish(trial)
    except KeyboardInterrupt:
        for trial in runner.stop():
            finish(trial)
        results.interrupted = True
        print(f"interrupted: {len(results)} of {len(todo)} trials finished", file=sys.stderr)
    finally:
        if bar is not None:
            bar.close()
    found = {t.id for t in results}
    results.extend(log[i] for i in ids if i in log and i not in found)
    results.sort(key=lambda t: t.id)
    return results


def _check_trial_ids(trial_ids: Any, n: int) -> list[int]:
    """The sorted distinct ids to run, each an integer in [0, n)."""
    if trial_ids is None:
        return list(range(n))
    what = f"trial_ids must be non-empty integer ids in [0, {n})"
    if isinstance(trial_ids, str | bytes) or not isinstance(trial_ids, Iterable):
        raise TypeError(f"{what}, got {trial_ids!r}")
    ids = list(trial_ids)
    for i in ids:
        if not is_int(i):
            raise TypeError(f"{what}, got {i!r} among them")
    if not ids or min(ids) < 0 or max(ids) >= n:
        raise ValueError(f"{what}, got {sorted(set(ids))}")
    return sorted({int(i) for i in ids})


def random_search(
    objective: Objective,
    space: Mapping[str, Any],
    n_trials: int,
    *,
    seed: int = 0,
    executor: Any = "default",
    trial_ids: Iterable[int] | None = None,
    progress: bool | None = None,
    path: str | os.PathLike | None = None,
) -> Trials:
    r"""Evaluate `objective` at `n_trials` points drawn from `space`.

    Parameters
    ----------
    objective : callable
        `objective(params, rng, report) -> loss`, defined at module top level (workers import it).
    space : dict
        Name -> distribution (`dlbasics.distributions`) or constant.
    n_trials : int
        Number of trials, >= 1 (ids 0 .. n_trials-1).
    seed : int, default=0
        Seed of the search, an integer >= 0; trial $t$ uses `SeedSequence(seed,
        spawn_key=(t,))` and hands the objective its own Generator.
    executor : "default", None or concurrent.futures.Executor, default="default"
        Where trials run: see `dlbasics.executors`. A user's executor is never shut down.
    trial_ids : iterable of int or None, default=None
        Run only these ids (e.g. `range(8, 16)`); None runs them all.
    progress : bool or None, default=None
        Show a tqdm bar (needs tqdm; without it nothing is shown); None shows it when
        stderr is a terminal.
    path : str or path-like or None, default=None
        A `.json` or `.csv` file: trials already saved there are not run again, and each
        finished trial is saved as soon as it arrives.

    Returns
    -------
    Trials
        A list of `Trial`, ordered by id; `.best`, `.ok`, and `.interrupted` (Ctrl-C: the
        trials finished so far are returned; with `path`, call again to resume).

    Raises
    ------
    TypeError
        If `objective` is not callable or cannot be sent to the pool's workers, or `seed` or
        `n_trials` is not an integer.
    ValueError
        If `space` is empty, `n_trials < 1` or `seed < 0`.

    Examples
    --------
    >>> from dlbasics.distributions import LogUniform
    >>> from dlbasics.objectives import synthetic
    >>> space = {"lr": LogUniform(1e-4, 1)}
    >>> trials = random_search(synthetic, space, 8, seed=0, executor=None)
    >>> [t.id for t in trials], trials.best.id
    ([0, 1, 2, 3, 4, 5, 6, 7], 0)
    """
    check_space(space)
    n_trials = check_int(n_trials, "n_trials", 1)
    seed = check_seed(seed)
    if not callable(objective):
        raise TypeError(f"objective must be callable, got {objective!r}")
    candidates = [sample(space, seed, i) for i in range(n_trials)]
    return run_trials(
        objective,
        candidates,
        seed=seed,
        executor=executor,
        trial_ids=trial_ids,
        progress=progress,
        path=path,
    )


def zoom(
    space: Mapping[str, Any], trials: Iterable[Trial], top: int = 5, margin: float = 0.1
) -> dict:
    r"""Coarse to fine: a narrower space spanning the `top` best trials, on each axis's scale.

    Each axis becomes `dist.narrow(values, margin)` with the best trials' values. For an axis
    with coordinates $t$ (`dist.to_scale`), the new bounds are
    $[\min t - \delta W, \max t + \delta W]$ over the best trials, clipped to the old bounds,
    where $W$ is the old width and $\delta$ = `margin`. Log axes thus zoom in log space,
    reverse-log axes in $\log_{10}(1-\beta)$, integer axes stay integer; a `Choice` keeps the
    options the best trials chose; constants stay.

    Raises
    ------
    ValueError
        If `top < 1` or no trial finished successfully.

    Examples
    --------
    >>> from dlbasics.distributions import LogUniform
    >>> space = {"lr": LogUniform(1e-4, 1)}
    >>> t = [Trial(0, {"lr": 1e-3}, loss=0.2), Trial(1, {"lr": 1e-2}, loss=0.1),
    ...      Trial(2, {"lr": 0.5}, loss=0.9)]
    >>> zoom(space, t, top=2)
    {'lr': LogUniform(0.00039..., 0.025...)}
    """
    check_space(space)
    top = check_int(top, "top", 1)
    margin = check_nonnegative(margin, "margin")
    best = sorted((t for t in trials if t.status == "ok"), key=lambda t: (t.loss, t.id))[:top]
    if not best:
        raise ValueError("zoom needs at least one successful trial")
    return {
        name: dist.narrow([t.params[name] for t in best], margin)
        if isinstance(dist, Distribution)
        else dist
        for name, dist in space.items()
    }
