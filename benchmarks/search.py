"""16 trials of the digits MLP: in-process vs the default pool vs a Dask LocalCluster.

Run: .venv/bin/python benchmarks/search.py [--trials 16] [--epochs 100] [--repeats 5]

Each repeat runs the same 16-trial search in-process, then on the default pool, then on a Dask
LocalCluster, interleaved; the cluster is started for its runs and closed after them, because
an idle cluster's scheduler and event loops live in this process and slowed the other engines
by 10-25 % on 2 cores. The package's pool is started once and reused, as in real use.
Start-up (processes, imports, data: one small task per worker) is timed separately. The script
prints median wall times, speedups over in-process and whether all engines returned
bit-identical trials.
Targets (2 cores): pool >= 1.7x, Dask >= 1.5x.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import time

import numpy as np

from dlbasics import executors
from dlbasics.distributions import Choice, IntUniform, LogUniform, ReverseLogUniform
from dlbasics.objectives import digits_mlp
from dlbasics.search import random_search


def quiet(step, value):
    """A report callback that records nothing (the warm-up runs)."""


def key(trials):
    return [(t.id, t.params, t.loss, t.curve, t.status, t.error) for t in trials]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=16)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    space = {
        "lr": LogUniform(1e-3, 0.5),
        "beta": ReverseLogUniform(0.8, 0.99),
        "hidden": IntUniform(32, 96, log=True),
        "batch_size": Choice([32, 64]),
        "epochs": args.epochs,
    }
    n = args.trials
    warm = {"lr": 0.1, "epochs": 1}
    print(f"{n} trials of digits_mlp ({args.epochs} epochs each), os.cpu_count()={os.cpu_count()}")
    with contextlib.suppress(OSError):
        print(f"load average at start: {os.getloadavg()[0]:.2f}")

    from dask.distributed import Client, LocalCluster

    def search(executor):
        t0 = time.perf_counter()
        trials = random_search(digits_mlp, space, n, seed=0, executor=executor)
        return time.perf_counter() - t0, trials

    digits_mlp(warm, np.random.default_rng(0), quiet)  # imports and data, in this process
    times: dict[str, list[float]] = {"in": [], "pool": [], "dask": []}
    starts: dict[str, list[float]] = {"pool": [], "dask": []}
    results = {}
    for _ in range(args.repeats):  # interleaved, each engine alone while it runs
        t, results["in"] = search(None)
        times["in"].append(t)

        if not starts["pool"]:  # the package keeps its pool: started once, then reused
            t0 = time.perf_counter()
            pool = executors.default_pool()
            list(pool.map(digits_mlp, [warm] * 2, [np.random.default_rng(0)] * 2, [quiet] * 2))
            starts["pool"].append(time.perf_counter() - t0)
        t, results["pool"] = search("default")
        times["pool"].append(t)

        t0 = time.perf_counter()
        with (
            LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            Client(cluster) as client,
        ):
            client.run(digits_mlp, warm, np.random.default_rng(0), quiet)
            starts["dask"].append(time.perf_counter() - t0)
            t, results["dask"] = search(client.get_executor(pure=False))
            times["dask"].append(t)
    executors.shutdown_default_pool()

    t_in, t_pool, t_dask = (statistics.median(times[k]) for k in ("in", "pool", "dask"))
    t_pool_start, t_dask_start = (statistics.median(starts[k]) for k in ("pool", "dask"))
    inproc, pooled, dasked = results["in"], results["pool"], results["dask"]
    per_trial = sum(t.duration for t in inproc) / n
    print("runs (s):", {k: [round(v, 2) for v in vs] for k, vs in times.items()})
    with contextlib.suppress(OSError):
        print(f"load average at end: {os.getloadavg()[0]:.2f}")

    same_pool = key(pooled) == key(inproc)
    same_dask = key(dasked) == key(inproc)
    print(
        f"mean trial duration (in-process): {per_trial:.2f} s; failed trials: "
        f"{sum(t.status != 'ok' for t in inproc)}"
    )
    print(f"median of {args.repeats} interleaved runs")
    print(f"{'engine':<28}{'wall s':>8}{'speedup':>9}   start-up s")
    print(f"{'in-process':<28}{t_in:8.2f}{1.0:9.2f}")
    print(f"{'default pool (2 workers)':<28}{t_pool:8.2f}{t_in / t_pool:9.2f}   {t_pool_start:.2f}")
    print(f"{'Dask LocalCluster (2)':<28}{t_dask:8.2f}{t_in / t_dask:9.2f}   {t_dask_start:.2f}")
    print(f"pool identical to in-process: {same_pool}; Dask identical to in-process: {same_dask}")
    print(
        f"targets: pool >= 1.7x: {'met' if t_in / t_pool >= 1.7 else 'MISSED'}; "
        f"Dask >= 1.5x: {'met' if t_in / t_dask >= 1.5 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
