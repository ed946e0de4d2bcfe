"""Population-based training: who copies whom, what is copied, how it is perturbed, lineage."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dlbasics import Panda, load_digits_split
from dlbasics.distributions import Choice, LogUniform
from dlbasics.pbt import population_based_training
from helpers import key

DATA = load_digits_split()
SPACE = {"lr": LogUniform(0.01, 1), "batch_size": 128}


def pbt(**kw):
    kw = {"population": 8, "rounds": 4, "epochs": 1, "hidden": (8,), "seed": 0, **kw}
    space = kw.pop("space", SPACE)
    return population_based_training(*DATA, space, **kw)


@pytest.fixture(scope="module")
def pop():
    return pbt()


def record(pop, member, epoch):
    (t,) = [t for t in pop.trials if t.id == member and t.budget == epoch]
    return t


def test_every_member_has_a_record_per_round(pop):
    assert [t.key for t in pop.trials] == [(i, e) for i in range(8) for e in (1, 2, 3, 4)]
    assert all(t.status == "ok" and len(t.curve) == 1 for t in pop.trials)
    assert pop.trials.best.budget == 4


def test_the_bottom_quantile_copies_the_top_quantile(pop):
    assert len(pop.exploits) == 3 * 2  # ceil(0.25 * 8) = 2 members, after rounds 1, 2, 3
    for epoch in (1, 2, 3):
        ranked = sorted((t for t in pop.trials if t.budget == epoch), key=lambda t: (t.loss, t.id))
        top, bottom = {t.id for t in ranked[:2]}, {t.id for t in ranked[-2:]}
        now = [e for e in pop.exploits if e.epoch == epoch]
        assert {e.member for e in now} == bottom
        assert {e.source for e in now} <= top


def test_hyperparameters_are_the_sources_times_exactly_a_factor(pop):
    for e in pop.exploits:
        source = record(pop, e.source, e.epoch).params
        assert e.factors["lr"] in (0.8, 1.2)
        assert e.after == {**source, "lr": source["lr"] * e.factors["lr"]}
        assert e.before == record(pop, e.member, e.epoch).params
        assert record(pop, e.member, e.epoch + 1).params == e.after  # what it trains with next
    assert {e.factors["lr"] for e in pop.exploits} == {0.8, 1.2}


def test_other_factors_and_other_hyperparameters():
    space = {"lr": 0.1, "beta": Choice([0.5, 0.9]), "batch_size": Choice([64, 128])}
    pop = pbt(space=space, population=4, rounds=2, factors=(0.5, 2.0),
              perturb=("beta", "batch_size"))  # fmt: skip
    (e,) = pop.exploits
    source = record(pop, e.source, 1).params
    f = e.factors
    assert set(f) == {"beta", "batch_size"}
    assert set(f.values()) <= {0.5, 2.0}
    assert e.after["lr"] == source["lr"]  # not perturbed
    assert e.after["beta"] == max(0.0, 1 - (1 - source["beta"]) * f["beta"])  # 1 - beta scaled
    assert e.after["batch_size"] == round(source["batch_size"] * f["batch_size"])


def test_the_copy_holds_weights_and_optimizer_state():
    pop = pbt(population=4, rounds=2)
    (e,) = pop.exploits
    # replay: the source's run for one round, the copy's learning rate, a second round
    stream = np.random.SeedSequence(0, spawn_key=(e.source,)).spawn(2)[1]
    seed = int(np.random.default_rng(stream).integers(2**31))
    replay = Panda(*DATA, hidden=(8,), seed=seed, **record(pop, e.source, 1).params)
    replay.fit(1)
    replay.set(lr=e.after["lr"])
    replay.fit(1)
    copy = pop.pandas[e.member]
    for k, w in replay.model.params().items():
        np.testing.assert_array_equal(copy.model.params()[k], w)
        np.testing.assert_array_equal(copy.optimizer.state[k]["v"], replay.optimizer.state[k]["v"])
    assert copy.history["val_loss"] == replay.history["val_loss"]
    source_lr = record(pop, e.source, 1).params["lr"]
    assert copy.interventions == [
        {"epoch": 1, "changes": {"lr": [source_lr, e.after["lr"]]},
         "note": f"exploit member {e.source}, explore {e.factors}"}
    ]  # fmt: skip


def test_lineage_follows_the_copies_and_the_history_with_it(pop):
    for member, panda in enumerate(pop.pandas):
        line = pop.lineage(member)
        assert len(line) == 4
        assert line[-1] == member
        for r in range(3):  # weights changed hands after round r + 1 exactly when copied
            copied = [e for e in pop.exploits if e.epoch == r + 1 and e.member == line[r + 1]]
            assert (line[r] != line[r + 1]) == bool(copied)
            if copied:
                assert copied[0].source == line[r]
        # the run's learning curve is its lineage's: each round as its owner recorded it
        curve = [record(pop, owner, r + 1).loss for r, owner in enumerate(line)]
        assert panda.history["val_loss"] == curve
    never = {e.member for e in pop.exploits} ^ set(range(8))
    assert all(pop.lineage(i) == [i] * 4 for i in never if not _copied_into(pop, i))


def _copied_into(pop, member):
    return any(e.member == member for e in pop.exploits)


def test_diverged_members_copy_a_top_member():
    space = {"lr": Choice([0.1, 0.2, 1e30]), "batch_size": 128}  # 1e30 overflows
    pop = pbt(space=space, population=6, rounds=2)
    failed = [t for t in pop.trials if t.budget == 1 and t.status == "failed"]
    assert failed
    assert "diverged" in failed[0].error
    copied = {e.member for e in pop.exploits}
    assert {t.id for t in failed} <= copied
    assert all(record(pop, t.id, 2).status == "ok" for t in failed)


def test_same_seed_same_population_other_seed_other():
    a, b = pbt(population=4, rounds=2), pbt(population=4, rounds=2)
    c = pbt(population=4, rounds=2, seed=1)
    assert key(a.trials) == key(b.trials)
    assert a.exploits == b.exploits
    assert key(a.trials) != key(c.trials)


def test_members_start_as_a_random_searchs_trials():
    from dlbasics.space import sample

    pop = pbt(population=4, rounds=1)
    assert [t.params for t in pop.trials] == [sample(SPACE, 0, i) for i in range(4)]
    assert not pop.exploits  # nothing follows the last round
    assert math.isfinite(pop.trials.best.loss)
