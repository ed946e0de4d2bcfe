"""Random and grid search in-process: streams, failures, Ctrl-C, save/load/resume, zoom."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from dlbasics.distributions import (
    Choice,
    Distribution,
    IntUniform,
    LogUniform,
    ReverseLogUniform,
    Uniform,
)
from dlbasics.objectives import faulty, synthetic
from dlbasics.results import load_trials, save_trials
from dlbasics.search import Trial, Trials, grid, random_search, run_trials, sample, zoom
from helpers import key

SPACE = {
    "lr": LogUniform(1e-4, 1),
    "beta": ReverseLogUniform(0.9, 0.999),
    "hidden": IntUniform(16, 256, log=True),
    "act": Choice(["relu", "tanh"]),
    "steps": 5,
}


def search(n=16, **kw):
    kw.setdefault("seed", 0)
    return random_search(synthetic, SPACE, n, executor=None, **kw)


def test_trials_ordered_with_params_loss_curve():
    trials = search(6)
    assert isinstance(trials, Trials)
    assert [t.id for t in trials] == list(range(6))
    for t in trials:
        assert t.status == "ok"
        assert t.error is None
        assert set(t.params) == set(SPACE)
        assert t.params["steps"] == 5
        assert [s for s, _ in t.curve] == [1, 2, 3, 4, 5]
        assert t.duration >= 0
        assert math.isfinite(t.loss)
    assert not trials.interrupted


def test_same_seed_same_results_other_seed_other_results():
    assert key(search(8, seed=3)) == key(search(8, seed=3))
    assert [t.params for t in search(8, seed=3)] != [t.params for t in search(8, seed=4)]


def test_trials_8_to_15_alone_reproduce_the_full_search():
    full = search(16)
    part = search(16, trial_ids=range(8, 16))
    assert [t.id for t in part] == list(range(8, 16))
    assert key(part) == key(full[8:])


def test_params_come_from_the_trials_own_seed_sequence():
    trials = search(4, seed=7)
    for t in trials:
        rng = np.random.default_rng(np.random.SeedSequence(7, spawn_key=(t.id,)).spawn(2)[0])
        assert t.params["lr"] == LogUniform(1e-4, 1).sample(rng)
        assert t.params == sample(SPACE, 7, t.id)


def test_objective_rng_is_the_second_child():
    trials = random_search(faulty, {"mode": Choice(["ok"])}, 3, seed=5, executor=None)
    for t in trials:
        ss = np.random.SeedSequence(5, spawn_key=(t.id,)).spawn(2)[1]
        assert t.loss == np.random.default_rng(ss).random()


def test_best_and_ok():
    trials = search(8)
    assert trials.best.loss == min(t.loss for t in trials)
    assert trials.ok == list(trials)


def test_failures_are_kept_and_the_others_finish():
    modes = ["ok", "raise", "ok", "nan", "ok"]
    trials = run_trials(faulty, [{"mode": m, "loss": 0.5} for m in modes], seed=0, executor=None)
    assert [t.status for t in trials] == ["ok", "failed", "ok", "failed", "ok"]
    assert "ValueError: faulty objective asked to fail" in trials[1].error
    assert "objectives.py" in trials[1].error  # the traceback summary says where
    assert trials[1].curve == [(1, 1.0)]  # the curve up to the failure is kept
    assert trials[1].loss is None
    assert "non-finite loss: nan" in trials[3].error
    assert [t.loss for t in trials.ok] == [0.5, 0.5, 0.5]
    with pytest.raises(ValueError, match="no trial finished successfully"):
        _ = Trials([trials[1]]).best


def test_keyboard_interrupt_returns_finished_trials(capsys):
    modes = ["ok", "ok", "interrupt", "ok"]
    trials = run_trials(faulty, [{"mode": m} for m in modes], seed=0, executor=None)
    assert trials.interrupted
    assert [t.id for t in trials] == [0, 1]
    assert "interrupted: 2 of 4 trials finished" in capsys.readouterr().err


@pytest.mark.parametrize("suffix", [".json", ".csv"])
def test_save_load_round_trip_is_exact(tmp_path, suffix):
    trials = search(5)
    trials.append(Trial(5, {"lr": 0.1, "act": None}, None, [(1, math.nan)], "failed", "E: x", 0.5))
    path = tmp_path / f"trials{suffix}"
    save_trials(trials, path)
    back = load_trials(path)
    assert key(back[:5]) == key(trials[:5])
    assert [t.duration for t in back] == [t.duration for t in trials]
    assert back[5].params == {"lr": 0.1, "act": None}
    assert back[5].loss is None
    assert back[5].error == "E: x"
    assert back[5].status == "failed"
    assert math.isnan(back[5].curve[0][1])


def test_json_file_is_standard_json(tmp_path):
    path = tmp_path / "t.json"
    save_trials([Trial(0, {"lr": 0.1}, None, [(1, math.inf)], "failed", "boom")], path)
    data = json.loads(path.read_text(), parse_constant=lambda c: pytest.fail(c))
    assert data["trials"][0]["curve"] == [[1, None]]


@pytest.mark.parametrize("suffix", [".json", ".csv"])
def test_resume_runs_only_missing_trials(tmp_path, suffix):
    path = tmp_path / f"search{suffix}"
    first = search(8, trial_ids=range(5), path=path)
    assert [t.id for t in load_trials(path)] == [0, 1, 2, 3, 4]
    again = search(8, path=path)
    assert key(again) == key(search(8))
    # trials 0-4 were loaded, not rerun: their measured durations come back unchanged
    assert [t.duration for t in again[:5]] == [t.duration for t in first]
    assert [t.id for t in load_trials(path)] == list(range(8))


def test_resume_after_interrupt(tmp_path):
    path = tmp_path / "s.json"
    cands = [{"mode": "ok", "loss": 1.0}] * 2 + [{"mode": "interrupt"}, {"mode": "ok"}]
    trials = run_trials(faulty, cands, seed=0, executor=None, path=path)
    assert trials.interrupted
    assert [t.id for t in load_trials(path)] == [0, 1]


def test_resume_refuses_a_file_from_another_search(tmp_path):
    path = tmp_path / "s.json"
    search(4, path=path)
    with pytest.raises(ValueError, match=r"holds trial 0 with params .* a different seed or space"):
        search(4, seed=1, path=path)


def test_load_rejects_other_files(tmp_path):
    (tmp_path / "x.json").write_text('{"a": 1}')
    with pytest.raises(ValueError, match="is not a dlbasics trials file"):
        load_trials(tmp_path / "x.json")
    (tmp_path / "x.csv").write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="is not a dlbasics trials file"):
        load_trials(tmp_path / "x.csv")
    with pytest.raises(ValueError, match=r"path must end in \.json or \.csv, got '.*t\.txt'"):
        save_trials([], tmp_path / "t.txt")


def test_progress_bar_only_when_asked(capsys):
    search(3, progress=True)
    assert "3/3" in capsys.readouterr().err
    search(3, progress=False)
    search(3)  # stderr is not a terminal under pytest: no bar
    assert capsys.readouterr().err == ""


def test_grid_spaces_each_axis_on_its_scale():
    space = {
        "lr": LogUniform(1e-4, 1),
        "beta": ReverseLogUniform(0.9, 0.999),
        "h": IntUniform(1, 3),
        "act": Choice(["relu", "tanh"]),
        "u": Uniform(0, 1),
        "epochs": 5,
    }
    points = grid(space, {"lr": 5, "beta": 3, "h": 10, "u": 2})
    lrs = sorted({p["lr"] for p in points})
    np.testing.assert_allclose(lrs, [1e-4, 1e-3, 1e-2, 1e-1, 1], rtol=1e-12)
    betas = sorted({p["beta"] for p in points})
    np.testing.assert_allclose(betas, [0.9, 0.99, 0.999], rtol=1e-12)
    assert sorted({p["h"] for p in points}) == [1, 2, 3]  # 10 points collapse to 3 integers
    assert sorted({p["u"] for p in points}) == [0.0, 1.0]
    assert {p["epochs"] for p in points} == {5}
    assert len(points) == 5 * 3 * 3 * 2 * 2


def test_grid_single_point_is_the_middle_on_the_scale():
    (p,) = grid({"lr": LogUniform(1e-4, 1)}, 1)
    assert p["lr"] == pytest.approx(1e-2, rel=1e-12)


def test_run_trials_on_a_grid():
    trials = run_trials(synthetic, grid({"lr": LogUniform(1e-4, 1)}, 5), seed=0, executor=None)
    assert trials.best.params["lr"] == pytest.approx(1e-2)


def ok(i, loss, **params):
    return Trial(i, params, loss=loss)


def test_zoom_log_axis_in_log_space():
    trials = [ok(0, 0.2, lr=1e-3), ok(1, 0.1, lr=1e-2), ok(2, 0.9, lr=0.5), ok(3, 0.15, lr=5e-3)]
    (new,) = zoom({"lr": LogUniform(1e-4, 1)}, trials, top=3, margin=0.25).values()
    assert isinstance(new, LogUniform)
    # exponents -3..-2 widened by 0.25 * 4 decades on each side
    assert new.bounds == pytest.approx((-4.0, -1.0))
    (tight,) = zoom({"lr": LogUniform(1e-4, 1)}, trials, top=2, margin=0.0).values()
    assert (tight.low, tight.high) == pytest.approx((5e-3, 1e-2))


def test_zoom_reverse_log_axis_in_one_minus_beta_space():
    trials = [ok(0, 0.1, beta=0.99), ok(1, 0.2, beta=0.995), ok(2, 0.9, beta=0.9)]
    (new,) = zoom({"beta": ReverseLogUniform(0.9, 0.999)}, trials, top=2, margin=0.1).values()
    assert isinstance(new, ReverseLogUniform)
    lo, hi = new.bounds
    assert lo == pytest.approx(math.log10(0.005) - 0.2)
    assert hi == pytest.approx(-2 + 0.2)


def test_zoom_int_choice_constant_and_failed_trials():
    space = {"h": IntUniform(8, 512, log=True), "act": Choice(["relu", "tanh", "sigmoid"]), "e": 3}
    trials = [
        Trial(0, {"h": 64, "act": "tanh", "e": 3}, loss=0.1),
        Trial(1, {"h": 100, "act": "relu", "e": 3}, loss=0.2),
        Trial(2, {"h": 8, "act": "sigmoid", "e": 3}, status="failed", error="boom"),
        Trial(3, {"h": 500, "act": "sigmoid", "e": 3}, loss=0.9),
    ]
    new = zoom(space, trials, top=2, margin=0.0)
    assert new["h"] == IntUniform(64, 100, log=True)
    assert new["act"] == Choice(["relu", "tanh"])  # the original order is kept
    assert new["e"] == 3
    single = zoom(space, trials, top=1, margin=0.0)
    assert single["h"] == IntUniform(64, 65, log=True)


def test_two_stage_search_narrows_around_the_optimum():
    space = {"lr": LogUniform(1e-4, 1), "steps": 3}
    coarse = random_search(synthetic, space, 12, seed=0, executor=None)
    fine_space = zoom(space, coarse, top=3)
    fine = random_search(synthetic, fine_space, 12, seed=1, executor=None)
    lo, hi = fine_space["lr"].bounds
    assert hi - lo < 3  # narrower than the 4 decades we started with
    assert lo <= -2 <= hi  # and still around the true optimum lr = 1e-2
    assert fine.best.loss <= coarse.best.loss


def test_zoom_bad_input():
    with pytest.raises(ValueError, match="top must be an integer >= 1, got 0"):
        zoom(SPACE, [ok(0, 1.0, lr=0.1)], top=0)
    with pytest.raises(ValueError, match="at least one successful trial"):
        zoom(SPACE, [Trial(0, {}, status="failed")])
    with pytest.raises(ValueError, match="margin must be a finite number >= 0, got -1"):
        zoom(SPACE, [ok(0, 1.0, lr=0.1)], margin=-1)
    with pytest.raises(TypeError, match=r"margin must be a real number, got '0\.1'"):
        zoom(SPACE, [ok(0, 1.0, lr=0.1)], margin="0.1")


def test_empty_space():
    with pytest.raises(ValueError, match="space must not be empty"):
        random_search(synthetic, {}, 3, seed=0, executor=None)
    with pytest.raises(ValueError, match="space must not be empty"):
        grid({}, 3)
    with pytest.raises(TypeError, match="space must be a dict"):
        random_search(synthetic, [LogUniform(1e-4, 1)], 3, seed=0, executor=None)


@pytest.mark.parametrize(
    ("n", "error"), [(0, ValueError), (-1, ValueError), (2.5, TypeError), (True, TypeError)]
)
def test_n_trials_must_be_positive_int(n, error):
    with pytest.raises(error, match="n_trials must be an integer >= 1"):
        random_search(synthetic, SPACE, n, seed=0, executor=None)


def test_objective_must_be_callable():
    with pytest.raises(TypeError, match="objective must be callable, got 'synthetic'"):
        random_search("synthetic", SPACE, 3, seed=0, executor=None)


def test_seed_and_ids_validated():
    with pytest.raises(ValueError, match="seed must be an integer >= 0, got -1"):
        search(3, seed=-1)
    with pytest.raises(TypeError, match=r"seed must be an integer >= 0, got 1\.5"):
        search(3, seed=1.5)
    with pytest.raises(TypeError, match=r"seed must be an integer >= 0, got True"):
        search(3, seed=True)
    with pytest.raises(TypeError, match=r"seed must be an integer >= 0, got Generator"):
        search(3, seed=np.random.default_rng(0))  # trials spawn their streams from an integer
    with pytest.raises(ValueError, match="seed must be an integer >= 0, got -1"):
        run_trials(synthetic, [{"lr": 0.1}], seed=-1, executor=None)
    with pytest.raises(ValueError, match=r"trial_ids must be non-empty integer ids in \[0, 3\)"):
        search(3, trial_ids=[2, 3])
    with pytest.raises(ValueError, match="candidates must not be empty"):
        run_trials(synthetic, [], seed=0)
    with pytest.raises(ValueError, match="points_per_axis for 'lr' must be an integer >= 1"):
        grid(SPACE, 0)


def test_local_objectives_run_in_process():
    def local(params, rng, report):
        return params["lr"]

    trials = random_search(local, {"lr": Uniform(0, 1)}, 3, seed=0, executor=None)
    assert [t.loss for t in trials] == [t.params["lr"] for t in trials]


class Steps(Distribution):
    """A distribution the search has never heard of: grid and zoom must still work."""

    def __init__(self, values):
        self.values = list(values)

    def sample(self, rng):
        return self.values[int(rng.integers(len(self.values)))]

    def rvs(self, size=None, random_state=None):
        return self.sample(np.random.default_rng(random_state))

    def grid(self, n):
        return self.values[:n]

    def narrow(self, values, margin=0.1):
        return Steps(sorted(set(values)))


def test_grid_and_zoom_ask_the_distribution():
    space = {"lr": Steps([0.3, 0.1, 0.03]), "epochs": 5}
    assert grid(space, 2) == [{"lr": 0.3, "epochs": 5}, {"lr": 0.1, "epochs": 5}]
    trials = [ok(0, 0.2, lr=0.1, epochs=5), ok(1, 0.1, lr=0.03, epochs=5), ok(2, 0.9, lr=0.3)]
    narrowed = zoom(space, trials, top=2)
    assert narrowed["lr"].values == [0.03, 0.1]
    assert narrowed["epochs"] == 5  # a constant passes through
    assert sample(space, seed=0, trial_id=0)["lr"] in (0.3, 0.1, 0.03)


def test_searches_default_to_seed_0():
    space = {"lr": LogUniform(1e-4, 1)}
    default = random_search(synthetic, space, 3, executor=None)
    assert key(default) == key(random_search(synthetic, space, 3, seed=0, executor=None))
    cands = [{"lr": 0.1}, {"lr": 0.01}]
    assert key(run_trials(synthetic, cands, executor=None)) == key(
        run_trials(synthetic, cands, seed=0, executor=None)
    )
