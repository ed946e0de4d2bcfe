r"""Where trials run: in-process, the package's process pool, or any executor you own.

`random_search(..., executor=...)` accepts

- `"default"` (the default): the package's process pool (`dlbasics.workers.WorkerPool`),
  `os.cpu_count()` workers, created on first use and reused by later searches (shut it down
  with `shutdown_default_pool()`; it also closes at interpreter exit). A worker that dies (a
  segfault, `os._exit`, the out-of-memory killer) costs only the trial it was running: that
  trial is recorded as failed, saying how the worker died, a new worker takes its place and
  the search goes on. Each worker caps its BLAS and OpenMP thread pools to one thread with
  `threadpoolctl` *inside the worker*, around each trial (so libraries an objective loads
  late are capped too; any process-based executor gets the same cap, a `ThreadPoolExecutor`
  does not, its threads share one BLAS): two workers with two BLAS threads each on two cores
  run slower than one process. Without `threadpoolctl` installed the cap is skipped; set
  `OMP_NUM_THREADS=1` and `OPENBLAS_NUM_THREADS=1` before starting Python instead. Workers
  ignore Ctrl-C: the main process handles it, returns the trials finished so far and lets
  the running ones end. Workers start with `forkserver` on POSIX (the default from Python
  3.14), so the objective must be importable: a function at module top level, not a lambda
  or a nested function, and scripts need an `if __name__ == "__main__":` guard.
- `None`: run every trial in the calling process, one after another (BLAS capped to one
  thread meanwhile, as in the workers; your setting is restored afterwards).
- any `concurrent.futures.Executor` you created: we submit to it and never shut it down.
  Dask's `Client.get_executor()` is the supported path to a cluster (below); Dask too loses
  only the trial whose worker died. A `ProcessPoolExecutor` of yours breaks when one worker
  dies: its unfinished trials come back "lost" (not saved; a resumed search runs them).

```python
from dask.distributed import Client, LocalCluster

cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True)
client = Client(cluster)
executor = client.get_executor(pure=False)
trials = random_search(objective, space, 64, seed=0, executor=executor)
```

Dask pickles with cloudpickle, so lambdas work there; by default Dask treats calls as pure
and caches identical ones, `pure=False` reruns them.

Ray is not a dependency; a few lines adapt it to the same interface:

```python
import concurrent.futures

import ray


class RayExecutor(concurrent.futures.Executor):
    def submit(self, fn, /, *args, **kwargs):
        return ray.remote(fn).remote(*args, **kwargs).future()


trials = random_search(objective, space, 64, seed=0, executor=RayExecutor())
```

The results do not depend on the executor: each trial's random stream comes from its id.
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing
import os
import pickle
import sys
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

from dlbasics._validate import check_int
from dlbasics.workers import WorkerPool

__all__ = [
    "check_sendable",
    "default_pool",
    "one_blas_thread",
    "resolve",
    "shutdown_default_pool",
    "worker_count",
]

_POOL: WorkerPool | None = None
_POOL_WORKERS = 0


def _start_method() -> str:
    methods = multiprocessing.get_all_start_methods()
    return "forkserver" if "forkserver" in methods else multiprocessing.get_start_method()


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """Cap BLAS/OpenMP to one thread for the duration (in-process searches); restore after.

    Small models run faster on one BLAS thread, and every executor then computes with the
    same number of threads. A no-op without `threadpoolctl`.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(limits=1):
        yield


def default_pool(max_workers: int | None = None) -> WorkerPool:
    r"""The package's process pool, created on first use and reused.

    Parameters
    ----------
    max_workers : int or None, default=None
        Number of worker processes; None means `os.cpu_count()`. Asking for a different
        number replaces the pool, and so does a pool whose workers could not start.

    Returns
    -------
    dlbasics.workers.WorkerPool
        A `concurrent.futures.Executor` owned by the package: do not shut it down yourself,
        call `shutdown_default_pool()`.

    Raises
    ------
    TypeError
        If `max_workers` is neither None nor an integer (a bool is not an integer).
    ValueError
        If `max_workers < 1`.
    """
    global _POOL, _POOL_WORKERS
    n = (os.cpu_count() or 1) if max_workers is None else check_int(max_workers, "max_workers", 1)
    if _POOL is not None and (n != _POOL_WORKERS or _POOL.broken):
        shutdown_default_pool(wait=not _POOL.broken)
    if _POOL is None:
        ctx = multiprocessing.get_context(_start_method())
        if ctx.get_start_method() == "forkserver":
            ctx.set_forkserver_preload(["dlbasics.runner", "dlbasics.objectives"])
        _POOL = WorkerPool(n, mp_context=ctx)
        _POOL_WORKERS = n
    return _POOL


def shutdown_default_pool(wait: bool = True) -> None:
    """Shut down the package's pool (a later search starts a new one)."""
    global _POOL
    pool, _POOL = _POOL, None
    if pool is not None:
        pool.shutdown(wait=wait, cancel_futures=True)


atexit.register(shutdown_default_pool)


def resolve(executor: Any) -> tuple[Executor | None, bool]:
    """`(executor, owned)` for the `executor=` argument of a search.

    `owned` is True for the package's pool ("default"); None stays None (in-process).

    Raises
    ------
    TypeError
        If `executor` is none of "default", None or a `concurrent.futures.Executor`.
    """
    if executor is None:
        return None, False
    if isinstance(executor, str) and executor == "default":
        return default_pool(), True
    if isinstance(executor, Executor):
        return executor, False
    raise TypeError(
        "executor must be 'default', None (in-process) or a concurrent.futures.Executor "
        f"(e.g. dask's Client.get_executor()), got {executor!r}"
    )


def worker_count(executor: Executor | None) -> int:
    """How many trials `executor` runs at once: what an asynchronous search keeps in flight.

    1 in-process (None); the number of workers of the package's pool, of a
    `ProcessPoolExecutor` or a `ThreadPoolExecutor`; the total threads of a Dask client's
    workers (`Client.get_executor()`); `os.cpu_count()` for any other executor.
    """
    if executor is None:
        return 1
    if isinstance(executor, WorkerPool):
        return executor.max_workers
    if isinstance(executor, ProcessPoolExecutor | ThreadPoolExecutor):
        return int(vars(executor)["_max_workers"])  # where the stdlib keeps it, in every version
    client = getattr(executor, "_client", None)  # dask.distributed's ClientExecutor
    if client is not None and hasattr(client, "nthreads"):
        return max(1, int(sum(client.nthreads().values())))
    return os.cpu_count() or 1


def check_sendable(objective: Any, executor: Executor) -> None:
    """Raise a TypeError now if a process pool could not send `objective` to its workers."""
    if not isinstance(executor, ProcessPoolExecutor | WorkerPool):
        return  # dask and loky use cloudpickle; threads need no pickling
    name = getattr(objective, "__qualname__", repr(objective))
    advice = (
        "Define it at module top level in an importable module (not a lambda or a nested "
        "function), or pass executor=None to run in-process."
    )
    try:
        pickle.dumps(objective)
    except Exception as exc:
        msg = f"objective {name} cannot be sent to a worker process ({exc}). {advice}"
        raise TypeError(msg) from None
    module = sys.modules.get(getattr(objective, "__module__", "") or "")
    if isinstance(executor, WorkerPool):
        method = executor.start_method
    else:
        ctx = getattr(executor, "_mp_context", None)
        method = ctx.get_start_method() if ctx is not None else "fork"
    interactive = module is not None and module.__name__ == "__main__"
    if interactive and method != "fork" and not getattr(module, "__file__", None):
        msg = f"objective {name} lives in an interactive __main__ that workers cannot import."
        raise TypeError(f"{msg} {advice}")
