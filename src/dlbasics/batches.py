r"""Mini-batches: one pass over the training set, in shuffled slices of `batch_size` rows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from dlbasics._validate import as_rng, check_bool, check_int

__all__ = ["minibatches", "num_batches"]


def num_batches(m: int, batch_size: int, *, drop_last: bool = False) -> int:
    r"""Number of mini-batches in one epoch of `m` examples.

    Parameters
    ----------
    m : int
        Number of examples, >= 0.
    batch_size : int
        Rows per mini-batch, >= 1.
    drop_last : bool, default=False
        Whether the last, incomplete mini-batch is dropped.

    Returns
    -------
    int
        $\lfloor m / \text{batch\_size} \rfloor$ if `drop_last`, else
        $\lceil m / \text{batch\_size} \rceil$.

    Examples
    --------
    >>> num_batches(1000, 64), num_batches(1000, 64, drop_last=True)
    (16, 15)
    """
    batch_size = check_int(batch_size, "batch_size", 1)
    m = check_int(m, "m", 0)
    return m // batch_size if check_bool(drop_last, "drop_last") else -(-m // batch_size)


def minibatches(
    x: Any,
    y: Any,
    batch_size: int,
    *,
    seed: int | np.random.Generator = 0,
    shuffle: bool = True,
    drop_last: bool = False,
) -> Iterator[tuple[np.ndarray, np.ndarray | None]]:
    r"""Yield `(x_batch, y_batch)` pairs covering the examples once (one epoch).

    Parameters
    ----------
    x : ndarray of shape (m, ...)
        Inputs, one example per row.
    y : ndarray of shape (m, ...) or None
        Targets, one per row of `x`; with None, the batches are `(x_batch, None)`.
    batch_size : int
        Rows per mini-batch, >= 1: 1 is stochastic gradient descent, m (or more) is batch
        gradient descent, anything between is mini-batch gradient descent.
    seed : int or numpy.random.Generator, default=0
        Source of the shuffle. An integer >= 0 gives the same order on every call; a
        Generator is advanced, so successive epochs get fresh orders that are reproducible as
        a whole.
    shuffle : bool, default=True
        Whether to permute the rows first. Without shuffling the batches are views, in order.
    drop_last : bool, default=False
        Whether to drop the last batch when it has fewer than `batch_size` rows (batch
        normalization cannot train on a batch of one row).

    Yields
    ------
    x_batch : ndarray of shape (b, ...)
        With b = batch_size, except possibly for the last batch.
    y_batch : ndarray of shape (b, ...) or None

    Raises
    ------
    ValueError
        If `batch_size < 1`, if `x` and `y` have different numbers of rows, if `x` is 0-D, or
        if `drop_last` is set and `batch_size` exceeds m (no batch would be left).
    TypeError
        If `batch_size` is not an integer or `seed` is neither an integer nor a Generator.

    Notes
    -----
    The course's $X^{\{t\}}$, $Y^{\{t\}}$ for $t = 1, \dots, \lceil m/\text{batch\_size}\rceil$.
    The inputs are checked when `minibatches` is called, not on the first `next`.

    Examples
    --------
    >>> import numpy as np
    >>> x, y = np.arange(10).reshape(5, 2), np.arange(5)
    >>> for xb, yb in minibatches(x, y, 2, shuffle=False):
    ...     print(yb)
    [0 1]
    [2 3]
    [4]
    >>> [len(yb) for _, yb in minibatches(x, y, 2, seed=0, drop_last=True)]
    [2, 2]
    """
    batch_size = check_int(batch_size, "batch_size", 1)
    rng = as_rng(seed)
    shuffle, drop_last = check_bool(shuffle, "shuffle"), check_bool(drop_last, "drop_last")
    x = np.asarray(x)
    if x.ndim == 0:
        raise ValueError("x must have one example per row, got a 0-dimensional array")
    m = x.shape[0]
    if y is not None:
        y = np.asarray(y)
        if y.ndim == 0 or y.shape[0] != m:
            raise ValueError(f"y must have one row per row of x ({m}), got shape {y.shape}")
    if drop_last and batch_size > m:
        raise ValueError(
            f"batch_size={batch_size} exceeds the {m} examples and drop_last=True: no batch "
            "would be yielded"
        )
    order = rng.permutation(m) if shuffle else None
    return _batches(x, y, batch_size, order, num_batches(m, batch_size, drop_last=drop_last))


def _batches(
    x: np.ndarray, y: np.ndarray | None, batch_size: int, order: np.ndarray | None, n: int
) -> Iterator[tuple[np.ndarray, np.ndarray | None]]:
    for t in range(n):
        lo = t * batch_size
        rows = slice(lo, lo + batch_size) if order is None else order[lo : lo + batch_size]
        yield x[rows], (None if y is None else y[rows])
