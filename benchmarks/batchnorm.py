"""Batch norm: speed and memory against PyTorch and a naive version, accuracy against exact values.

Run:  .venv/bin/python benchmarks/batchnorm.py            (about a minute)
      .venv/bin/python benchmarks/batchnorm.py --quick    (fewer rounds)

PyTorch is needed for its columns (`.venv/bin/pip install torch`, the CPU build); it is never
a dependency of dlbasics. Speed: forward + backward with a random upstream gradient, median
over rounds after a warm-up; every round runs each contender in turn (twice, the second run
timed), so that all see the same machine load, and keeps its last results until its next
call, as a training loop does. Single-threaded contenders share rounds; two-thread PyTorch
gets its own, with ours, so that its spinning threads slow no one else. See NOTES.md.
Memory: peak bytes allocated during the backward pass (tracemalloc), the returned dz included.
Accuracy: the cases of tests/test_batchnorm_accuracy.py, against 40-digit mpmath values.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

from dlbasics import batchnorm_backward, batchnorm_forward

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import test_batchnorm_accuracy as accuracy  # the cases and the exact values

try:
    import torch
except ImportError:  # the PyTorch columns are skipped, and the output says so
    torch = None

SPEED_CASES = [
    ((4096, 1024), np.float64),
    ((256, 1024), np.float64),
    ((4096, 1024), np.float32),
    ((256, 1024), np.float32),
    ((32, 64, 32, 32), np.float32),
]


# ---- the contenders ----------------------------------------------------------------------


def ours(z, gamma, beta, dout):
    out, cache = batchnorm_forward(z, gamma, beta)
    return out, cache, batchnorm_backward(dout, cache)


def naive_forward(x, gamma, beta, eps=1e-5):
    """The staged version of the cs231n assignment: one array per node of the graph."""
    mu = x.mean(axis=0)
    xmu = x - mu
    sq = xmu**2
    var = sq.mean(axis=0)
    sqrtvar = np.sqrt(var + eps)
    ivar = 1.0 / sqrtvar
    xhat = xmu * ivar
    out = gamma * xhat + beta
    return out, (xhat, gamma, xmu, ivar, sqrtvar, var, eps)


def naive_backward(dout, cache):
    xhat, gamma, xmu, ivar, sqrtvar, var, eps = cache
    n, d = dout.shape
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * xhat, axis=0)
    dxhat = dout * gamma
    divar = np.sum(dxhat * xmu, axis=0)
    dxmu1 = dxhat * ivar
    dsqrtvar = -1.0 / sqrtvar**2 * divar
    dvar = 0.5 / np.sqrt(var + eps) * dsqrtvar
    dsq = 1.0 / n * np.ones((n, d), dout.dtype) * dvar
    dxmu2 = 2 * xmu * dsq
    dx1 = dxmu1 + dxmu2
    dmu = -np.sum(dxmu1 + dxmu2, axis=0)
    dx2 = 1.0 / n * np.ones((n, d), dout.dtype) * dmu
    return dx1 + dx2, dgamma, dbeta


def naive(z, gamma, beta, dout):
    """cs231n's spatial version: move channels last, flatten, run the 2-D code, move back."""
    if z.ndim == 4:
        c = z.shape[1]
        z2, d2 = (a.transpose(0, 2, 3, 1).reshape(-1, c) for a in (z, dout))
        dz, dgamma, dbeta = naive_backward(d2, naive_forward(z2, gamma, beta)[1])
        return (
            dz.reshape(z.shape[0], z.shape[2], z.shape[3], c).transpose(0, 3, 1, 2),
            dgamma,
            dbeta,
        )
    return naive_backward(dout, naive_forward(z, gamma, beta)[1])


def pytorch(z, gamma, beta, dout, eps=1e-5):
    """`torch.nn.functional.batch_norm(training=True)` and autograd's backward, as arrays."""
    x = torch.from_numpy(z).requires_grad_(True)
    w, b = (torch.from_numpy(v).requires_grad_(True) for v in (gamma, beta))
    out = torch.nn.functional.batch_norm(x, None, None, w, b, training=True, eps=eps)
    out.backward(torch.from_numpy(dout))
    return out.detach().numpy(), x.grad.numpy(), w.grad.numpy(), b.grad.numpy()


# ---- measurement -------------------------------------------------------------------------


def compare(contenders, repeats, warmup=2):
    """Median wall and thread-CPU seconds of each `(threads, fn)`: keys `name`, `name cpu`.

    Each contender's last results stay alive until its next call returns, as a training loop
    keeps a layer's output and cache until the next step: freeing all of them at once would
    let the allocator return the memory to the system and fault it in again at every call.
    """
    last = {}
    for name, (threads, fn) in contenders.items():
        for _ in range(warmup):
            set_threads(threads)
            last[name] = fn()
    wall = {name: [] for name in contenders}
    cpu = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, (threads, fn) in contenders.items():
            set_threads(threads)
            last[name] = fn()  # untimed: restores this contender's warm caches
            t0, c0 = time.perf_counter(), time.thread_time()
            last[name] = fn()
            cpu[name].append(time.thread_time() - c0)
            wall[name].append(time.perf_counter() - t0)
    result = {name: float(np.median(t)) for name, t in wall.items()}
    result.update({f"{name} cpu": float(np.median(t)) for name, t in cpu.items()})
    return result


def set_threads(threads):
    if torch is not None:
        torch.set_num_threads(threads)


def backward_peak(z, gamma, beta, dout):
    """Peak bytes allocated by `batchnorm_backward`, as a multiple of the size of z."""
    _, cache = batchnorm_forward(z, gamma, beta)
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    dz = batchnorm_backward(dout, cache)
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    del dz
    return peak / z.nbytes


def speed(repeats):
    rows = []
    rng = np.random.default_rng(0)
    for shape, dtype in SPEED_CASES:
        z = rng.normal(1.0, 2.0, size=shape).astype(dtype)
        dout = rng.normal(size=shape).astype(dtype)
        gamma, beta = rng.normal(size=shape[1]).astype(dtype), np.zeros(shape[1], dtype)
        args = (z, gamma, beta, dout)
        single = {"ours": (1, lambda a=args: ours(*a)), "naive": (1, lambda a=args: naive(*a))}
        if torch is not None:
            single["torch1"] = (1, lambda a=args: pytorch(*a))
        row = {"case": f"{shape} {np.dtype(dtype).name}", "mem": backward_peak(*args)}
        row.update(compare(single, repeats))
        if torch is not None:
            pair = {"ours": (1, lambda a=args: ours(*a)), "torch2": (2, lambda a=args: pytorch(*a))}
            timed = compare(pair, repeats)
            row.update({"torch2": timed["torch2"], "ours2": timed["ours"]})
        rows.append(row)
    return rows


def print_speed(rows):
    ms = lambda row, key: f"{row[key] * 1e3:.2f}" if key in row else "-"  # noqa: E731
    print("| case | ours ms | naive ms | PyTorch 1 thr ms | PyTorch 2 thr ms | bwd peak / z |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        cells = [ms(r, k) for k in ("ours", "naive", "torch1", "torch2")]
        print(f"| {r['case']} | {' | '.join(cells)} | {r['mem']:.3f} |")
    print()
    big, small = rows[0], rows[1]  # the float64 cases the targets are about
    targets = [("(256, 1024) float64 naive / ours", small, "naive", "ours", ">=", 2.0)]
    targets.append(("(4096, 1024) float64 naive / ours", big, "naive", "ours", ">=", 2.0))
    if torch is not None:
        targets.append(
            ("(4096, 1024) float64 ours / PyTorch 1 thr", big, "ours", "torch1", "<=", 1.0)
        )
        targets.append(
            ("(256, 1024) float64 ours / PyTorch 1 thr", small, "ours", "torch1", "<=", 1.5)
        )
    for what, row, num, den, op, limit in targets:
        wall, cpu = row[num] / row[den], row[num + " cpu"] / row[den + " cpu"]
        met = wall >= limit if op == ">=" else wall <= limit
        print(
            f"{'MET   ' if met else 'MISSED'} {what} {op} {limit}: {wall:.2f}  (CPU time {cpu:.2f})"
        )
    worst = max(r["mem"] for r in rows)
    print(f"{'MET   ' if worst <= 1.1 else 'MISSED'} backward peak / z <= 1.1: {worst:.3f} at most")
    if torch is not None:
        for row in (big, small):
            print(f"report {row['case']} ours / PyTorch 2 thr: {row['ours2'] / row['torch2']:.2f}")


def print_accuracy():
    print("Errors against 40-digit values, worst of 256 features: out in u (machine epsilon),")
    print("dz in u times kappa, its cancellation factor (tests/test_batchnorm_accuracy.py).")
    print()
    print("| dtype | m | offset | out: ours | out: PyTorch | dz: ours | dz: PyTorch |")
    print("|---|---|---|---|---|---|---|")
    ratios, theirs = [], {}
    for dtype, m, offset in accuracy.CASES:
        args = accuracy.problem(dtype, m, offset)
        exact = accuracy.exact(*args)
        errs = accuracy.errors(*accuracy.ours(*args), exact)
        cells = [f"{errs[0]:.2f}", "-", f"{errs[1]:.2f}", "-"]
        if torch is not None:
            out, dz, _, _ = pytorch(*args)
            torch_errs = accuracy.errors(out, dz, exact)
            cells[1], cells[3] = (f"{e:.3g}" for e in torch_errs)
            ratios.append(max(a / b for a, b in zip(errs, torch_errs, strict=True)))
            theirs.setdefault(dtype, []).append(torch_errs)
        print(f"| {np.dtype(dtype).name} | {m} | {offset:g} | {' | '.join(cells)} |")
    print()
    if torch is None:
        return
    met = "MET   " if max(ratios) <= 2 else "MISSED"
    print(f"{met} never less accurate than PyTorch (within 2x): largest ours / PyTorch", end=" ")
    print(f"{max(ratios):.2f}")
    for dtype, errs in theirs.items():
        low = 2 * np.min(errs, axis=0)
        bounds = accuracy.BOUNDS[dtype]
        ok = "MET   " if bounds[0] <= low[0] and bounds[1] <= low[1] else "MISSED"
        print(
            f"{ok} {np.dtype(dtype).name} bounds of the test {bounds[0]:g} u, {bounds[1]:g} u kappa"
        )
        print(f"       <= twice PyTorch's smallest errors {low[0]:.2f} u, {low[1]:.2f} u kappa")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    args = parser.parse_args()
    print(f"date     {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"machine  {cpu_name()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    print(f"python   {platform.python_version()}; numpy {np.__version__}")
    print(f"torch    {torch.__version__ if torch else 'not installed: PyTorch columns skipped'}")
    if os.getloadavg()[0] > (os.cpu_count() or 1):
        print("WARNING  the machine is busy: wall times are inflated, two-thread ones the most")
    print()
    print_speed(speed(5 if args.quick else 21))
    print()
    print_accuracy()


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            return next(line.split(":", 1)[1].strip() for line in f if "model name" in line)
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


if __name__ == "__main__":
    main()
