"""Batch-norm speed and memory: ours vs a naive staged version vs the bandwidth floor vs PyTorch.

Run:  .venv/bin/python benchmarks/batchnorm.py            (about a minute)
      .venv/bin/python benchmarks/batchnorm.py --quick    (fewer rounds)

Each contender is timed over forward + backward. Figures are medians over rounds after a
warm-up; every round runs each contender once, in turn, so that all of them see the same
machine load, and every ratio is measured in the same run. The memory-bandwidth floor of one
forward + backward is 5 x bytes(z) / bandwidth (read z, write out; read dout and z, write
dz), with the bandwidth of large NumPy copies and adds timed in the same
rounds as each case's contenders. Backward peak memory comes from tracemalloc (NumPy reports
its allocations to it). PyTorch columns appear when torch is installed (the CPU build); it is
never a dependency of dlbasics."""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import tracemalloc

import numpy as np

from dlbasics import Adam, batchnorm_backward, batchnorm_forward, softmax_cross_entropy
from dlbasics.network import MLP

try:
    import torch
except ImportError:  # the torch columns are skipped, and the output says so
    torch = None

CASES = [
    ((4096, 1024), np.float64),
    ((4096, 1024), np.float32),
    ((256, 1024), np.float64),
    ((256, 1024), np.float32),
    ((32, 64, 32, 32), np.float32),
]
MIB = 2**20
GLIBC_KEEP_MEMORY = ("MALLOC_MMAP_THRESHOLD_", str(2**30))  # glibc tunables, read at startup
GLIBC_NO_TRIM = ("MALLOC_TRIM_THRESHOLD_", str(2**30))


# ---- the naive staged implementation (as in the cs231n assignment) -----------------------


def naive_forward(x, gamma, beta, eps=1e-5):
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


def naive_step(z, gamma, beta, dout):
    """cs231n's spatial version: move channels last, flatten, run the 2-D code, move back."""
    if z.ndim == 4:
        c = z.shape[1]
        z2 = z.transpose(0, 2, 3, 1).reshape(-1, c)
        d2 = dout.transpose(0, 2, 3, 1).reshape(-1, c)
        _, cache = naive_forward(z2, gamma, beta)
        dz, dg, db = naive_backward(d2, cache)
        return dz.reshape(z.shape[0], z.shape[2], z.shape[3], c).transpose(0, 3, 1, 2), dg, db
    _, cache = naive_forward(z, gamma, beta)
    return naive_backward(dout, cache)


def ours_step(z, gamma, beta, dout):
    _, cache = batchnorm_forward(z, gamma, beta)
    return batchnorm_backward(dout, cache)


# ---- measurement helpers -----------------------------------------------------------------


def _noop():
    pass


def compare(contenders, repeats, warmup=2):
    """Median wall and CPU seconds of each `(prepare, fn)`, keys `name` and `"name cpu"`.

    Every round runs each contender twice, in turn, timing the second run, so that all see
    the same machine load and none inherits the caches and freed memory of another.
    CPU time is that of the calling thread (page faults included): the load-robust figure
    for single-threaded contenders, meaningless for multi-threaded ones. `prepare` (e.g.
    setting a thread count) is untimed.
    """
    for prepare, fn in contenders.values():
        for _ in range(warmup):
            prepare()
            fn()
    wall = {name: [] for name in contenders}
    cpu = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, (prepare, fn) in contenders.items():
            prepare()
            fn()  # untimed: restores this contender's warm caches and allocator state
            t0, c0 = time.perf_counter(), time.thread_time()
            fn()
            cpu[name].append(time.thread_time() - c0)
            wall[name].append(time.perf_counter() - t0)
    result = {name: float(np.median(t)) for name, t in wall.items()}
    result.update({f"{name} cpu": float(np.median(t)) for name, t in cpu.items()})
    return result


class Bandwidth:
    """Large NumPy copies and adds (128 MiB arrays, far beyond the caches)."""

    def __init__(self):
        n = 128 * MIB // 8
        self.a, self.b, self.c = np.ones(n), np.full(n, 2.0), np.empty(n)

    def contenders(self):
        return {
            "copy": (_noop, lambda: np.copyto(self.c, self.a)),
            "add": (_noop, lambda: np.add(self.a, self.b, out=self.c)),
        }

    def from_times(self, t, suffix=""):
        """Bytes per second: the better of copy (2 arrays moved) and add (3 arrays)."""
        return max(2 * self.a.nbytes / t["copy" + suffix], 3 * self.a.nbytes / t["add" + suffix])


def backward_peak(fn, dout, cache):
    """Peak bytes allocated during `fn(dout, cache)` (NumPy reports to tracemalloc)."""
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    result = fn(dout, cache)
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    del result
    return peak


def allocation_tax(shape, dtype, repeats):
    """CPU time of writing into a fresh array (page faults) minus writing into an existing one.

    Thread CPU time (which counts the kernel's page-fault work) rather than wall time, so the
    figure does not depend on the machine's load.
    """
    z = np.ones(shape, dtype)
    buf = np.empty_like(z)

    def cpu_median(fn):
        fn()
        times = []
        for _ in range(repeats):
            t0 = time.thread_time()
            fn()
            times.append(time.thread_time() - t0)
        return float(np.median(times))

    fresh = cpu_median(lambda: np.multiply(z, 2, out=np.empty(shape, dtype)))
    reused = cpu_median(lambda: np.multiply(z, 2, out=buf))
    return max(fresh - reused, 0.0)


def torch_contender(z, dout, threads):
    """`(prepare, step)`: PyTorch's batch_norm forward (training=True) and autograd backward."""
    x = torch.from_numpy(z).requires_grad_(True)
    n = z.shape[1]
    w = torch.ones(n, dtype=x.dtype, requires_grad=True)
    b = torch.zeros(n, dtype=x.dtype, requires_grad=True)
    rm, rv, g = torch.zeros(n, dtype=x.dtype), torch.ones(n, dtype=x.dtype), torch.from_numpy(dout)

    def step():
        out = torch.nn.functional.batch_norm(x, rm, rv, w, b, training=True, momentum=0.1, eps=1e-5)
        out.backward(g)
        x.grad = w.grad = b.grad = None

    return (lambda: torch.set_num_threads(threads)), step


def blas_threads():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown", 1
    info = [
        f"{p['internal_api']} {p.get('version')} ({p['num_threads']} threads"
        + (f", {p['architecture']} kernel)" if p.get("architecture") else ")")
        for p in threadpool_info()
    ]
    if os.environ.get("OPENBLAS_CORETYPE"):
        info.append(f"OPENBLAS_CORETYPE={os.environ['OPENBLAS_CORETYPE']}")
    n = max((p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"), default=1)
    return "; ".join(info), n


# ---- the runs ----------------------------------------------------------------------------


def bench_batchnorm(repeats, n_threads):
    """Rows of figures, speed verdicts `(what, row, num, den, op, limit)`, memory verdicts."""
    rows, verdicts, memory = [], [], []
    rng = np.random.default_rng(0)
    bandwidth = Bandwidth()  # timed in the rounds of every case: the floor sees the same load
    for shape, dtype in CASES:
        z = rng.normal(1.0, 2.0, size=shape).astype(dtype)
        dout = rng.normal(size=shape).astype(dtype)
        n = shape[1]
        gamma, beta = np.ones(n, dtype), np.zeros(n, dtype)
        ours = (_noop, lambda z=z, d=dout, g=gamma, b=beta: ours_step(z, g, b, d))
        naive = (_noop, lambda z=z, d=dout, g=gamma, b=beta: naive_step(z, g, b, d))
        row = {"shape": shape, "dtype": np.dtype(dtype).name, "MiB": z.nbytes / MIB}
        # single-threaded contenders together; multi-threaded PyTorch in its own rounds, so
        # that its spinning worker threads do not slow the others down
        single = {"ours": ours, "naive": naive, **bandwidth.contenders()}
        if torch is not None:
            single["torch1"] = torch_contender(z, dout, 1)
        row.update(compare(single, repeats))
        if torch is not None:
            multi = compare({"ours": ours, "torch": torch_contender(z, dout, n_threads)}, repeats)
            row.update({"ours2": multi["ours"], "ours2 cpu": multi["ours cpu"]})
            row.update({"torch": multi["torch"], "torch cpu": multi["torch cpu"]})
        bw, bw_cpu = bandwidth.from_times(row), bandwidth.from_times(row, " cpu")
        row["bandwidth"] = bw
        row["floor"] = 5 * z.nbytes / bw
        row["floor cpu"] = 5 * z.nbytes / bw_cpu
        _, cache = batchnorm_forward(z, gamma, beta)
        row["mem"] = backward_peak(batchnorm_backward, dout, cache) / z.nbytes
        z2, d2 = (z, dout) if z.ndim == 2 else (channels_last(z), channels_last(dout))
        row["mem_naive"] = (
            backward_peak(naive_backward, d2, naive_forward(z2, gamma, beta)[1]) / z.nbytes
        )
        row["tax"] = 2 * allocation_tax(shape, dtype, repeats)  # out and dz are new arrays
        rows.append(row)

        name = f"{shape} {row['dtype']}"
        verdicts.append((f"{name}: naive / ours >= 2", row, "naive", "ours", ">=", 2.0))
        if z.nbytes >= 16 * MIB:
            verdicts.append(
                (f"{name}: ours / bandwidth floor <= 5", row, "ours", "floor", "<=", 5.0)
            )
        if torch is not None and shape == (256, 1024):
            for ours_key, key, threads in (("ours", "torch1", 1), ("ours2", "torch", n_threads)):
                what = f"{name}: ours / PyTorch ({threads} thr) <= 1"
                verdicts.append((what, row, ours_key, key, "<=", 1.0))
        ok = row["mem"] <= 1.1
        memory.append((f"{name}: backward peak <= 1.1x z, dz included", ok, f"{row['mem']:.3f}x"))
    return rows, verdicts, memory


def channels_last(a):
    return a.transpose(0, 2, 3, 1).reshape(-1, a.shape[1])


def bench_mlp(repeats, n_threads, m=128):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(m, 784))
    y = rng.integers(0, 10, size=m)
    model = MLP([784, 256, 128, 10], batchnorm=True, seed=0)
    opt = Adam(lr=1e-3)

    def ours():
        logits = model.forward(x)
        _, dlogits = softmax_cross_entropy(logits, y)
        model.backward(dlogits, input_grad=False)  # as `train` does; PyTorch skips it too
        opt.step(model.params(), model.grads())

    groups = {1: {}, n_threads: {}}  # timed in separate rounds, by thread count
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        groups[n_threads][f"dlbasics float64, BLAS {n_threads} thr"] = (_noop, ours)
    else:
        ctl = ThreadpoolController()
        for threads in (n_threads, 1):
            prepare = lambda t=threads: ctl.limit(limits=t, user_api="blas")  # noqa: E731
            groups[threads][f"dlbasics float64, BLAS {threads} thr"] = (prepare, ours)
    if torch is not None:
        nn = torch.nn
        for threads, dtype in (
            (n_threads, torch.float64),
            (1, torch.float64),
            (n_threads, torch.float32),
        ):
            torch.manual_seed(0)
            net = nn.Sequential(
                nn.Linear(784, 256, bias=False), nn.BatchNorm1d(256), nn.ReLU(),
                nn.Linear(256, 128, bias=False), nn.BatchNorm1d(128), nn.ReLU(),
                nn.Linear(128, 10),
            ).to(dtype)  # fmt: skip
            topt = torch.optim.Adam(net.parameters(), lr=1e-3)
            tx, ty = torch.from_numpy(x).to(dtype), torch.from_numpy(y)

            def step(net=net, topt=topt, tx=tx, ty=ty):
                topt.zero_grad(set_to_none=True)
                torch.nn.functional.cross_entropy(net(tx), ty).backward()
                topt.step()

            name = f"PyTorch {str(dtype).replace('torch.', '')}, {threads} thr"
            groups[threads][name] = ((lambda t=threads: torch.set_num_threads(t)), step)
    result = {}
    for contenders in groups.values():
        result.update(compare(contenders, repeats, warmup=5))
    return result


def print_table(rows):
    ms = lambda v: "-" if v is None else f"{v * 1e3:.2f}"  # noqa: E731
    cols = [
        ("shape", lambda r: str(r["shape"])),
        ("dtype", lambda r: r["dtype"]),
        ("MiB", lambda r: f"{r['MiB']:.0f}"),
        ("ours ms", lambda r: ms(r["ours"])),
        ("naive ms", lambda r: ms(r["naive"])),
        ("floor ms", lambda r: ms(r["floor"])),
        ("GB/s", lambda r: f"{r['bandwidth'] / 1e9:.1f}"),
        ("PyTorch ms", lambda r: ms(r.get("torch"))),
        ("PyTorch 1 thr ms", lambda r: ms(r.get("torch1"))),
        ("ours CPU ms", lambda r: ms(r["ours cpu"])),
        ("PyTorch 1 thr CPU ms", lambda r: ms(r.get("torch1 cpu"))),
        ("naive / ours", lambda r: f"{r['naive'] / r['ours']:.1f}x"),
        ("ours / floor", lambda r: f"{r['ours'] / r['floor']:.1f}x"),
        ("bwd peak / z", lambda r: f"{r['mem']:.3f}"),
        ("naive bwd peak / z", lambda r: f"{r['mem_naive']:.2f}"),
        ("page-fault tax ms", lambda r: ms(r["tax"])),
    ]
    print("| " + " | ".join(c for c, _ in cols) + " |")
    print("|" + "---|" * len(cols))
    for r in rows:
        print("| " + " | ".join(f(r) for _, f in cols) + " |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument(
        "--reuse-memory",
        action="store_true",
        help="rerun with glibc told to keep freed memory (no page faults for fresh arrays)",
    )
    args = parser.parse_args()
    if args.reuse_memory and GLIBC_KEEP_MEMORY[0] not in os.environ:
        argv = [sys.executable, *sys.argv]
        os.execve(sys.executable, argv, {**os.environ, **dict([GLIBC_KEEP_MEMORY, GLIBC_NO_TRIM])})
    repeats = 5 if args.quick else 21
    blas, n_threads = blas_threads()
    print(f"date       {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"machine    {cpu_name()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    print(f"python     {platform.python_version()}; numpy {np.__version__}; {blas}")
    if GLIBC_KEEP_MEMORY[0] in os.environ:
        print(f"malloc     {'='.join(GLIBC_KEEP_MEMORY)} {'='.join(GLIBC_NO_TRIM)}")
    if torch is None:
        print("torch      not installed: PyTorch columns skipped")
    else:
        print(f"torch      {torch.__version__}; threads {n_threads} (as BLAS) and 1")
    print("timing     medians over rounds; each round runs every contender in turn (twice, the")
    print("           second run timed)")
    if os.getloadavg()[0] > (os.cpu_count() or 1):
        print("WARNING    the machine is busy (load average above the CPU count): wall times are")
        print("           inflated, multi-threaded ones (PyTorch, BLAS with 2 threads) the most;")
        print("           prefer the CPU-time ratios of single-threaded contenders")
    print()
    rows, verdicts, memory = bench_batchnorm(repeats, n_threads)
    gbs = [r["bandwidth"] / 1e9 for r in rows]
    print(f"bandwidth  {min(gbs):.1f}-{max(gbs):.1f} GB/s over the cases (large NumPy copies and")
    print("           adds, timed in the same rounds as each case's contenders)")
    print()
    print_table(rows)
    print()
    mlp = bench_mlp(repeats, n_threads)
    print("| training step: 784-256-BN-ReLU-128-BN-ReLU-10, Adam, batch 128 | wall ms | CPU ms |")
    print("|---|---|---|")
    for name in (k for k in mlp if not k.endswith(" cpu")):
        print(f"| {name} | {mlp[name] * 1e3:.2f} | {mlp[name + ' cpu'] * 1e3:.2f} |")
    for threads in sorted({n_threads, 1}):
        ours, theirs = f"dlbasics float64, BLAS {threads} thr", f"PyTorch float64, {threads} thr"
        if ours in mlp and theirs in mlp:
            what = f"MLP step: ours / PyTorch float64 ({threads} thr) <= 1"
            verdicts.append((what, mlp, ours, theirs, "<=", 1.0))
    print()
    print("verdicts (ratio of wall times; in brackets the ratio of the calling thread's CPU times,")
    print("load-robust for single-threaded contenders, meaningless for multi-threaded ones)")
    for what, row, num, den, op, limit in verdicts:
        wall, cpu = row[num] / row[den], row[num + " cpu"] / row[den + " cpu"]
        met = (lambda r, lim=limit: r >= lim) if op == ">=" else (lambda r, lim=limit: r <= lim)
        print(
            f"{'MET   ' if met(wall) else 'MISSED'} {what}: {wall:.2f}  "
            f"[CPU time: {cpu:.2f}, {'met' if met(cpu) else 'missed'}]"
        )
    for what, ok, value in memory:
        print(f"{'MET   ' if ok else 'MISSED'} {what}: {value}")


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            return next(
                line.split(":", 1)[1].strip() for line in f if line.startswith("model name")
            )
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


if __name__ == "__main__":
    main()
