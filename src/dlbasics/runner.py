r"""Running trials: one trial (`run_trial`), and many on an executor (`TrialRunner`).

`run_trial` is what a worker executes: it gives the objective its random stream, records the
learning curve and the time, and turns anything that goes wrong into a failed `Trial` (an
exception, `sys.exit`, a loss that is not a finite real number). `TrialRunner` submits
trials to an executor and yields each one once, as it finishes; more trials may be
submitted while collecting, so a scheduler can decide what to run next from what finished:

```python
runner = TrialRunner(objective, seed=0, executor="default")
for trial_id, params in first_batch:
    runner.submit(trial_id, params)
for trial in runner.finished():  # in the order they finish
    log.record(trial)  # dlbasics.results.TrialLog: saved at once, each id once
    ...  # runner.submit(...) more, if this trial says so
```
"""

from __future__ import annotations

import contextlib
import math
import time
import traceback
from collections import deque
from collections.abc import Callable, Generator
from concurrent.futures import (
    FIRST_COMPLETED,
    BrokenExecutor,
    CancelledError,
    Future,
    ThreadPoolExecutor,
    wait,
)
from typing import Any

import numpy as np

from dlbasics import executors
from dlbasics._validate import is_real
from dlbasics.results import Trial

__all__ = ["Objective", "TrialRunner", "run_trial"]

Objective = Callable[[dict[str, Any], np.random.Generator, Callable[[int, float], None]], float]


def _as_loss(value: Any) -> float:
    """The objective's return value as a float, if it is a finite real number."""
    if isinstance(value, np.ndarray) and value.shape == () and value.dtype.kind in "iuf":
        value = value.item()
    if not is_real(value):
        raise TypeError(
            f"objective returned {value!r} ({type(value).__name__}); it must return the loss, "
            "a real number"
        )
    if not math.isfinite(value):
        raise FloatingPointError(f"objective returned a non-finite loss: {value}")
    return float(value)


def run_trial(
    objective: Objective,
    trial_id: int,
    params: dict,
    seed: int,
    one_thread: bool = False,
    kwargs: dict[str, Any] | None = None,
) -> Trial:
    """Run one trial (in a worker or in-process); whatever goes wrong stays in the Trial.

    The objective's Generator comes from the second child of `SeedSequence(seed,
    spawn_key=(trial_id,))`. `one_thread` caps BLAS to one thread around the call, inside
    the worker: libraries the objective loads on first use are capped too. `kwargs` are
    passed to the objective as keyword arguments (`budget=`, `checkpoint=`). Ctrl-C
    (KeyboardInterrupt) is not caught: it ends the search.
    """
    curve: list[tuple[int, float]] = []

    def report(step: int, value: float) -> None:
        curve.append((int(step), float(value)))

    ss = np.random.SeedSequence(seed, spawn_key=(trial_id,)).spawn(2)[1]
    trial = Trial(trial_id, dict(params), curve=curve)
    start = time.perf_counter()
    try:
        with executors.one_blas_thread() if one_thread else contextlib.nullcontext():
            value = objective(dict(params), np.random.default_rng(ss), report, **(kwargs or {}))
        trial.loss = _as_loss(value)
    except (Exception, SystemExit) as exc:  # sys.exit in an objective fails its trial only
        trial.status = "failed"
        trial.error = "".join(traceback.format_exception(exc, limit=-3)).strip()
    trial.duration = time.perf_counter() - start
    return trial


class TrialRunner:
    r"""Submit trials to an executor; collect each exactly once, as it finishes.

    Parameters
    ----------
    objective : callable
        `objective(params, rng, report) -> loss`.
    seed : int
        The search's seed: trial $t$ draws from `SeedSequence(seed, spawn_key=(t,))`.
    executor : "default", None or concurrent.futures.Executor
        As in `dlbasics.search.random_search` (see `dlbasics.executors`); None runs each
        trial in-process when `finished` reaches it.

    Notes
    -----
    A trial whose task fails (not the objective: the worker or the executor) comes back as a
    Trial too: "failed" if its worker died (the error says how), "lost" if the executor broke
    or cancelled it (a user's `ProcessPoolExecutor` after one worker died).
    """

    def __init__(self, objective: Objective, seed: int, executor: Any = "default") -> None:
        self.objective, self.seed = objective, seed
        self.pool, self.owned = executors.resolve(executor)
        self._sendable_checked = False
        self._queue: deque[tuple[int, dict, dict | None]] = deque()  # in-process, not yet run
        self._futures: dict[Future, tuple[int, dict]] = {}

    def submit(
        self, trial_id: int, params: dict[str, Any], kwargs: dict[str, Any] | None = None
    ) -> None:
        """Queue trial `trial_id` with `params` (a TypeError if the pool cannot take it).

        `kwargs`: keyword arguments for the objective, e.g. `{"budget": 9}`.
        """
        if self.pool is None:
            self._queue.append((trial_id, params, kwargs))
            return
        if not self._sendable_checked:
            executors.check_sendable(self.objective, self.pool)
            self._sendable_checked = True
        cap = not isinstance(self.pool, ThreadPoolExecutor)  # threads share one BLAS
        args = (self.objective, trial_id, params, self.seed, cap, kwargs)
        fut = self.pool.submit(run_trial, *args)
        self._futures[fut] = (trial_id, params)

    @property
    def running(self) -> int:
        """How many submitted trials have not been collected yet."""
        return len(self._queue) + len(self._futures)

    def finished(self) -> Generator[Trial, None, None]:
        """Each submitted trial once, as it finishes, until none is left (submit meanwhile).

        In-process, BLAS is capped to one thread until the generator ends or is closed.
        """
        if self.pool is None:
            with executors.one_blas_thread():
                while self._queue:
                    trial_id, params, kwargs = self._queue.popleft()
                    yield run_trial(self.objective, trial_id, params, self.seed, False, kwargs)
            return
        while self._futures:
            done, _ = wait(self._futures, return_when=FIRST_COMPLETED)
            for fut in sorted(done, key=lambda f: self._futures[f][0]):
                yield self._collect(fut)

    def stop(self) -> list[Trial]:
        """After Ctrl-C: drop the trials not started; the finished ones not yet collected.

        Running trials are left to end (their results are dropped); the package's pool is
        shut down without waiting, and the next search starts a fresh one.
        """
        self._queue.clear()
        for fut in self._futures:
            fut.cancel()
        done = [f for f in self._futures if f.done() and not f.cancelled()]
        trials = []
        for fut in done:
            with contextlib.suppress(KeyboardInterrupt):  # the trial that raised it
                trials.append(self._collect(fut))
        self._futures.clear()
        if self.owned:
            executors.shutdown_default_pool(wait=False)
        return trials

    def _collect(self, fut: Future) -> Trial:
        trial_id, params = self._futures.pop(fut)
        try:
            trial: Trial = fut.result()
            return trial
        except KeyboardInterrupt:
            raise
        except BaseException as exc:
            # lost: the executor broke or cancelled it, not this trial's fault; failed: its
            # worker died, or its result could not come back
            status = "lost" if isinstance(exc, BrokenExecutor | CancelledError) else "failed"
            error = exc
        text = "".join(traceback.format_exception_only(error)).strip()
        return Trial(trial_id, dict(params), status=status, error=text)
