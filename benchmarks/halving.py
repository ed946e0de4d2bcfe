"""Successive halving against random search on the digits MLP; ASHA's worker utilisation.

Run: .venv/bin/python benchmarks/halving.py [--seeds 5] [--trials 27] [--asha-trials 81]
     [--repeats 3]

1. Compute and quality, for each seed: a full random search (every configuration trained to
   `max_budget` = 27 epochs), successive halving with eta = 3 (budgets 1, 3, 9, 27) retraining
   from zero (`digits_mlp`, whose records are the random search's own trials at that budget)
   and resuming from checkpoints (`digits_panda`, against a random search of the same Panda
   runs), and random search at equal compute (as many full-length trials as successive
   halving's epochs pay for). Every search runs in-process. Epochs are counted from the
   records: a retraining record of budget b costs b epochs, a resumed one b minus its
   previous rung's budget.
2. Utilisation on the package's pool (2 workers): successive halving, synchronous and ASHA,
   on `--asha-trials` configurations. Each trial records which worker ran it and when (the
   objective below wraps `digits_mlp`); a worker's utilisation is the time it spent in
   trials divided by the search's wall time, from the first submission to the last result.
   The two versions run `--repeats` times, interleaved; the medians are printed.
3. Population-based training (8 runs, 8 rounds of 2 epochs) against the same 8 runs trained
   alone for 16 epochs, at equal compute: the best and the median run, for each seed.

Targets: successive halving reaches a validation loss within 5 % of the full random search's
best with at most 1/3 of its epochs (median over the seeds); ASHA keeps both workers at least
80 % busy.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import time
from pathlib import Path

import numpy as np

from dlbasics import executors, load_digits_split
from dlbasics.distributions import IntUniform, LogUniform, ReverseLogUniform
from dlbasics.halving import budget_spent, successive_halving
from dlbasics.objectives import digits_mlp, digits_panda
from dlbasics.pbt import population_based_training

SPACE = {
    "lr": LogUniform(1e-3, 1),
    "beta": ReverseLogUniform(0.8, 0.99),
    "hidden": IntUniform(16, 64, log=True),
}
TIMES = "DLBASICS_BENCH_TIMES"  # where `timed` appends "pid start end" lines


def timed(params, rng, report, *, budget):
    """`digits_mlp`, noting which process ran it and when (for the utilisation)."""
    start = time.time()
    loss = digits_mlp(params, rng, report, budget=budget)
    with open(os.environ[TIMES], "a") as f:
        f.write(f"{os.getpid()} {start} {time.time()}\n")
    return loss


def compare(objective, warm, seed, n):
    full = successive_halving(objective, SPACE, n, min_budget=27, max_budget=27, seed=seed)
    sh = successive_halving(objective, SPACE, n, min_budget=1, max_budget=27, eta=3, seed=seed)
    spent = budget_spent(sh, resumed=warm)
    k = max(1, spent // 27)  # full-length trials that the same epochs pay for
    same = min(t.loss for t in full if t.id < k and t.status == "ok")
    return {
        "full": (full.best.loss, budget_spent(full, resumed=warm)),
        "sh": (sh.best.loss, spent),
        "equal": (same, 27 * k),
    }


def utilisation(asynchronous, n):
    path = Path(os.environ[TIMES])
    path.write_text("")
    t0 = time.time()
    trials = successive_halving(timed, SPACE, n, min_budget=1, max_budget=27, eta=3, seed=0,
                                executor="default", asynchronous=asynchronous)  # fmt: skip
    wall = time.time() - t0
    busy: dict[str, float] = {}
    for line in path.read_text().split("\n"):
        if line:
            pid, start, end = line.split()
            busy[pid] = busy.get(pid, 0.0) + float(end) - float(start)
    shares = sorted([0.0, 0.0, *(b / wall for b in busy.values())])[-2:]  # an idle worker: 0
    return wall, shares, budget_spent(trials, resumed=False), trials


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--trials", type=int, default=27)
    parser.add_argument("--asha-trials", type=int, default=81)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"digits MLP, os.cpu_count()={os.cpu_count()}")
    with contextlib.suppress(OSError):
        print(f"load average at start: {os.getloadavg()[0]:.2f}")

    rows = {}
    for name, objective, warm in [("retrain", digits_mlp, False), ("resume", digits_panda, True)]:
        runs = [compare(objective, warm, seed, args.trials) for seed in range(args.seeds)]
        rows[name] = runs
        print(f"\n{name} ({objective.__name__}), {args.trials} configurations, budgets 1-27")
        print(f"{'seed':>4} {'random best':>12} {'epochs':>7} {'SH best':>9} {'epochs':>7} "
              f"{'ratio':>7} {'equal-compute random':>21}")  # fmt: skip
        for seed, r in enumerate(runs):
            (full, full_ep), (sh, sh_ep), (same, same_ep) = r["full"], r["sh"], r["equal"]
            print(f"{seed:4d} {full:12.4f} {full_ep:7d} {sh:9.4f} {sh_ep:7d} {sh / full:7.3f} "
                  f"{same:12.4f} ({same_ep} ep.)")  # fmt: skip
        ratio = statistics.median(r["sh"][0] / r["full"][0] for r in runs)
        share = statistics.median(r["sh"][1] / r["full"][1] for r in runs)
        equal = statistics.median(r["equal"][0] / r["full"][0] for r in runs)
        print(
            f"median: SH best / random best = {ratio:.3f}, SH epochs / random epochs = "
            f"{share:.3f}; equal-compute random best / random best = {equal:.3f}"
        )
        if name == "retrain":
            met = ratio <= 1.05 and share <= 1 / 3
            print(f"target (within 5 % with <= 1/3 of the epochs): {'met' if met else 'MISSED'}")

    with contextlib.suppress(OSError):
        print(f"\nload average before the pool runs: {os.getloadavg()[0]:.2f}")
    os.environ[TIMES] = str(Path(os.environ.get("TMPDIR", "/tmp")) / f"halving-{os.getpid()}.txt")
    executors.default_pool(2)
    digits_mlp({"lr": 0.1, "epochs": 1}, np.random.default_rng(0), lambda s, v: None)
    utilisation(True, 9)  # warm-up: workers started, imports and data loaded
    print(f"\nthe package's pool, 2 workers, {args.asha_trials} configurations, budgets 1-27, "
          f"median of {args.repeats} runs")  # fmt: skip
    runs: dict[str, list] = {"synchronous": [], "ASHA": []}
    for _ in range(args.repeats):
        for label in runs:
            runs[label].append(utilisation(label == "ASHA", args.asha_trials))
    print(f"{'':<14}{'wall s':>8}{'epochs':>8}{'worker busy':>16}{'best':>8}")
    for label, results in runs.items():
        wall = statistics.median(r[0] for r in results)
        shares = [statistics.median(r[1][k] for r in results) for k in range(2)]
        spent = statistics.median(r[2] for r in results)
        best = statistics.median(r[3].best.loss for r in results)
        busy = " ".join(f"{s:.0%}" for s in shares)
        print(f"{label:<14}{wall:8.2f}{spent:8.0f}{busy:>16}{best:8.4f}")
        if label == "ASHA":
            met = min(shares) >= 0.8
            print(f"target (both workers >= 80 % busy): {'met' if met else 'MISSED'}")
    executors.shutdown_default_pool()
    Path(os.environ[TIMES]).unlink()

    data = load_digits_split()
    space = {**SPACE, "batch_size": 128}
    del space["hidden"]  # what a Panda run takes: lr, beta, batch_size
    print("\npopulation-based training: 8 runs, 8 rounds of 2 epochs, against the 8 runs alone")
    print(f"{'seed':>4} {'PBT best':>9} {'median':>7} {'alone best':>11} {'median':>7}")
    for seed in range(args.seeds):
        pbt = population_based_training(*data, space, population=8, rounds=8, epochs=2,
                                        seed=seed)  # fmt: skip
        alone = population_based_training(*data, space, population=8, rounds=1, epochs=16,
                                          seed=seed)  # fmt: skip
        final = [[t.loss for t in p.trials if t.budget == 16] for p in (pbt, alone)]
        cells = [f(x) for x in final for f in (min, statistics.median)]
        print(f"{seed:4d} {cells[0]:9.4f} {cells[1]:7.4f} {cells[2]:11.4f} {cells[3]:7.4f}")


if __name__ == "__main__":
    main()
