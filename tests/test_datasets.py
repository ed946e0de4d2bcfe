"""load_digits_split and gaussian_blobs: shapes, standardization, seeding, errors."""

import sys

import numpy as np
import pytest

from dlbasics import gaussian_blobs, load_digits_split


@pytest.fixture(scope="module")
def digits():
    return load_digits_split()


def test_digits_shapes_and_types(digits):
    x_train, y_train, x_test, y_test = digits
    assert x_train.shape == (1347, 64)
    assert x_test.shape == (450, 64)
    assert x_train.dtype == np.float64
    assert y_train.dtype == np.int64
    assert y_test.shape == (450,)
    assert set(np.unique(y_train)) == set(range(10))


def test_digits_standardized_with_training_statistics(digits):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x_train, _, x_test, _ = digits
    sd = x_train.std(axis=0)
    varying = sd > 0
    np.testing.assert_allclose(x_train.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(sd[varying], 1, rtol=1e-12)
    assert varying.sum() < 64  # some corner pixels are always 0: centred, not divided by 0
    data = load_digits()
    raw_train, raw_test = train_test_split(
        data.data, test_size=0.25, random_state=0, stratify=data.target
    )
    mu, s = raw_train.mean(axis=0), raw_train.std(axis=0)
    expected = (raw_test - mu) / np.where(s > 0, s, 1.0)  # TRAIN statistics on the test part
    np.testing.assert_allclose(x_test, expected, rtol=1e-13, atol=1e-13)
    assert np.abs(x_test.mean(axis=0)).max() > 0.05  # so the test part is not centred itself


def test_digits_split_is_stratified_and_seeded(digits):
    _, y_train, _, y_test = digits
    counts = np.bincount(y_test, minlength=10) / len(y_test)
    full = np.bincount(np.concatenate([y_train, y_test])) / (len(y_train) + len(y_test))
    assert np.abs(counts - full).max() < 0.005
    again = load_digits_split(seed=0)
    np.testing.assert_array_equal(again[1], y_train)
    other = load_digits_split(seed=1)
    assert not np.array_equal(other[1], y_train)
    assert load_digits_split(test_size=0.5)[2].shape == (899, 64)


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"test_size": 0.0}, ValueError, r"test_size must be in \(0, 1\), got 0\.0"),
        ({"test_size": 1}, ValueError, r"test_size must be in \(0, 1\), got 1"),
        ({"test_size": "0.3"}, TypeError, r"test_size must be a real number, got '0\.3'"),
        ({"seed": 1.5}, TypeError, r"seed must be an int, got 1\.5"),
    ],
)
def test_digits_errors(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        load_digits_split(**kwargs)


def test_digits_without_scikit_learn_names_the_docs_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)  # makes the import fail
    with pytest.raises(ImportError, match=r"scikit-learn.*dlbasics\[docs\]"):
        load_digits_split()


def test_blobs_shapes_balance_and_seed():
    x, y = gaussian_blobs(100, 3, 4, seed=0)
    assert x.shape == (100, 3)
    assert x.dtype == np.float64
    assert y.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(y), [25, 25, 25, 25])
    x2, y2 = gaussian_blobs(100, 3, 4, seed=0)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    x3, _ = gaussian_blobs(100, 3, 4, seed=np.random.default_rng(1))
    assert not np.array_equal(x, x3)


def test_blobs_spread_is_the_within_class_standard_deviation():
    x, y = gaussian_blobs(20000, 2, 2, seed=0, spread=0.5)
    for c in (0, 1):
        np.testing.assert_allclose(x[y == c].std(axis=0), 0.5, rtol=0.03)


@pytest.mark.parametrize(
    ("args", "kwargs", "exc", "match"),
    [
        ((0, 2, 2), {}, ValueError, r"m must be an integer >= 1, got 0"),
        ((5, 0, 2), {}, ValueError, r"n must be an integer >= 1, got 0"),
        ((5, 2, 1), {}, ValueError, r"k must be an integer >= 2, got 1"),
        ((5, 2, 2), {"spread": 0.0}, ValueError, r"spread must be a finite number > 0, got 0\.0"),
        ((5, 2, 2), {"spread": "1"}, TypeError, r"spread must be a real number"),
    ],
)
def test_blobs_errors(args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        gaussian_blobs(*args, **kwargs)
