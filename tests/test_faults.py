"""Fault runs: a search keeps every trial it finished, whatever goes wrong around it.

Each scenario really happens: two processes write one results file at the same time, a
worker process really dies (os._exit, SIGKILL, a segfault), a file is really cut short at
every byte. Every test asserts trials kept == trials expected.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

from dlbasics import executors
from dlbasics.distributions import Choice, LogUniform
from dlbasics.layers import ReLU, Tanh
from dlbasics.objectives import faulty, synthetic
from dlbasics.results import Trial, load_trials, save_trials
from dlbasics.search import random_search, run_trials, zoom
from helpers import key

SPACE = {"lr": LogUniform(1e-4, 1), "steps": 3}

# --- 1. two searches writing one results file at once ------------------------------------------

WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from dlbasics import LogUniform, random_search
    from dlbasics.objectives import synthetic

    path, first, n, go = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])
    Path(f"{go}.{first}").touch()  # ready
    while not go.exists():
        time.sleep(0.001)
    start = time.monotonic()
    space = {"lr": LogUniform(1e-4, 1), "steps": 3}
    random_search(synthetic, space, n, seed=0, executor=None, trial_ids=range(first, n, 2),
                  path=path)
    print(start, time.monotonic())
    """
)


@pytest.mark.parametrize("suffix", [".json", ".csv"])
def test_two_processes_writing_one_file_keep_every_trial(tmp_path, suffix):
    n = 40
    path, go = tmp_path / f"shared{suffix}", tmp_path / "go"
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), str(first), str(n), str(go)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for first in (0, 1)  # even ids, odd ids
    ]
    while not all(Path(f"{go}.{first}").exists() for first in (0, 1)):
        assert all(w.poll() is None for w in writers), "a writer ended before it was ready"
        time.sleep(0.01)  # until both interpreters are up and waiting
    go.touch()
    counts = []  # a reader meanwhile: it must never see a half-written file
    while any(w.poll() is None for w in writers):
        if path.exists():
            counts.append(len(load_trials(path)))
    windows = [tuple(map(float, w.communicate()[0].split())) for w in writers]
    assert [w.returncode for w in writers] == [0, 0]
    (a0, a1), (b0, b1) = windows
    assert a0 < b1, "the two writers did not overlap in time"
    assert b0 < a1, "the two writers did not overlap in time"
    assert counts == sorted(counts)  # never fewer than before
    kept = load_trials(path)
    expected = random_search(synthetic, SPACE, n, seed=0, executor=None)
    assert len(kept) == len(expected) == n
    assert key(kept) == key(expected)


def test_a_second_writer_with_another_search_is_refused(tmp_path):
    path = tmp_path / "s.json"
    random_search(synthetic, SPACE, 4, seed=0, executor=None, path=path)
    with pytest.raises(ValueError, match="a different seed or space"):
        random_search(synthetic, SPACE, 4, seed=1, executor=None, path=path)
    assert len(load_trials(path)) == 4


# --- 2. a worker process that dies ---------------------------------------------------------------


@pytest.mark.parametrize("mode", ["crash", "kill", "segfault"])
def test_a_dying_worker_costs_only_its_own_trial(tmp_path, mode):
    executors.default_pool(2)
    cands = [{"mode": "ok", "loss": i / 10, "sleep": 0.05} for i in range(12)]
    cands[3] = {"mode": mode}  # dies while the other worker is in the middle of a trial
    path = tmp_path / "s.json"
    trials = run_trials(faulty, cands, seed=0, path=path)
    assert [t.id for t in trials] == list(range(12))
    assert [t.status for t in trials] == ["ok"] * 3 + ["failed"] + ["ok"] * 8
    how = {"crash": "exited with code 70", "kill": "SIGKILL", "segfault": "SIGSEGV"}[mode]
    assert "WorkerDied" in trials[3].error
    assert how in trials[3].error
    assert [t.loss for t in trials.ok] == [c["loss"] for c in cands if c["mode"] == "ok"]
    assert key(load_trials(path)) == key(trials)  # all 12 saved, the failed one too
    again = run_trials(faulty, cands, seed=0, path=path)  # nothing left to run
    assert key(again) == key(trials)


def test_several_dying_workers_in_one_search():
    executors.default_pool(2)
    modes = ["crash", "ok", "kill", "ok", "segfault", "ok", "crash", "ok"]
    trials = run_trials(faulty, [{"mode": m, "loss": 0.5} for m in modes], seed=0)
    assert [t.status for t in trials] == ["failed" if m != "ok" else "ok" for m in modes]


@pytest.mark.parametrize("make", [None, "default", "threads", "processes"])
def test_sys_exit_in_an_objective_is_a_failed_trial_everywhere(make):
    from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

    pool = {"threads": ThreadPoolExecutor, "processes": ProcessPoolExecutor}.get(make)
    cands = [{"mode": "ok", "loss": 0.5}, {"mode": "exit"}, {"mode": "ok", "loss": 0.25}]
    if pool is None:
        trials = run_trials(faulty, cands, seed=0, executor=make)
    else:
        with pool(max_workers=2) as ex:
            trials = run_trials(faulty, cands, seed=0, executor=ex)
    assert [t.status for t in trials] == ["ok", "failed", "ok"]
    assert "SystemExit: 3" in trials[1].error


# --- 3. parameter values that JSON cannot hold ---------------------------------------------------

TYPED_SPACE = {
    "hidden": Choice([(32,), (64, 32)]),  # tuples: layer widths
    "batch_size": Choice(np.array([16, 32, 64])),  # NumPy integers
    "lr": LogUniform(1e-4, 1),
    "scale": Choice([np.float32(0.5), np.float32(2.0)]),
}


def typed_objective(params, rng, report):
    assert isinstance(params["hidden"], tuple)
    return synthetic({"lr": params["lr"], "steps": 2}, rng, report)


@pytest.mark.parametrize("suffix", [".json", ".csv"])
def test_tuples_and_numpy_scalars_round_trip_exactly(tmp_path, suffix):
    path = tmp_path / f"typed{suffix}"
    trials = random_search(typed_objective, TYPED_SPACE, 8, seed=0, executor=None, path=path)
    back = load_trials(path)
    assert len(back) == len(trials) == 8
    for t, b in zip(trials, back, strict=True):
        assert b.params == t.params
        assert [type(v) for v in b.params.values()] == [type(v) for v in t.params.values()]
    assert {type(t.params["batch_size"]) for t in back} == {np.int64}
    assert {type(t.params["scale"]) for t in back} == {np.float32}
    resumed = random_search(typed_objective, TYPED_SPACE, 8, seed=0, executor=None, path=path)
    assert [t.duration for t in resumed] == [t.duration for t in back]  # loaded, not rerun
    narrowed = zoom(TYPED_SPACE, back, top=2)
    assert set(narrowed["hidden"].options) <= {(32,), (64, 32)}


def test_values_a_file_cannot_hold_are_refused_before_the_first_trial(tmp_path):
    calls = []

    def objective(params, rng, report):
        calls.append(params)
        return 0.0

    path = tmp_path / "s.json"
    space = {"lr": LogUniform(1e-4, 1), "act": Choice([ReLU, Tanh])}
    with pytest.raises(TypeError, match=r"parameter 'act' of trial 0 is <class .*(ReLU|Tanh)'>"):
        random_search(objective, space, 4, seed=0, executor=None, path=path)
    assert calls == []
    assert not path.exists()
    trials = random_search(objective, space, 4, seed=0, executor=None)  # no file: fine
    assert len(trials.ok) == 4


@pytest.mark.parametrize(
    ("where", "words"),
    [
        ("missing/dir/s.json", "the directory .* does not exist"),
        ("s.txt", r"path must end in \.json or \.csv"),
        (".", "is a directory"),
    ],
)
def test_a_bad_results_path_is_refused_before_the_first_trial(tmp_path, where, words):
    calls = []

    def objective(params, rng, report):
        calls.append(params)
        return 0.0

    path = tmp_path / where if where != "." else tmp_path / "dir.json"
    if where == ".":
        path.mkdir()
    with pytest.raises(ValueError, match=words):
        random_search(objective, SPACE, 2, seed=0, executor=None, path=path)
    assert calls == []


# --- 4. a damaged results file ---------------------------------------------------------------


def sixteen_trials():
    trials = random_search(typed_objective, TYPED_SPACE, 16, seed=0, executor=None)
    trials[5] = Trial(5, trials[5].params, None, [(1, math.nan)], "failed", 'E: "a, b"\nline 2')
    return trials


@pytest.mark.parametrize("suffix", [".json", ".csv"])
def test_a_file_cut_at_any_byte_never_loads_fewer_trials_silently(tmp_path, suffix):
    space = {"lr": LogUniform(1e-4, 1), "widths": Choice([(32,), (64, 32)]), "steps": 1}
    trials = random_search(synthetic, space, 16, seed=0, executor=None)
    trials[5] = Trial(5, trials[5].params, None, [], "failed", 'E: "a, b"\nline 2')
    path = tmp_path / f"cut{suffix}"
    save_trials(trials, path)
    size = path.stat().st_size
    complete = errors = recovered = 0
    for end in range(size - 1, -1, -1):  # every cut, from the last byte to the first
        os.truncate(path, end)
        try:
            back = load_trials(path)
        except ValueError as exc:
            message = str(exc)
            errors += 1
        else:  # complete but for the final newline (and, in CSV, the last cell's quote)
            assert key(back) == key(trials)
            complete += 1
            continue
        assert f"{str(path)!r} is " in message
        assert " at line " in message or "not a dlbasics trials file" in message
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                kept = load_trials(path, recover=True)
            except ValueError:  # the header itself is cut: not a trials file at all
                continue
        assert key(kept) == key([trials[t.id] for t in kept])  # the intact ones, exactly
        assert "skipped damage" in str(caught[0].message)  # never silently fewer
        recovered += len(kept)
    assert complete + errors == size
    assert complete <= 2
    assert recovered > 0


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda t: t.replace('"id": 7,', '"id": 6,'), "trial id 6 appears twice"),
        (lambda t: t.replace('"loss": 0.', '"loss": null, "x": 0.', 1), "is 'ok' but its loss"),
        (lambda t: t.replace('"status": "ok"', '"status": "done"', 1), "status must be"),
        (lambda t: t.replace('"loss": 0.', '"loss": "0.', 1), "line 2: not one JSON"),
        (lambda t: t.replace('"int64"', '"int99"', 1), "cannot be decoded"),
    ],
)
def test_hand_edits_are_refused_and_the_rest_recovered(tmp_path, edit, words):
    trials = sixteen_trials()
    path = tmp_path / "t.json"
    save_trials(trials, path)
    path.write_text(edit(path.read_text()))
    with pytest.raises(ValueError, match=rf"t\.json' is damaged at .*{words}"):
        load_trials(path)
    with pytest.warns(UserWarning, match="recovered 15 intact trials"):
        kept = load_trials(path, recover=True)
    assert len(kept) == 15
    assert key(kept) == key([trials[t.id] for t in kept])


def test_a_csv_row_deleted_by_hand_is_noticed(tmp_path):
    path = tmp_path / "t.csv"
    save_trials(sixteen_trials(), path)
    lines = path.read_text().split("\n")
    path.write_text("\n".join(lines[:3] + lines[4:]))
    with pytest.raises(ValueError, match="holds 15 rows but says 16"):
        load_trials(path)


def test_a_search_on_a_damaged_file_stops_before_running_anything(tmp_path):
    path = tmp_path / "s.json"
    random_search(synthetic, SPACE, 4, seed=0, executor=None, path=path)
    path.write_text(path.read_text()[:-30])
    with pytest.raises(ValueError, match=r"s\.json' is damaged at line .*recover=True"):
        random_search(synthetic, SPACE, 4, seed=0, executor=None, path=path)
    with pytest.warns(UserWarning, match="recovered 3 intact trials"):
        save_trials(load_trials(path, recover=True), path)  # the documented repair
    again = random_search(synthetic, SPACE, 4, seed=0, executor=None, path=path)
    assert key(again) == key(random_search(synthetic, SPACE, 4, seed=0, executor=None))
    assert len(load_trials(path)) == 4


def test_lock_file_and_no_temporary_files_left_behind(tmp_path):
    path = tmp_path / "s.json"
    random_search(synthetic, SPACE, 3, seed=0, executor=None, path=path)
    assert sorted(os.listdir(tmp_path)) == ["s.json", "s.json.lock"]
    assert Path(f"{path}.lock").stat().st_size == 0
