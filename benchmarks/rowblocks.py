"""Experiment: batch norm of `(m, n)` inputs in blocks of rows that stay in the caches.

These kernels served `dlbasics.batchnorm_forward` and `batchnorm_backward` on `(m, n)` inputs
until the package went back to one whole-array path. They are kept here, measured against
that path:

    .venv/bin/python benchmarks/rowblocks.py            (about half a minute)

Two variants run: blocks with the corrected two-pass variance of the package ("centred"),
and blocks that use the plain sums of z and z² where |mu| / sigma is small for every feature
("plain sums", the former default, which lost up to 10x in accuracy to PyTorch on small
batches). Results are checked against the package before they are timed. See NOTES.md.
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np

from dlbasics import batchnorm_backward, batchnorm_forward

# NumPy makes one pass over the whole array per operation. On arrays larger than the caches,
# every pass streams the array from memory again. Here the operations that follow one another
# (centre, then sum the squares; scale, then shift; the four steps of dz) run on one block of
# rows at a time, small enough to stay in the caches, so that each array comes from memory
# once per sweep instead of once per operation. Column sums are matrix-vector products with a
# vector of ones (BLAS), kept below the size at which OpenBLAS starts a second thread: that
# thread can stall for a scheduler tick on a busy machine.

# Per-feature vectors are repeated into a tile of k = _TILE // n rows, and a block is viewed
# as rows of k·n values: NumPy's loops ran about 1.4x faster than on rows of n = 1024.
_TILE = 8192  # elements per tile
_BLOCK = 1 << 18  # elements per block: 2 MiB of float64 (the fastest of 0.5-8 MiB, measured)
_GEMV = 1 << 18  # elements per matrix-vector product at most: OpenBLAS threads beyond

# The variance as the difference of plain sums, mean(z²) - mu², cancels: it loses about
# log10(1 + r²) digits, r = |mu| / sqrt(var + eps). Where r is small for every feature, both
# passes read z itself, two operations fewer per pass than with a centred copy: while r <= 2
# in float32 (0.7 of its 7 digits) and r <= 30 in float64 (3 of its 16). Otherwise (a large
# offset, a near-constant feature) the mean is subtracted first, in the two-pass algorithm
# corrected for the rounding of that mean (Chan, Golub & LeVeque, 1983).
_ONE_PASS = (2.0, 30.0)  # largest r for the plain sums: float32 (and narrower), float64


class _Rows(NamedTuple):
    """How an `(m, n)` array is cut: blocks of rows, per-feature vectors tiled over k rows."""

    k: int  # rows per tile: per-feature vectors are repeated k times
    blocks: tuple[tuple[int, int, bool], ...]  # (start, stop, tiled): tiled if a multiple of k
    ones: np.ndarray  # ones for column sums, one per row of a matrix-vector product (read-only)

    def tile(self, v: np.ndarray) -> tuple[np.ndarray, np.ndarray | None, int]:
        """`v`, `v` repeated k times if several blocks reuse it (else None), k: for `_apply`."""
        return v, (_repeat(v, self.k) if len(self.blocks) > 2 else None), self.k


def _repeat(v: np.ndarray, k: int) -> np.ndarray:
    """`v` repeated k times: `np.tile(v, k)`, in a third of its time."""
    t = np.empty((k, v.size), v.dtype)
    t[...] = v
    return t.ravel()


def _rows(a: np.ndarray) -> _Rows:
    """Cut `a` into blocks of rows: multiples of k rows (tiled), then the last m mod k rows."""
    return _cut(a.shape[0], a.shape[1], a.dtype, _TILE, _BLOCK, _GEMV)


@functools.lru_cache(maxsize=64)
def _cut(m: int, n: int, dtype: np.dtype, tile: int, block: int, gemv: int) -> _Rows:
    """`_rows` for one shape and dtype, made once (the sizes are arguments: tests change them)."""
    k = max(1, tile // n)
    q = m // k * k
    step = max(k, block // (k * n) * k)
    blocks = [(i, min(i + step, q), True) for i in range(0, q, step)]
    if q < m:
        blocks.append((q, m, False))
    ones = np.ones(min(m, max(1, gemv // n)), dtype)
    ones.flags.writeable = False  # shared by every call on this shape
    return _Rows(k, tuple(blocks), ones)


def _apply(ufunc: np.ufunc, a: np.ndarray, v: tuple, out: np.ndarray, tiled: bool) -> None:
    """`out = ufunc(a, v)` on one block, viewed as rows of k·n values on tiled blocks."""
    if not tiled:
        ufunc(a, v[0], out=out)
        return
    tile = _repeat(v[0], v[2]) if v[1] is None else v[1]  # a tile freed at once: less memory
    ufunc(a.reshape(-1, tile.size), tile, out=out.reshape(-1, tile.size))


def _column_sum(a: np.ndarray, ones: np.ndarray, total: np.ndarray | None = None) -> np.ndarray:
    """`total + a.sum(axis=0)` as products `ones @ rows` (BLAS, one thread on small products)."""
    c = ones.size
    for i in range(0, a.shape[0], c):
        total = _plus(total, ones[: min(c, a.shape[0] - i)] @ a[i : i + c])
    assert total is not None  # callers pass blocks of at least one row
    return total


def _column_dot(a: np.ndarray, b: np.ndarray, total: np.ndarray | None = None) -> np.ndarray:
    """`total + (a * b).sum(axis=0)`, without materializing the product."""
    return _plus(total, np.einsum("ij,ij->j", a, b))


def _plus(total: np.ndarray | None, s: np.ndarray) -> np.ndarray:
    """`total + s`, in place; `s` if there is no total yet."""
    return s if total is None else np.add(total, s, out=total)


def _plain_sums_hold(mu: np.ndarray, inv_std: np.ndarray) -> bool:
    """True if |mu| / sqrt(var + eps) is within `_ONE_PASS` for every feature."""
    return bool(np.abs(mu * inv_std).max() <= _ONE_PASS[inv_std.itemsize >= 8])  # NaN: False


def forward_rows(z: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float) -> tuple:
    """`batchnorm_forward` on `(m, n)` input: `(out, center, shift, inv_std, mu, var)`."""
    m = z.shape[0]
    dt = z.dtype
    rows = _rows(z)
    s1 = s2 = None
    for i, j, _ in rows.blocks:  # first pass: the sums of z and of z²
        s1 = _column_sum(z[i:j], rows.ones, s1)
        s2 = _column_dot(z[i:j], z[i:j], s2)
    assert s1 is not None  # blocks of rows: batchnorm_forward needs m >= 2
    assert s2 is not None
    mu = s1 / m
    if not np.isfinite(s2).all():  # z² overflowed (or z is not finite): centre first
        return _forward_centred(z, gamma, beta, eps, rows, mu)
    var = s2 / m - mu * mu
    np.maximum(var, 0, out=var)  # a rounding below zero
    inv_std = (1.0 / np.sqrt(var + eps)).astype(dt, copy=False)
    if not _plain_sums_hold(mu, inv_std):
        return _forward_centred(z, gamma, beta, eps, rows, mu)
    s = gamma.astype(dt, copy=False) * inv_std  # out = gamma * (z - mu) * inv_std + beta
    t_s, t_t = rows.tile(s), rows.tile((beta - mu * s).astype(dt, copy=False))
    out = np.empty(z.shape, dt)
    for i, j, tiled in rows.blocks:  # second pass: out = z * s + t
        ob = out[i:j]
        _apply(np.multiply, z[i:j], t_s, ob, tiled)
        _apply(np.add, ob, t_t, ob, tiled)
    return out, mu, np.zeros(mu.shape, dt), inv_std, mu, var


def _forward_centred(
    z: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float, rows: _Rows, center: np.ndarray
) -> tuple:
    """The two-pass forward: centre on the first mean, then sum the squared deviations."""
    m = z.shape[0]
    dt = z.dtype
    out = np.empty(z.shape, dt)  # holds z - center until the last pass
    var = shift = None
    t_c = rows.tile(center)
    for i, j, tiled in rows.blocks:  # centre, then the squared deviations
        ob = out[i:j]
        _apply(np.subtract, z[i:j], t_c, ob, tiled)
        var = _column_dot(ob, ob, var)
        shift = _column_sum(ob, rows.ones, shift)  # the rounding of the first mean
    assert var is not None
    assert shift is not None
    shift /= m
    var = var / m - np.square(shift)
    np.maximum(var, 0, out=var)  # a constant feature may round below zero
    inv_std = (1.0 / np.sqrt(var + eps)).astype(dt, copy=False)
    # out = gamma * (z - center - shift) * inv_std + beta = (z - center) * s + t
    s = gamma.astype(dt, copy=False) * inv_std
    t_s, t_t = rows.tile(s), rows.tile((beta - shift * s).astype(dt, copy=False))
    for i, j, tiled in rows.blocks:  # in place: scale and shift
        ob = out[i:j]
        _apply(np.multiply, ob, t_s, ob, tiled)
        _apply(np.add, ob, t_t, ob, tiled)
    return out, center, shift, inv_std, center + shift, var


def backward_rows(
    dout: np.ndarray,
    z: np.ndarray,
    center: np.ndarray,
    shift: np.ndarray,
    inv_std: np.ndarray,
    gamma: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`batchnorm_backward` on `(m, n)` input, with x_hat = (z - center - shift) * inv_std."""
    m = z.shape[0]
    dt = z.dtype
    rows = _rows(z)
    mu = center + shift
    centred = not _plain_sums_hold(mu, inv_std)  # then x = z - center, else x = z
    if centred:
        mu, t_center = shift, rows.tile(center)  # the mean of x
    dz = np.empty(z.shape, dt)  # holds x until the second pass, if centred
    dbeta = p = None
    for i, j, tiled in rows.blocks:  # first pass: both sums
        x = z[i:j]
        if centred:
            x = dz[i:j]
            _apply(np.subtract, z[i:j], t_center, x, tiled)
        dbeta = _column_sum(dout[i:j], rows.ones, dbeta)
        p = _column_dot(dout[i:j], x, p)
    assert dbeta is not None  # blocks of rows: batchnorm_forward needs m >= 2
    assert p is not None
    dgamma = (p - mu * dbeta) * inv_std  # sum of dout * x_hat, x_hat = (x - mu) * inv_std
    # dz = gamma * inv_std * (dout - dbeta / m - x_hat * dgamma / m)
    #    = k * (dout + x * a + c)
    a = -inv_std * dgamma / m
    t_a, t_c = rows.tile(a.astype(dt)), rows.tile((-dbeta / m - mu * a).astype(dt))
    t_k = rows.tile((gamma * inv_std).astype(dt, copy=False))
    for i, j, tiled in rows.blocks:  # second pass, block by block
        db = dz[i:j]
        _apply(np.multiply, db if centred else z[i:j], t_a, db, tiled)
        _apply(np.add, db, t_c, db, tiled)
        np.add(db, dout[i:j], out=db)
        _apply(np.multiply, db, t_k, db, tiled)
    return dz, dgamma, dbeta


# ---- the measurement ---------------------------------------------------------------------


def blocked(z, gamma, beta, dout, plain_sums, eps=1e-5):
    """Forward + backward in blocks: `(out, dz, dgamma, dbeta)`."""
    global _ONE_PASS
    _ONE_PASS = (2.0, 30.0) if plain_sums else (0.0, 0.0)
    out, center, shift, inv_std, _, _ = forward_rows(z, gamma, beta, eps)
    return (out, *backward_rows(dout, z, center, shift, inv_std, gamma.astype(z.dtype)))


def whole(z, gamma, beta, dout):
    """The package's path: `(out, dz, dgamma, dbeta)`."""
    out, cache = batchnorm_forward(z, gamma, beta)
    return (out, *batchnorm_backward(dout, cache))


def main():
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from batchnorm import compare  # the same rounds as the main benchmark

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    repeats = 5 if parser.parse_args().quick else 21
    print(f"date  {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print()
    print("| case | whole arrays ms | blocks, centred ms | blocks, plain sums ms |")
    print("|---|---|---|---|")
    rng = np.random.default_rng(0)
    for shape in ((4096, 1024), (256, 1024)):
        for dtype in (np.float64, np.float32):
            z = rng.normal(1.0, 2.0, size=shape).astype(dtype)
            dout = rng.normal(size=shape).astype(dtype)
            gamma, beta = rng.normal(size=shape[1]).astype(dtype), np.zeros(shape[1], dtype)
            args = (z, gamma, beta, dout)
            ref = whole(*args)
            tol = 1e-9 if dtype == np.float64 else 1e-3
            for plain in (False, True):
                got = blocked(*args, plain_sums=plain)
                assert all(
                    np.allclose(a, b, rtol=tol, atol=tol) for a, b in zip(got, ref, strict=True)
                )
            t = compare(
                {
                    "whole": (1, lambda a=args: whole(*a)),
                    "centred": (1, lambda a=args: blocked(*a, plain_sums=False)),
                    "plain": (1, lambda a=args: blocked(*a, plain_sums=True)),
                },
                repeats,
            )
            cells = " | ".join(f"{t[k] * 1e3:.2f}" for k in ("whole", "centred", "plain"))
            print(f"| {shape} {np.dtype(dtype).name} | {cells} |")


if __name__ == "__main__":
    main()
