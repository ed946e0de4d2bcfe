"""Executors: the package's pool, a user's pool, Dask — identical results, nothing shut down."""

from __future__ import annotations

import signal
import sys
import types
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pytest
from threadpoolctl import threadpool_info

from dlbasics import executors, load_digits_split
from dlbasics.distributions import Choice, IntUniform, LogUniform, ReverseLogUniform
from dlbasics.objectives import digits_mlp, digits_panda, faulty, synthetic
from dlbasics.pbt import population_based_training
from dlbasics.search import random_search, run_trials, successive_halving
from helpers import key

# A real objective, small enough to keep the suite fast: 2 epochs of a narrow MLP.
SPACE = {
    "lr": LogUniform(1e-3, 1),
    "beta": ReverseLogUniform(0.8, 0.99),
    "hidden": IntUniform(8, 32, log=True),
    "batch_size": Choice([64, 128]),
    "epochs": 2,
}


@pytest.fixture(scope="module")
def reference():
    return random_search(digits_mlp, SPACE, 8, seed=0, executor=None)


HALVING = {k: v for k, v in SPACE.items() if k != "epochs"}  # the budget sets the epochs


def halve(objective=digits_mlp, **kw):
    return successive_halving(objective, HALVING, 9, min_budget=1, max_budget=9, seed=0, **kw)


@pytest.fixture(scope="module")
def halved():
    return {"retrain": halve(executor=None), "resume": halve(digits_panda, executor=None)}


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def test_default_pool_is_bit_identical_to_in_process(reference):
    trials = random_search(digits_mlp, SPACE, 8, seed=0)
    assert key(trials) == key(reference)
    assert all(t.status == "ok" for t in trials)


def test_trials_8_to_15_on_the_pool_reproduce_the_in_process_search():
    full = random_search(synthetic, {"lr": LogUniform(1e-4, 1)}, 16, seed=2, executor=None)
    part = random_search(synthetic, {"lr": LogUniform(1e-4, 1)}, 16, seed=2, trial_ids=range(8, 16))
    assert key(part) == key(full[8:])


def test_default_pool_workers_use_one_blas_thread_and_ignore_ctrl_c():
    pool = executors.default_pool()
    info = pool.submit(threadpool_info).result()
    assert info  # numpy's BLAS at least
    assert all(lib["num_threads"] == 1 for lib in info)
    assert pool.submit(signal.getsignal, signal.SIGINT).result() == signal.SIG_IGN


def test_in_process_search_restores_the_callers_blas_threads():
    before = [lib["num_threads"] for lib in threadpool_info()]
    random_search(synthetic, {"lr": LogUniform(1e-4, 1)}, 2, seed=0, executor=None)
    assert [lib["num_threads"] for lib in threadpool_info()] == before


def test_default_pool_is_reused_and_replaced_on_a_new_size():
    assert executors.default_pool() is executors.default_pool()
    one = executors.default_pool(max_workers=1)
    assert one is executors.default_pool(max_workers=1)
    assert executors.default_pool() is not one
    executors.shutdown_default_pool()
    assert executors.default_pool() is not one


def test_failures_in_workers_are_kept():
    modes = ["ok", "raise", "nan", "ok"]
    trials = run_trials(faulty, [{"mode": m, "loss": 0.25} for m in modes], seed=0)
    assert [t.status for t in trials] == ["ok", "failed", "failed", "ok"]
    assert "ValueError: faulty objective asked to fail" in trials[1].error


@pytest.mark.parametrize("make", [ThreadPoolExecutor, ProcessPoolExecutor])
def test_users_executor_is_never_shut_down(make, reference):
    with make(max_workers=2) as pool:
        trials = random_search(digits_mlp, SPACE, 8, seed=0, executor=pool)
        assert key(trials) == key(reference)
        assert pool.submit(abs, -3).result() == 3  # still open


def test_interrupt_in_a_pool_returns_finished_trials():
    cands = [{"mode": "ok", "loss": 1.0}] * 3 + [{"mode": "interrupt"}]
    with ProcessPoolExecutor(max_workers=1) as pool:
        trials = run_trials(faulty, cands, seed=0, executor=pool)
        assert trials.interrupted
        assert [t.id for t in trials] == [0, 1, 2]  # one worker: the three before it finished
        assert pool.submit(abs, -1).result() == 1


def test_lambda_with_a_process_pool_is_a_clear_type_error():
    with pytest.raises(TypeError, match="Define it at module top level"):
        random_search(lambda p, r, rep: 0.0, SPACE, 2, seed=0)

    def nested(params, rng, report):
        return 0.0

    with pytest.raises(TypeError, match=r"nested cannot be sent to a worker process"):
        random_search(nested, SPACE, 2, seed=0)


def test_objective_from_an_interactive_main_is_refused(monkeypatch):
    fake = types.ModuleType("__main__")  # like `python -i` or a REPL: no __file__
    monkeypatch.setitem(sys.modules, "__main__", fake)

    def f(params, rng, report):
        return 0.0

    f.__module__, f.__qualname__ = "__main__", "f"
    fake.f = f
    with pytest.raises(TypeError, match="interactive __main__ that workers cannot import"):
        executors.check_sendable(f, executors.default_pool())


def test_bad_executor_and_pool_size():
    with pytest.raises(TypeError, match=r"executor must be 'default', None .* got 'dask'"):
        random_search(synthetic, SPACE, 2, seed=0, executor="dask")
    with pytest.raises(ValueError, match="max_workers must be an integer >= 1, got 0"):
        executors.default_pool(max_workers=0)
    with pytest.raises(TypeError, match="max_workers must be an integer >= 1, got True"):
        executors.default_pool(True)
    with pytest.raises(TypeError, match=r"max_workers must be an integer >= 1, got 2\.0"):
        executors.default_pool(2.0)


def test_resolve_is_what_search_uses():
    pool = ThreadPoolExecutor(1)
    assert executors.resolve(None) == (None, False)
    assert executors.resolve(pool) == (pool, False)  # a user's executor: never ours to shut
    assert executors.resolve("default") == (executors.default_pool(), True)
    pool.shutdown()
    with pytest.raises(TypeError, match=r"executor must be 'default', None .* got 1"):
        executors.resolve(1)


def test_dask_is_bit_identical_and_left_running(dask_client, reference):
    ex = dask_client.get_executor()
    trials = random_search(digits_mlp, SPACE, 8, seed=0, executor=ex)
    assert key(trials) == key(reference)
    assert dask_client.status == "running"
    assert ex.submit(abs, -2).result() == 2  # we did not shut the executor down


def test_dask_pickles_lambdas(dask_client):
    trials = random_search(
        lambda p, r, rep: p["lr"], {"lr": LogUniform(1e-4, 1)}, 3, seed=0,
        executor=dask_client.get_executor(pure=False),
    )  # fmt: skip
    assert [t.loss for t in trials] == [t.params["lr"] for t in trials]


def test_sys_exit_on_dask_is_a_failed_trial(dask_client):
    cands = [{"mode": "ok", "loss": 0.5}, {"mode": "exit"}, {"mode": "ok", "loss": 0.25}]
    trials = run_trials(faulty, cands, seed=0, executor=dask_client.get_executor(pure=False))
    assert [t.status for t in trials] == ["ok", "failed", "ok"]
    assert "SystemExit: 3" in trials[1].error
    assert dask_client.status == "running"


def test_a_dead_worker_in_the_default_pool_fails_its_trial_only():
    cands = [{"mode": "ok", "loss": 0.5}, {"mode": "crash"}, {"mode": "ok", "loss": 0.25}]
    trials = run_trials(faulty, cands, seed=0)
    assert [t.status for t in trials] == ["ok", "failed", "ok"]
    assert "WorkerDied" in trials[1].error
    assert "exited with code 70" in trials[1].error
    again = run_trials(faulty, cands, seed=0, trial_ids=[0])  # the same pool, a new worker
    assert [t.status for t in again] == ["ok"]


def test_a_broken_pool_of_yours_returns_lost_trials_that_are_not_saved(tmp_path):
    path = tmp_path / "s.json"
    with ProcessPoolExecutor(max_workers=1) as pool:
        trials = run_trials(faulty, [{"mode": "crash"}], seed=0, executor=pool, path=path)
    assert [t.status for t in trials] == ["lost"]
    assert "BrokenProcessPool" in trials[0].error
    assert not path.exists()  # a resumed search runs it again


def test_interrupt_with_the_default_pool_leaves_a_working_pool(capsys):
    cands = [{"mode": "interrupt"}] + [{"mode": "ok", "loss": 1.0}] * 3
    trials = run_trials(faulty, cands, seed=0)
    assert trials.interrupted
    assert all(t.status == "ok" for t in trials)
    assert "interrupted:" in capsys.readouterr().err
    again = run_trials(faulty, cands, seed=0, trial_ids=[1, 2, 3])
    assert [t.status for t in again] == ["ok", "ok", "ok"]


@pytest.mark.parametrize("mode", ["retrain", "resume"])
def test_successive_halving_is_the_same_in_the_pool_and_on_dask(dask_client, halved, mode):
    objective = digits_mlp if mode == "retrain" else digits_panda
    pooled = halve(objective, executor="default")
    dasked = halve(objective, executor=dask_client.get_executor(pure=False))
    assert key(pooled) == key(halved[mode]) == key(dasked)
    assert [t.budget for t in pooled] == [t.budget for t in halved[mode]]


def test_asha_on_the_pool_keeps_every_record_reproducible(halved):
    trials = halve(executor="default", asynchronous=True)
    reference = {t.key: (t.loss, t.curve) for t in halved["retrain"]}
    assert all((t.loss, t.curve) == reference[t.key] for t in trials if t.key in reference)
    for low, high in [(1, 3), (3, 9)]:
        below = sorted((t for t in trials if t.budget == low), key=lambda t: (t.loss, t.id))
        assert {t.id for t in below[: len(below) // 3]} <= {
            t.id for t in trials if t.budget == high
        }


def test_population_based_training_is_the_same_in_the_pool():
    data = load_digits_split()
    kw = {"population": 4, "rounds": 2, "epochs": 1, "hidden": (8,), "seed": 0}
    here = population_based_training(*data, {"lr": LogUniform(0.01, 1)}, **kw)
    pooled = population_based_training(*data, {"lr": LogUniform(0.01, 1)}, executor="default", **kw)
    assert key(pooled.trials) == key(here.trials)
    assert pooled.exploits == here.exploits
