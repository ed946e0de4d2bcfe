"""Successive halving and ASHA: rungs, promotion, the two objective modes, save and resume."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from dlbasics.distributions import LogUniform, ReverseLogUniform
from dlbasics.halving import Checkpoint, rungs, successive_halving
from dlbasics.objectives import digits_mlp, digits_panda
from dlbasics.results import load_trials, save_trials
from dlbasics.search import random_search
from helpers import key

SPACE = {"lr": LogUniform(1e-4, 1), "beta": ReverseLogUniform(0.8, 0.99)}
RUNS: list[tuple[float, int]] = []  # (lr, budget) in the order `recorded` ran them
INTERRUPT: dict[str, int | None] = {"at": None}  # Ctrl-C the first time a trial reaches it


def budgeted(params, rng, report, *, budget):
    """Cheap: best near lr = 1e-2, better with budget; the same noise at every rung."""
    floor = (math.log10(params["lr"]) + 2) ** 2 / 4 + 0.01 * rng.normal()
    for epoch in range(1, budget + 1):
        report(epoch, floor + 1 / epoch)
    if INTERRUPT["at"] == budget:
        INTERRUPT["at"] = None
        raise KeyboardInterrupt
    return floor + 1 / budget


def recorded(params, rng, report, *, budget):
    RUNS.append((params["lr"], budget))
    return budgeted(params, rng, report, budget=budget)


def failing(params, rng, report, *, budget):
    if params["lr"] > 0.1:
        raise ValueError("too large")
    return budgeted(params, rng, report, budget=budget)


def forgetful(params, rng, report, *, budget, checkpoint):
    return 1.0 / budget  # never saves its checkpoint


SEEN: list[Checkpoint] = []


def watching(params, rng, report, *, budget, checkpoint):
    SEEN.append(checkpoint)
    with open(checkpoint.save, "w") as f:
        f.write(str(budget))
    return budgeted(params, rng, report, budget=budget)


def panda_from_zero(params, rng, report, *, budget, tmp):
    """digits_panda trained from scratch at every rung: the retrain-from-zero mode."""
    fresh = Checkpoint(None, str(tmp / "scratch.npz"))
    return digits_panda(params, rng, report, budget=budget, checkpoint=fresh)


def halve(n=27, objective=budgeted, **kw):
    kw = {"min_budget": 1, "max_budget": 27, "eta": 3, "seed": 0, **kw}
    return successive_halving(objective, SPACE, n, **kw)


def at(trials, budget):
    return [t for t in trials if t.budget == budget]


# --- rung arithmetic ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((27, 1, 27, 3), [(1, 27), (3, 9), (9, 3), (27, 1)]),
        ((10, 1, 9, 3), [(1, 10), (3, 3), (9, 1)]),
        ((4, 1, 9, 3), [(1, 4), (3, 1), (9, 1)]),  # at least one per rung
        ((16, 2, 16, 2), [(2, 16), (4, 8), (8, 4), (16, 2)]),
        ((5, 4, 4, 3), [(4, 5)]),  # one rung: a random search
        ((81, 3, 243, 3), [(3, 81), (9, 27), (27, 9), (81, 3), (243, 1)]),
    ],
)
def test_rungs(args, expected):
    assert rungs(*args) == expected


def test_each_rung_holds_its_count_and_budget():
    trials = halve(27)
    for budget, size in rungs(27, 1, 27, 3):
        assert len(at(trials, budget)) == size
    assert [t.key for t in trials] == sorted(t.key for t in trials)
    assert sum(t.budget for t in trials) == 4 * 27  # retrain mode: sum of n_k b_k


def test_promotion_keeps_the_best_third_of_each_rung():
    trials = halve(27)
    for low, high in [(1, 3), (3, 9), (9, 27)]:
        below = sorted(at(trials, low), key=lambda t: (t.loss, t.id))
        assert {t.id for t in at(trials, high)} == {t.id for t in below[: len(below) // 3]}


def test_best_is_the_best_at_the_highest_budget():
    trials = halve(27)
    top = at(trials, 27)
    assert trials.best is min(top, key=lambda t: t.loss)
    assert min(t.loss for t in trials) == trials.best.loss  # here longer is better too


def test_records_are_random_searchs_trials_at_that_budget():
    space = {"lr": LogUniform(1e-3, 1), "hidden": 8}
    trials = successive_halving(digits_mlp, space, 9, min_budget=1, max_budget=9, seed=4)
    for t in trials:
        alone = random_search(
            digits_mlp, {**space, "epochs": t.budget}, 9, seed=4, executor=None, trial_ids=[t.id]
        )[0]
        assert (alone.loss, alone.curve) == (t.loss, t.curve)


def test_failed_trials_are_kept_and_never_promoted():
    trials = halve(27, objective=failing)
    failed = [t for t in trials if t.status == "failed"]
    assert failed
    assert all(t.budget == 1 for t in failed)
    assert "ValueError: too large" in failed[0].error
    assert all(t.params["lr"] <= 0.1 for t in trials if t.budget > 1)


# --- warm start --------------------------------------------------------------------------------


def test_a_warm_objective_gets_the_previous_rungs_file():
    SEEN.clear()
    trials = halve(9, objective=watching, max_budget=9)
    assert len(SEEN) == len(trials) == 9 + 3 + 1
    by_save = {c.save: c for c in SEEN}
    for c in SEEN:
        assert c.save.endswith(".npz")
        assert c.load is None or c.load in by_save  # a file a previous rung saved
    first = [c for c in SEEN if c.load is None]
    assert len(first) == 9
    winner = trials.best.id
    chain = [c for c in SEEN if f"trial-{winner}-" in c.save]
    assert [c.load for c in chain] == [None, chain[0].save, chain[1].save]


def test_resuming_a_panda_equals_training_it_from_zero(tmp_path):
    space = {"lr": LogUniform(1e-2, 1), "hidden": 8, "batch_size": 128}
    warm = successive_halving(digits_panda, space, 6, min_budget=1, max_budget=4, eta=2, seed=1)
    cold = successive_halving(
        lambda p, r, rep, *, budget: panda_from_zero(p, r, rep, budget=budget, tmp=tmp_path),
        space, 6, min_budget=1, max_budget=4, eta=2, seed=1,
    )  # fmt: skip
    assert key(warm) == key(cold)
    assert [len(t.curve) for t in warm] == [t.budget for t in warm]


def test_a_warm_objective_that_does_not_save_is_told_so():
    with pytest.raises(RuntimeError, match=r"checkpoint .* is missing: .* must save"):
        halve(9, objective=forgetful, max_budget=9)


def test_checkpoints_are_kept_beside_the_results_file(tmp_path):
    path = tmp_path / "search.json"
    halve(9, objective=watching, max_budget=9, path=path)
    saved = sorted(p.name for p in (tmp_path / "search.checkpoints").iterdir())
    assert len(saved) == 13
    assert "trial-0-budget-1.npz" in saved


# --- save and resume ---------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["sync", "async", "warm"])
def test_a_search_resumed_after_ctrl_c_ends_as_an_uninterrupted_one(tmp_path, mode, capsys):
    objective = watching if mode == "warm" else budgeted
    kw = {"min_budget": 1, "max_budget": 9, "seed": 3, "asynchronous": mode == "async"}
    whole = successive_halving(objective, SPACE, 9, **kw)
    path = tmp_path / "s.json"
    INTERRUPT["at"] = 3  # Ctrl-C in the first trial that reaches the second rung
    first = successive_halving(objective, SPACE, 9, path=path, **kw)
    assert first.interrupted
    assert "call again to resume" in capsys.readouterr().err
    assert INTERRUPT["at"] is None
    assert len(load_trials(path)) == len(first) < len(whole)
    again = successive_halving(objective, SPACE, 9, path=path, **kw)
    assert not again.interrupted
    assert key(again) == key(whole)
    assert [t.budget for t in again] == [t.budget for t in whole]
    done = {t.key: t.duration for t in first}
    assert all(t.duration == done[t.key] for t in again if t.key in done)  # not run again


def test_a_file_from_another_search_is_refused(tmp_path):
    path = tmp_path / "s.json"
    halve(9, max_budget=9, path=path)
    with pytest.raises(ValueError, match="a different seed or space"):
        halve(9, max_budget=9, path=path, seed=1)


@pytest.mark.parametrize("suffix", [".json", ".csv"])
def test_budgets_survive_a_results_file(tmp_path, suffix):
    trials = halve(9, max_budget=9)
    save_trials(trials, tmp_path / f"t{suffix}")
    back = load_trials(tmp_path / f"t{suffix}")
    assert [(t.key, t.loss, t.curve) for t in back] == [(t.key, t.loss, t.curve) for t in trials]


def test_a_random_searchs_csv_has_no_budget_column(tmp_path):
    save_trials(random_search(budgeted_free, SPACE, 2, executor=None), tmp_path / "r.csv")
    assert "budget" not in (tmp_path / "r.csv").read_text().splitlines()[0]


def budgeted_free(params, rng, report):
    return budgeted(params, rng, report, budget=3)


# --- ASHA --------------------------------------------------------------------------------------


def test_asha_promotes_only_from_the_top_third_of_what_has_finished():
    RUNS.clear()
    trials = halve(27, objective=recorded, asynchronous=True)
    id_of = {t.params["lr"]: t.id for t in trials}
    runs = [(id_of[lr], budget) for lr, budget in RUNS]  # in the order they ran
    loss = {t.key: t.loss for t in trials}
    budgets = [1, 3, 9, 27]
    for position, (i, budget) in enumerate(runs):
        if budget == 1:
            continue
        below = budgets[budgets.index(budget) - 1]
        finished = [j for j, b in runs[:position] if b == below]
        ranked = sorted(finished, key=lambda j: (loss[j, below], j))
        if i not in ranked[: len(finished) // 3]:  # only when nothing else is left to run
            assert i == ranked[0]
            assert all(b > 1 for _, b in runs[position:])
    assert runs[:3] == [(0, 1), (1, 1), (2, 1)]
    assert runs[3][1] == 3
    final = [{t.id for t in at(trials, b)} for b in budgets]
    for k in range(3):
        below = sorted(at(trials, budgets[k]), key=lambda t: (t.loss, t.id))
        assert {t.id for t in below[: len(below) // 3]} <= final[k + 1]


def test_asha_in_threads_keeps_its_guarantees():
    with ThreadPoolExecutor(3) as pool:
        trials = halve(27, executor=pool, asynchronous=True)
    reference = {t.key: (t.loss, t.curve) for t in halve(27, asynchronous=False)}
    for t in trials:
        if t.key in reference:
            assert (t.loss, t.curve) == reference[t.key]  # each record is reproducible
    for low, high in [(1, 3), (3, 9), (9, 27)]:
        below = sorted(at(trials, low), key=lambda t: (t.loss, t.id))
        assert {t.id for t in below[: len(below) // 3]} <= {t.id for t in at(trials, high)}


def test_asha_in_process_is_reproducible():
    assert key(halve(27, asynchronous=True)) == key(halve(27, asynchronous=True))


def test_sync_results_do_not_depend_on_a_thread_pool():
    with ThreadPoolExecutor(3) as pool:
        assert key(halve(27, executor=pool)) == key(halve(27))


def test_budgets_reach_the_objective_as_integers():
    trials = halve(9, max_budget=9)
    assert {type(t.budget) for t in trials} == {int}
    assert all(t.curve[-1][0] == t.budget for t in trials)
    assert np.isfinite([t.loss for t in trials]).all()


def test_asha_with_few_trials_still_reaches_the_top_rung():
    # 4 trials, eta 3: a rung of one has no top third, yet the synchronous version keeps one
    trials = halve(4, max_budget=9, asynchronous=True)
    assert [len(at(trials, b)) for b in (1, 3, 9)] == [4, 1, 1]
    assert trials.best.budget == 9
