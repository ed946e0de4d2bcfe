r"""Data for the examples: the handwritten digits shipped with the package, and synthetic blobs."""

from __future__ import annotations

import functools
import gzip
from importlib.resources import files

import numpy as np

from dlbasics._validate import as_rng, check_int, check_positive, is_real

__all__ = ["gaussian_blobs", "load_digits_split"]


@functools.cache
def _digits() -> tuple[np.ndarray, np.ndarray]:
    """The 1,797 digits as (pixels, labels), read once from the file inside the package."""
    path = files("dlbasics").joinpath("data", "digits.csv.gz")
    with path.open("rb") as raw, gzip.open(raw) as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.int64)
    return table[:, :-1].astype(np.float64), table[:, -1]


def _stratified_split(
    y: np.ndarray, test_size: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Shuffled (train, test) row indices, each class split in the proportion `test_size`."""
    test_parts = []
    for c in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == c))
        n_test = int(np.clip(np.rint(test_size * members.size), 1, members.size - 1))
        test_parts.append(members[:n_test])
    test = rng.permutation(np.concatenate(test_parts))
    train = rng.permutation(np.setdiff1d(np.arange(y.size), test))
    return train, test


def load_digits_split(
    *, test_size: float = 0.25, seed: int | np.random.Generator = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""The 8×8 handwritten digits (1,797 images, 10 classes), split and standardized.

    The data ship inside the package (`dlbasics/data/digits.csv.gz`): the test set of
    "Optical Recognition of Handwritten Digits" by E. Alpaydin and C. Kaynak (UCI Machine
    Learning Repository, CC BY 4.0), in the copy bundled by scikit-learn (BSD-3-Clause).
    Nothing is downloaded and only NumPy is needed.

    Parameters
    ----------
    test_size : float, default=0.25
        Fraction of each class held out for testing, in (0, 1).
    seed : int or numpy.random.Generator, default=0
        Seed of the stratified shuffle split.

    Returns
    -------
    x_train : ndarray of float64, shape (m_train, 64)
    y_train : ndarray of int64, shape (m_train,)
    x_test : ndarray of float64, shape (m_test, 64)
    y_test : ndarray of int64, shape (m_test,)
        Pixels standardized with the TRAINING set's per-pixel mean and standard deviation
        (pixels constant on the training set are only centred), labels 0..9, rows shuffled.

    Raises
    ------
    TypeError
        If `test_size` is not a real number, or `seed` is neither an integer nor a Generator.
    ValueError
        If `test_size` is not in (0, 1), or `seed` is negative.

    Notes
    -----
    Stratified: class $c$ with $m_c$ examples puts $\operatorname{round}(\text{test\_size}\cdot
    m_c)$ of them, drawn at random (but at least one, and at most $m_c - 1$), in the test
    part, so each class keeps its proportion in both parts.

    Using the training statistics for both parts is what a deployed model would do: the test
    set must not leak into the preprocessing.

    Examples
    --------
    >>> from dlbasics.datasets import load_digits_split
    >>> x_train, y_train, x_test, y_test = load_digits_split()
    >>> x_train.shape, x_test.shape, y_train.dtype.name
    ((1347, 64), (450, 64), 'int64')
    >>> pixel = x_train[:, 20]
    >>> print(round(float(pixel.mean()), 10), round(float(pixel.std()), 10))
    0.0 1.0
    """
    if not is_real(test_size):
        raise TypeError(f"test_size must be a real number, got {test_size!r}")
    if not 0 < test_size < 1:
        raise ValueError(f"test_size must be in (0, 1), got {test_size!r}")
    x, y = _digits()
    train, test = _stratified_split(y, test_size, as_rng(seed))
    mu = x[train].mean(axis=0)
    sd = x[train].std(axis=0)
    sd[sd == 0] = 1.0
    return (x[train] - mu) / sd, y[train], (x[test] - mu) / sd, y[test]


def gaussian_blobs(
    m: int, n: int, k: int, *, seed: int | np.random.Generator = 0, spread: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    r"""`m` points in `n` dimensions from `k` Gaussian classes, balanced and shuffled.

    Parameters
    ----------
    m : int
        Number of examples, >= 1.
    n : int
        Number of features, >= 1.
    k : int
        Number of classes, >= 2.
    seed : int or numpy.random.Generator, default=0
        Source of the centres, the labels and the noise.
    spread : float, default=1.0
        Standard deviation of each class around its centre, > 0 (centres are drawn from
        $\mathcal{N}(0, 3^2 I)$, so a larger spread means more overlap).

    Returns
    -------
    x : ndarray of float64, shape (m, n)
    y : ndarray of int64, shape (m,)
        Labels in 0..k-1, each class holding `m // k` or `m // k + 1` examples.

    Raises
    ------
    ValueError
        If `m`, `n` or `k` is out of range, `spread` is not a finite number > 0, or `seed` is
        negative.
    TypeError
        If `m`, `n` or `k` is not an integer, or `seed` is neither an integer nor a
        Generator.

    Examples
    --------
    >>> from dlbasics.datasets import gaussian_blobs
    >>> x, y = gaussian_blobs(7, 2, 3, seed=0)
    >>> x.shape, sorted(y.tolist())
    ((7, 2), [0, 0, 0, 1, 1, 2, 2])
    """
    m = check_int(m, "m", 1)
    n = check_int(n, "n", 1)
    k = check_int(k, "k", 2)
    spread = check_positive(spread, "spread")
    rng = as_rng(seed)
    centres = 3.0 * rng.standard_normal((k, n))
    y = rng.permutation(np.arange(m) % k).astype(np.int64)
    x = centres[y] + spread * rng.standard_normal((m, n))
    return x, y
