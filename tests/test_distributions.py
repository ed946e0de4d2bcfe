"""Samplers: scales, bounds, validation, and scikit-learn's RandomizedSearchCV accepting them."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlbasics.distributions import Choice, IntUniform, LogUniform, ReverseLogUniform, Uniform

N = 100_000


def test_loguniform_gives_each_decade_a_quarter():
    x = LogUniform(1e-4, 1).rvs(size=N, random_state=0)
    assert x.min() >= 1e-4
    assert x.max() <= 1
    counts, _ = np.histogram(np.log10(x), bins=[-4, -3, -2, -1, 0])
    np.testing.assert_allclose(counts / N, 0.25, atol=0.01)
    # a uniform sampler would put 0.09 % of its samples in [1e-4, 1e-3]
    u = Uniform(1e-4, 1).rvs(size=N, random_state=0)
    assert np.mean(u < 1e-3) < 0.002


def test_loguniform_is_ten_to_a_uniform_exponent():
    rng1, rng2 = np.random.default_rng(3), np.random.default_rng(3)
    x = [LogUniform(1e-4, 1).sample(rng1) for _ in range(5)]
    r = -4 + 4 * rng2.random(5)
    np.testing.assert_allclose(x, 10.0**r, rtol=1e-12)


def test_reverse_loguniform_is_one_minus_ten_to_s():
    rng1, rng2 = np.random.default_rng(4), np.random.default_rng(4)
    b = [ReverseLogUniform(0.9, 0.999).sample(rng1) for _ in range(5)]
    s = -3 + 2 * rng2.random(5)
    np.testing.assert_allclose(b, 1 - 10.0**s, rtol=1e-12)


def test_reverse_loguniform_halves():
    b = ReverseLogUniform(0.9, 0.999).rvs(size=N, random_state=1)
    assert b.min() >= 0.9
    assert b.max() <= 0.999
    assert abs(np.mean(b > 0.99) - 0.5) < 0.01  # s in [-3, -2]
    window = 1 / (1 - b)  # log-uniform between 10 and 1000
    assert abs(np.mean(window < 100) - 0.5) < 0.01


def test_uniform_mean_and_bounds():
    x = Uniform(-1.0, 3.0).rvs(size=N, random_state=2)
    assert x.min() >= -1
    assert x.max() <= 3
    assert abs(x.mean() - 1.0) < 0.02


def test_intuniform_linear_covers_every_integer_equally():
    x = IntUniform(3, 7).rvs(size=N, random_state=5)
    assert x.dtype.kind == "i"
    values, counts = np.unique(x, return_counts=True)
    assert values.tolist() == [3, 4, 5, 6, 7]
    np.testing.assert_allclose(counts / N, 0.2, atol=0.01)


def test_intuniform_log_gives_decades_equal_shares():
    x = IntUniform(10, 999, log=True).rvs(size=N, random_state=6)
    assert x.min() >= 10
    assert x.max() <= 999
    assert abs(np.mean(x < 100) - 0.5) < 0.01
    sample = IntUniform(10, 999, log=True).sample(np.random.default_rng(0))
    assert type(sample) is int


def test_choice_frequencies_and_types():
    d = Choice(["relu", "tanh", None])
    x = d.rvs(size=N, random_state=7)
    for option in ["relu", "tanh", None]:
        assert abs(np.mean([v == option for v in x]) - 1 / 3) < 0.01
    assert d.sample(np.random.default_rng(0)) in ["relu", "tanh", None]
    assert d.rvs(random_state=0) in ["relu", "tanh", None]


def test_samples_are_python_scalars():
    rng = np.random.default_rng(0)
    assert type(Uniform(0, 1).sample(rng)) is float
    assert type(LogUniform(1e-3, 1).rvs(random_state=rng)) is float
    assert type(IntUniform(1, 5).rvs()) is int


@pytest.mark.parametrize(
    "random_state",
    [0, np.random.default_rng(0), np.random.RandomState(0)],
    ids=["int", "Generator", "RandomState"],
)
def test_rvs_accepts_every_kind_of_random_state(random_state):
    x = LogUniform(1e-4, 1).rvs(size=3, random_state=random_state)
    assert x.shape == (3,)
    assert np.all((x >= 1e-4) & (x <= 1))


def test_rvs_is_reproducible():
    d = ReverseLogUniform(0.9, 0.999)
    np.testing.assert_array_equal(d.rvs(5, random_state=9), d.rvs(5, random_state=9))


@given(
    lo=st.floats(-6, 2),
    width=st.floats(0.01, 6),
    seed=st.integers(0, 2**32 - 1),
)
@settings(max_examples=50, deadline=None)
def test_loguniform_samples_stay_inside_any_bounds(lo, width, seed):
    low, high = 10.0**lo, 10.0 ** (lo + width)
    x = LogUniform(low, high).rvs(size=20, random_state=seed)
    assert np.all((low <= x) & (x <= high))


@pytest.mark.parametrize(
    ("dist", "x"),
    [
        (Uniform(0, 2), 0.5),
        (LogUniform(1e-4, 1), 3e-3),
        (ReverseLogUniform(0.9, 0.999), 0.995),
        (IntUniform(1, 100, log=True), 37),
    ],
)
def test_scale_round_trip(dist, x):
    assert float(dist.from_scale(dist.to_scale(x))) == pytest.approx(x, rel=1e-12)


def test_bounds_are_on_the_scale():
    assert LogUniform(1e-4, 1).bounds == (-4.0, 0.0)
    assert ReverseLogUniform(0.9, 0.999).bounds == pytest.approx((-3.0, -1.0))


def test_sklearn_randomized_search_accepts_them_unchanged():
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import RandomizedSearchCV

    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 3))
    y = (x[:, 0] + 0.3 * rng.normal(size=60) > 0).astype(int)
    space = {"C": LogUniform(1e-3, 1e2), "fit_intercept": Choice([True, False])}
    search = RandomizedSearchCV(LogisticRegression(), space, n_iter=6, cv=3, random_state=0)
    search.fit(x, y)
    cs = np.array(search.cv_results_["param_C"], dtype=float)
    assert len(cs) == 6
    assert np.all((cs >= 1e-3) & (cs <= 1e2))
    assert len(set(cs.tolist())) == 6
    assert set(search.cv_results_["param_fit_intercept"]) <= {True, False}


def test_repr_and_equality():
    assert repr(LogUniform(1e-4, 1)) == "LogUniform(0.0001, 1.0)"
    assert repr(IntUniform(16, 128, log=True)) == "IntUniform(16, 128, log=True)"
    assert LogUniform(1e-4, 1) == LogUniform(1e-4, 1.0)
    assert LogUniform(1e-4, 1) != Uniform(1e-4, 1)
    assert Choice([1, 2]) == Choice([1, 2])


@pytest.mark.parametrize("cls", [Uniform, LogUniform, ReverseLogUniform])
def test_low_must_be_below_high(cls):
    with pytest.raises(ValueError, match=r"low must be < high, got low=0\.5, high=0\.5"):
        cls(0.5, 0.5)
    with pytest.raises(ValueError, match="low must be < high"):
        cls(0.6, 0.5)


def test_intuniform_low_must_be_below_high():
    with pytest.raises(ValueError, match="low must be < high, got low=5, high=5"):
        IntUniform(5, 5)


@pytest.mark.parametrize("low", [0, -1e-3])
def test_loguniform_low_must_be_positive(low):
    with pytest.raises(ValueError, match=r"LogUniform: low must be > 0 \(a log scale\)"):
        LogUniform(low, 1)


@pytest.mark.parametrize(("low", "high"), [(0.0, 0.9), (0.9, 1.0), (-0.1, 0.5), (0.5, 1.5)])
def test_reverse_loguniform_bounds_in_open_unit_interval(low, high):
    with pytest.raises(ValueError, match=r"ReverseLogUniform: (low|high) must be in \(0, 1\)"):
        ReverseLogUniform(low, high)


def test_bounds_must_be_finite_reals():
    with pytest.raises(TypeError, match="Uniform: high must be a finite real number, got inf"):
        Uniform(0, float("inf"))
    with pytest.raises(TypeError, match="low must be a finite real number, got '1'"):
        LogUniform("1", 2)


def test_intuniform_needs_integers():
    with pytest.raises(TypeError, match=r"IntUniform: high must be an integer, got 2\.5"):
        IntUniform(1, 2.5)
    with pytest.raises(ValueError, match="low must be >= 1 when log=True, got low=0"):
        IntUniform(0, 10, log=True)


def test_choice_needs_options():
    with pytest.raises(ValueError, match=r"Choice: options must not be empty"):
        Choice([])
    with pytest.raises(
        TypeError, match="options must be a list, a tuple or a 1-D array, got 'abc'"
    ):
        Choice("abc")


def test_sample_needs_a_generator():
    with pytest.raises(TypeError, match=r"rng must be a numpy.random.Generator"):
        Uniform(0, 1).sample(0)
    with pytest.raises(TypeError, match=r"rng must be a numpy.random.Generator"):
        Choice([1]).sample(np.random.RandomState(0))


# --- grid(n) and narrow(values, margin): what grid and zoom in dlbasics.search call ---------


def test_grid_spaces_points_on_each_scale():
    assert LogUniform(1e-4, 1).grid(5) == pytest.approx([1e-4, 1e-3, 1e-2, 1e-1, 1.0])
    assert ReverseLogUniform(0.9, 0.999).grid(3) == pytest.approx([0.999, 0.99, 0.9])  # t up
    assert Uniform(0, 1).grid(3) == [0.0, 0.5, 1.0]
    assert Uniform(0, 1).grid(1) == [0.5]  # one point: the middle on the scale
    assert LogUniform(1e-4, 1).grid(1) == pytest.approx([1e-2])
    assert IntUniform(1, 3).grid(10) == [1, 2, 3]  # repeats dropped
    assert IntUniform(16, 256, log=True).grid(5) == [16, 32, 64, 128, 256]
    assert Choice(["relu", "tanh"]).grid(1) == ["relu", "tanh"]  # all options, whatever n


def test_narrow_works_on_each_scale():
    lr = LogUniform(1e-4, 1).narrow([1e-3, 1e-2], margin=0.25)
    assert lr == LogUniform(10**-4, 10**-1)  # [-3 - 1, -2 + 1], in log10
    beta = ReverseLogUniform(0.9, 0.999).narrow([0.99], margin=0.5)
    assert (beta.low, beta.high) == pytest.approx((0.9, 0.999))  # clipped to the old range
    assert Uniform(0, 10).narrow([4, 5], margin=0.1) == Uniform(3, 6)
    assert Uniform(0, 10).narrow([4, 4], margin=0) == Uniform(0, 10)  # no width: unchanged
    assert IntUniform(1, 100).narrow([50], margin=0) == IntUniform(50, 51)  # stays a range
    assert IntUniform(1, 100).narrow([100], margin=0) == IntUniform(99, 100)
    assert Choice(["a", "b", "c"]).narrow(["c", "a", "c"]) == Choice(["a", "c"])


@pytest.mark.parametrize("dist", [Uniform(0, 1), IntUniform(1, 5), Choice([1, 2])])
def test_grid_and_narrow_validate(dist):
    with pytest.raises(ValueError, match="n must be an integer >= 1, got 0"):
        dist.grid(0)
    with pytest.raises(TypeError, match="n must be an integer >= 1, got True"):
        dist.grid(True)
    with pytest.raises(ValueError, match=r"values must hold at least one value"):
        dist.narrow([])
    with pytest.raises(ValueError, match=r"margin must be a finite number >= 0, got -0\.1"):
        dist.narrow([1], margin=-0.1)
