r"""Data for the examples: scikit-learn's bundled handwritten digits, and synthetic blobs."""

from __future__ import annotations

import numpy as np

from dlbasics._validate import check_int, is_int, is_real

__all__ = ["gaussian_blobs", "load_digits_split"]


def load_digits_split(
    *, test_size: float = 0.25, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""The 8×8 handwritten digits (1,797 images, 10 classes), split and standardized.

    The data ship inside scikit-learn (`sklearn.datasets.load_digits`): nothing is downloaded.

    Parameters
    ----------
    test_size : float, default=0.25
        Fraction of the examples held out for testing, in (0, 1).
    seed : int, default=0
        Seed of the stratified shuffle split (each class keeps its proportion in both parts).

    Returns
    -------
    x_train : ndarray of float64, shape (m_train, 64)
    y_train : ndarray of int64, shape (m_train,)
    x_test : ndarray of float64, shape (m_test, 64)
    y_test : ndarray of int64, shape (m_test,)
        Pixels standardized with the TRAINING set's per-pixel mean and standard deviation
        (pixels constant on the training set are only centred), labels 0..9.

    Raises
    ------
    ImportError
        If scikit-learn is not installed (it comes with the `docs` extra:
        `pip install "dlbasics[docs]"`).
    ValueError
        If `test_size` is not in (0, 1).

    Notes
    -----
    Using the training statistics for both parts is what a deployed model would do: the test
    set must not leak into the preprocessing.

    Examples
    --------
    >>> from dlbasics.datasets import load_digits_split
    >>> x_train, y_train, x_test, y_test = load_digits_split()
    >>> x_train.shape, x_test.shape, y_train.dtype.name
    ((1347, 64), (450, 64), 'int64')
    >>> print(round(float(x_train[:, 20].mean()), 10), round(float(x_train[:, 20].std()), 10))
    0.0 1.0
    """
    if not is_real(test_size):
        raise TypeError(f"test_size must be a real number, got {test_size!r}")
    if not 0 < test_size < 1:
        raise ValueError(f"test_size must be in (0, 1), got {test_size!r}")
    if not is_int(seed):
        raise TypeError(f"seed must be an int, got {seed!r}")
    try:
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "load_digits_split needs scikit-learn, which ships the digits data; install it "
            'with the docs extra: pip install "dlbasics[docs]"'
        ) from exc
    digits = load_digits()
    x = digits.data.astype(np.float64)
    y = digits.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=test_size, random_state=seed, stratify=y
    )
    mu = x_train.mean(axis=0)
    sd = x_train.std(axis=0)
    sd[sd == 0] = 1.0
    x_train = (x_train - mu) / sd
    x_test = (x_test - mu) / sd
    return x_train, y_train, x_test, y_test


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
        If `m`, `n` or `k` is out of range, or `spread` is not a finite number > 0.

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
    if not is_real(spread):
        raise TypeError(f"spread must be a real number, got {spread!r}")
    if not (np.isfinite(spread) and spread > 0):
        raise ValueError(f"spread must be a finite number > 0, got {spread!r}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    centres = 3.0 * rng.standard_normal((k, n))
    y = rng.permutation(np.arange(m) % k).astype(np.int64)
    x = centres[y] + spread * rng.standard_normal((m, n))
    return x, y
