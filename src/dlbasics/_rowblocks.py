"""Batch normalization of `(m, n)` inputs in blocks of rows: the same math, faster.

`dlbasics.batchnorm` holds the reference code (whole-array operations, used as is for
`(m, C, H, W)` inputs); these kernels compute the same values for `(m, n)` inputs and are
tested against it (see `_rows`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

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
_GEMV = 1 << 17  # elements per matrix-vector product: below OpenBLAS's threading threshold


class _Rows(NamedTuple):
    """How an `(m, n)` array is cut: blocks of rows, per-feature vectors tiled over k rows."""

    k: int  # rows per tile: per-feature vectors are repeated k times
    blocks: list[tuple[int, int, bool]]  # (start, stop, tiled); tiled: a multiple of k rows
    ones: np.ndarray  # ones for column sums, one per row of a matrix-vector product

    def tile(self, v: np.ndarray) -> tuple[np.ndarray, np.ndarray | None, int]:
        """`v`, `v` repeated k times if several blocks reuse it (else None), k: for `_apply`."""
        return v, (_repeat(v, self.k) if len(self.blocks) > 2 else None), self.k


def _repeat(v: np.ndarray, k: int) -> np.ndarray:
    """`v` repeated k times: `np.tile(v, k)`, in a third of its time."""
    t = np.empty((k, v.size), v.dtype)
    t[...] = v
    return t.ravel()


def _rows(a: np.ndarray) -> _Rows:
    """Cut `a` into blocks of rows: multiples of k rows (tiled), then the last m mod k rows.

    The blocked code gives what the per-channel code of 4-D inputs gives on the same values:

    >>> import numpy as np
    >>> from dlbasics import batchnorm_backward, batchnorm_forward
    >>> rng = np.random.default_rng(0)
    >>> z = rng.normal(3.0, 2.0, size=(1003, 300))
    >>> [(i, j) for i, j, _ in _rows(z).blocks]  # two blocks of tiles of 27 rows, a tail
    [(0, 864), (864, 999), (999, 1003)]
    >>> gamma, beta, dout = rng.normal(size=300), rng.normal(size=300), rng.normal(size=z.shape)
    >>> for dt, offset, tol in ((np.float64, 0.0, 1e-12), (np.float32, 1e4, 1e-4)):
    ...     z2 = (z + offset).astype(dt)
    ...     out, cache = batchnorm_forward(z2, gamma, beta)
    ...     out4, cache4 = batchnorm_forward(z2[:, :, None, None], gamma, beta)
    ...     grads = batchnorm_backward(dout.astype(dt), cache)
    ...     grads4 = batchnorm_backward(dout.astype(dt)[:, :, None, None], cache4)
    ...     pairs = [(out, out4[:, :, 0, 0]), (cache.mu, cache4.mu), (cache.var, cache4.var)]
    ...     pairs += [(grads[0], grads4[0][:, :, 0, 0]), *zip(grads[1:], grads4[1:])]
    ...     print(out.dtype, all(np.allclose(a, b, rtol=tol, atol=tol) for a, b in pairs))
    float64 True
    float32 True
    """
    m, n = a.shape
    k = max(1, _TILE // n)
    q = m // k * k
    step = max(k, _BLOCK // (k * n) * k)
    blocks = [(i, min(i + step, q), True) for i in range(0, q, step)]
    if q < m:
        blocks.append((q, m, False))
    return _Rows(k, blocks, np.ones(min(m, max(1, _GEMV // n)), a.dtype))


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
        s = ones[: min(c, a.shape[0] - i)] @ a[i : i + c]
        total = s if total is None else np.add(total, s, out=total)
    assert total is not None  # callers pass blocks of at least one row
    return total


def forward_rows(z: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float) -> tuple:
    """`batchnorm_forward` on `(m, n)` input: `(out, center, shift, inv_std, mu, var)`."""
    m = z.shape[0]
    dt = z.dtype
    rows = _rows(z)
    center = _column_sum(z, rows.ones) / m  # first pass: the mean
    out = np.empty(z.shape, dt)  # holds z - center until the third pass
    var = np.zeros(z.shape[1], dt)
    shift = np.zeros_like(var)
    t_c = rows.tile(center)
    for i, j, tiled in rows.blocks:  # second pass: centre, then the squared deviations
        ob = out[i:j]
        _apply(np.subtract, z[i:j], t_c, ob, tiled)
        var += np.einsum("ij,ij->j", ob, ob)
        if dt.itemsize < 8:  # float32: the rounded first mean leaves a residual (Chan et al.)
            _column_sum(ob, rows.ones, shift)
    var /= m
    shift /= m
    var -= np.square(shift)
    np.maximum(var, 0, out=var)  # a constant feature may round below zero
    inv_std = (1.0 / np.sqrt(var + eps)).astype(dt, copy=False)
    # out = gamma * (z - center - shift) * inv_std + beta = (z - center) * s + t
    s = gamma.astype(dt, copy=False) * inv_std
    t_s, t_t = rows.tile(s), rows.tile((beta - shift * s).astype(dt, copy=False))
    for i, j, tiled in rows.blocks:  # third pass, in place: scale and shift
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
    p = np.zeros(z.shape[1], np.result_type(dout, z))
    dbeta = None
    dz = np.empty(z.shape, dt)  # holds z - center until the second pass
    t_center = rows.tile(center)
    for i, j, tiled in rows.blocks:  # first pass: centre, then both sums
        db = dz[i:j]
        _apply(np.subtract, z[i:j], t_center, db, tiled)
        dbeta = _column_sum(dout[i:j], rows.ones, dbeta)
        p += np.einsum("ij,ij->j", dout[i:j], db)
    assert dbeta is not None  # z has rows: batchnorm_forward needs m >= 2
    dgamma = (p - shift * dbeta) * inv_std  # sum of dout * x_hat
    # dz = gamma * inv_std * (dout - dbeta / m - x_hat * dgamma / m)
    #    = k * (dout + (z - center) * a + c)
    a = -inv_std * dgamma / m
    t_a, t_c = rows.tile(a.astype(dt)), rows.tile((-dbeta / m - shift * a).astype(dt))
    t_k = rows.tile((gamma * inv_std).astype(dt, copy=False))
    for i, j, tiled in rows.blocks:  # second pass, in place in each block of dz
        db = dz[i:j]
        _apply(np.multiply, db, t_a, db, tiled)
        _apply(np.add, db, t_c, db, tiled)
        np.add(db, dout[i:j], out=db)
        _apply(np.multiply, db, t_k, db, tiled)
    return dz, dgamma, dbeta
