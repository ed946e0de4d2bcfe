"""Bad and unusual input to the public API: a clear error, or a correct result. Never a
traceback from inside NumPy, never a silent wrong answer.

One row per case, read as: the call (evaluated in `NS` below), then either the exception and
the words its message must contain (the parameter, the value, what was expected), or
CORRECT and an expression about the result `r` that must hold. For every error, the
innermost frame of the traceback must be the package's own check.
"""

from __future__ import annotations

import math
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

import dlbasics
from dlbasics import executors
from dlbasics.objectives import faulty, synthetic
from dlbasics.runner import run_trial

CORRECT = "correct"
SRC = Path(dlbasics.__file__).parent

# fmt: off
CASES = [
    # --- distributions ---------------------------------------------------------------------------
    ("IntUniform(0, 10**20)", ValueError, ["high", "100000000000000000000", "2**53"]),
    ("IntUniform(-10**20, 0)", ValueError, ["low", "-100000000000000000000", "2**53"]),
    ("IntUniform(0, 2**53).sample(RNG) >= 0", CORRECT, "r is True"),
    ("IntUniform(0.5, 3)", TypeError, ["low must be an integer", "0.5"]),
    ("IntUniform(1, 3, log='yes')", TypeError, ["log must be True or False", "'yes'"]),
    ("IntUniform(0, 8, log=True)", ValueError, ["low must be >= 1 when log=True", "0"]),
    ("Uniform(-1e308, 1e308)", ValueError, ["high - low must be a finite", "-1e+308"]),
    ("Uniform(0, float('nan'))", TypeError, ["high must be a finite real number", "nan"]),
    ("Uniform(1, 1)", ValueError, ["low must be < high", "low=1, high=1"]),
    ("Uniform('0', 1)", TypeError, ["low must be a finite real number", "'0'"]),
    ("Uniform(True, 2)", TypeError, ["low must be a finite real number", "True"]),
    ("LogUniform(0, 1)", ValueError, ["low must be > 0", "low=0"]),
    ("LogUniform(1e-300, 1e300).sample(RNG)", CORRECT, "1e-300 <= r <= 1e300"),
    ("ReverseLogUniform(0.9, 1.0)", ValueError, ["high must be in (0, 1)", "1.0"]),
    ("Choice([])", ValueError, ["options must not be empty"]),
    ("Choice('abc')", TypeError, ["options must be a list", "'abc'"]),
    ("Choice(np.arange(3)).sample(RNG)", CORRECT, "type(r) is np.int64"),
    ("Choice(np.ones((2, 2)))", TypeError, ["options must be a list", "1-D array"]),
    ("Uniform(0, 1).sample(0)", TypeError, ["rng must be a numpy.random.Generator", "0"]),
    ("Uniform(0, 1).grid(0)", ValueError, ["n must be an integer >= 1", "0"]),
    ("Uniform(0, 1).grid(2.0)", TypeError, ["n must be an integer >= 1", "2.0"]),
    ("Uniform(0, 1).narrow([])", ValueError, ["values must hold at least one value"]),
    ("Uniform(0, 1).narrow([0.5], margin=-1)", ValueError, ["margin must be", ">= 0", "-1"]),
    # --- search ------------------------------------------------------------------------------
    ("grid(SPACE, {'learning_rate': 5})", ValueError, ["points_per_axis", "'learning_rate'"]),
    ("grid(SPACE, {'lr': 0})", ValueError, ["points_per_axis for 'lr'", ">= 1", "0"]),
    ("grid(SPACE, 2.5)", TypeError, ["points_per_axis for 'lr' must be an integer", "2.5"]),
    ("grid([], 3)", TypeError, ["space must be a dict", "[]"]),
    ("grid({}, 3)", ValueError, ["space must not be empty"]),
    ("search(trial_ids=[0.7])", TypeError, ["trial_ids must be", "integer", "0.7"]),
    ("search(trial_ids=[True])", TypeError, ["trial_ids must be", "True"]),
    ("search(trial_ids=[4])", ValueError, ["trial_ids must be", "[0, 4)", "[4]"]),
    ("search(trial_ids=[])", ValueError, ["trial_ids must be non-empty", "[]"]),
    ("search(trial_ids=3)", TypeError, ["trial_ids must be", "got 3"]),
    ("search(trial_ids='01')", TypeError, ["trial_ids must be", "'01'"]),
    ("[t.id for t in search(trial_ids=np.array([1, 3]))]", CORRECT, "r == [1, 3]"),
    ("search(n=0)", ValueError, ["n_trials must be an integer >= 1", "0"]),
    ("search(n=2.0)", TypeError, ["n_trials must be an integer >= 1", "2.0"]),
    ("search(seed=-1)", ValueError, ["seed must be an integer >= 0", "-1"]),
    ("search(seed=None)", TypeError, ["seed must be an integer >= 0", "None"]),
    ("search(executor='dask')", TypeError, ["executor must be 'default', None", "'dask'"]),
    ("search(path=TMP / 'no' / 'such' / 'dir.json')", ValueError, ["does not exist", "dir"]),
    ("search(path=TMP / 'trials.txt')", ValueError, ["path must end in .json or .csv"]),
    ("search(path=3)", TypeError, ["path must be a str or os.PathLike", "3"]),
    ("random_search('f', SPACE, 2, executor=None)", TypeError, ["objective must be callable"]),
    ("run_trials(synthetic, [], executor=None)", ValueError, ["candidates must not be empty"]),
    ("ACT_SEARCH()", TypeError, ["parameter 'act' of trial 0", "a results file cannot hold"]),
    ("NAN_SEARCH()", TypeError, ["parameter 'x' of trial 0", "nan", "finite floats only"]),
    ("zoom(SPACE, [], top=1)", ValueError, ["zoom needs at least one successful trial"]),
    ("zoom(SPACE, OK_TRIALS, top=0)", ValueError, ["top must be an integer >= 1", "0"]),
    ("zoom(SPACE, OK_TRIALS, margin='0.1')", TypeError, ["margin must be a real", "'0.1'"]),
    ("trial_of('0.25').error", CORRECT, "\"returned '0.25' (str)\" in r"),
    ("trial_of(True).error", CORRECT, "'returned True (bool)' in r"),
    ("trial_of(None).error", CORRECT, "'returned None' in r"),
    ("trial_of(1 + 2j).error", CORRECT, "'returned (1+2j) (complex)' in r"),
    ("trial_of(float('inf')).error", CORRECT, "'non-finite loss: inf' in r"),
    ("trial_of(np.float32(0.5)).loss", CORRECT, "r == 0.5 and type(r) is float"),
    ("trial_of(np.array(0.25)).loss", CORRECT, "r == 0.25"),
    ("trial_of(3).loss", CORRECT, "r == 3.0"),
    ("trial_of(SystemExit(2)).status", CORRECT, "r == 'failed'"),
    ("halve(min_budget=9, max_budget=3)", ValueError, ["min_budget must be <= max_budget", "9"]),
    ("halve(eta=1)", ValueError, ["eta must be an integer >= 2", "1"]),
    ("halve(eta=2.5)", TypeError, ["eta must be an integer >= 2", "2.5"]),
    ("halve(max_budget=10)", ValueError, ["max_budget must be min_budget * eta**k", "9 or 27"]),
    ("halve(min_budget=0)", ValueError, ["min_budget must be an integer >= 1", "0"]),
    ("halve(max_budget=9.0)", TypeError, ["max_budget must be an integer >= 1", "9.0"]),
    ("halve(n=0)", ValueError, ["n_trials must be an integer >= 1", "0"]),
    ("halve(seed=-1)", ValueError, ["seed must be an integer >= 0", "-1"]),
    ("halve(asynchronous='yes')", TypeError, ["asynchronous must be True or False", "'yes'"]),
    ("halve(objective=synthetic)", TypeError, ["takes no `budget` keyword", "synthetic"]),
    ("halve(objective=None)", TypeError, ["objective must be callable", "None"]),
    ("halve(space={})", ValueError, ["space must not be empty"]),
    ("halve(path=TMP / 'h.txt')", ValueError, ["path must end in .json or .csv"]),
    ("sorted(t.budget for t in halve(n=2, max_budget=3))", CORRECT, "r == [1, 1, 3]"),
    ("rungs(3, 4, 2)", ValueError, ["min_budget must be <= max_budget", "min_budget=4 > 2"]),
    ("pbt(population=1)", ValueError, ["population must be an integer >= 2", "1"]),
    ("pbt(rounds=0)", ValueError, ["rounds must be an integer >= 1", "0"]),
    ("pbt(epochs=1.5)", TypeError, ["epochs must be an integer >= 1", "1.5"]),
    ("pbt(quantile=0.6)", ValueError, ["quantile must be a number in (0, 0.5]", "0.6"]),
    ("pbt(quantile=0)", ValueError, ["quantile must be a number in (0, 0.5]", "0"]),
    ("pbt(factors=(0.8, -1))", ValueError, ["each of factors must be a finite number > 0", "-1"]),
    ("pbt(factors=())", ValueError, ["factors must hold at least one factor"]),
    ("pbt(perturb=('momentum',))", ValueError, ["perturb must be a list of names", "momentum"]),
    ("pbt(perturb='lr')", TypeError, ["perturb must be a list", "'lr'"]),
    ("pbt(factors=1.2)", TypeError, ["factors must be a list", "1.2"]),
    ("pbt(quantile='0.25')", TypeError, ["quantile must be a number", "'0.25'"]),
    ("pbt(space={'beta': 0.9})", ValueError, ["space must give lr", "['beta']"]),
    ("pbt(space={'lr': 0.1, 'eps': 1e-8})", ValueError, ["space must give lr", "'eps'"]),
    ("pbt(workdir=TMP / 'nowhere')", ValueError, ["workdir", "nowhere", "not an existing"]),
    ("pbt(space={'lr': -0.1})", ValueError, ["lr must be a finite number > 0", "-0.1"]),
    ("executors.default_pool(0)", ValueError, ["max_workers must be an integer >= 1", "0"]),
    ("executors.default_pool(1.5)", TypeError, ["max_workers must be an integer >= 1", "1.5"]),
    # --- results files -----------------------------------------------------------------------
    ("save_trials([LOST], TMP / 'lost.json')", ValueError, ["trial 0 is 'lost'", "not saved"]),
    ("save_trials([OK, OK], TMP / 'twice.json')", ValueError, ["distinct ids", "[0]"]),
    ("save_trials([], TMP / 'empty.csv')", ValueError, ["a CSV file needs one"]),
    ("load_trials(save_empty_json())", CORRECT, "r == []"),
    ("save_trials([CLASS_TRIAL], TMP / 'c.json')", TypeError, ["parameter 'act' of trial 0"]),
    ("save_trials([Trial(0, {})], TMP / 'n.json')", ValueError, ["trial 0 is 'ok' but its loss"]),
    ("save_trials([Trial(0.5, {})], TMP / 'n.json')", ValueError, ["id must be", "0.5"]),
    ("save_trials([Trial(0, {}, 'abc')], TMP / 'n.json')", ValueError, ["its loss is 'abc'"]),
    ("save_trials([Trial(0, {}, math.nan)], TMP / 'n.json')", ValueError, ["its loss is nan"]),
    ("save_trials([Trial(0, {}, 1, status='done')], TMP / 'n.json')", ValueError, ["'done'"]),
    ("load_trials(TMP / 'missing.json')", FileNotFoundError, ["missing.json"]),
    ("load_trials(text_file('{\"a\": 1}'))", ValueError, ["is not a dlbasics trials file"]),
    ("load_trials(text_file('[1, 2]'))", ValueError, ["is not a dlbasics trials file"]),
    ("load_trials(text_file('nonsense'))", ValueError, ["is not a dlbasics trials file"]),
    ("load_trials(text_file(''))", ValueError, ["is not a dlbasics trials file"]),
    ("load_trials(csv_file('a,b\\n1,2\\n'))", ValueError, ["is not a dlbasics trials file"]),
    ("load_trials(csv_file(''))", ValueError, ["is not a dlbasics trials file"]),
    ("load_trials(edited('\"id\": 1,', '\"id\": 0,'))", ValueError, ["line 3", "appears twice"]),
    ("load_trials(edited('\"id\": 1,', '\"id\": -1,'))", ValueError, ["id must be", "-1"]),
    ("load_trials(edited('\"id\": 1,', '\"id\": 1.0,'))", ValueError, ["id must be", "1.0"]),
    ("load_trials(edited('\"loss\": 0.', '\"loss\": null, \"x\": 0.'))", ValueError, ["loss"]),
    ("load_trials(edited('\"loss\": 0.', '\"loss\": true, \"x\": 0.'))", ValueError, ["True"]),
    ("load_trials(edited('\"status\": \"ok\"', '\"status\": \"lost\"'))", ValueError, ["'lost'"]),
    ("load_trials(edited('\"curve\": []', '\"curve\": [7]'))", ValueError, ["curve must be"]),
    ("load_trials(edited('\"params\": {', '\"params\": [{'))", ValueError, ["line 2"]),
    ("load_trials(edited('\"duration\": 0.0', '\"duration\": -1'))", ValueError, ["-1"]),
    ("load_trials(edited('\"version\": 2', '\"version\": 9'))", ValueError, ["version 9"]),
    ("len(load_trials(edited(' ', '  ', 1)))", CORRECT, "r == 3"),  # re-spaced: still read
    # --- optimizers --------------------------------------------------------------------------
    ("setattr(Adam(0.1), 'beta1', 1.0)", ValueError, ["beta1 must be in [0, 1)", "1.0"]),
    ("setattr(Adam(0.1), 'beta2', -0.1)", ValueError, ["beta2 must be in [0, 1)", "-0.1"]),
    ("setattr(Adam(0.1), 'eps', 0)", ValueError, ["eps must be", "0"]),
    ("setattr(Adam(0.1), 'lr', float('nan'))", ValueError, ["lr must be", "> 0", "nan"]),
    ("setattr(Momentum(0.1), 'beta', '0.9')", TypeError, ["beta must be a real", "'0.9'"]),
    ("setattr(RMSprop(0.1), 'eps', 5e-324)", ValueError, ["eps must be", "1e-30", "5e-324"]),
    ("Adam(0.1, eps=5e-324)", ValueError, ["eps must be a finite number >= 1e-30", "5e-324"]),
    ("Adam(lr=0)", ValueError, ["lr must be a finite number > 0", "0"]),
    ("Adam(lr=True)", TypeError, ["lr must be a real number", "True"]),
    ("Momentum(0.1, beta=1)", ValueError, ["beta must be in [0, 1)", "1"]),
    ("rmsprop_step(W, W, -W, 0.1)", ValueError, ["s must be >= 0", "-1.0"]),
    ("adam_step(W, W, W, -W, 1, 0.1)", ValueError, ["s must be >= 0", "-1.0"]),
    ("adam_step(W, W, W * np.nan, W, 1, 0.1)", ValueError, ["v must be finite", "nan"]),
    ("adam_step(W, W, W, W, 0, 0.1)", ValueError, ["t must be an integer >= 1", "0"]),
    ("adam_step(W, W, W, W, 1.0, 0.1)", TypeError, ["t must be an integer >= 1", "1.0"]),
    ("adam_step(W, W, W, W, 1, 0.1, eps=5e-324)", ValueError, ["eps must be", "5e-324"]),
    ("gd_step(W, W[:2], 0.1)", ValueError, ["dw must have shape (3,)", "(2,)"]),
    ("gd_step(W, W * 1j, 0.1)", TypeError, ["dw must have a real numeric dtype", "complex"]),
    ("gd_step(W, [1, 'a', 2], 0.1)", TypeError, ["dw must have a real numeric dtype"]),
    ("gd_step(W, W * np.inf, 0.1)", ValueError, ["dw must be finite", "learning rate"]),
    ("gd_step(W16, W16, 0.1)", TypeError, ["w must be float32 or float64", "float16"]),
    ("gd_step([1, 2], [0.5, 0.5], 0.1)", CORRECT, "r.tolist() == [0.95, 1.95]"),
    ("momentum_step(W, W, W[:1], 0.1)", ValueError, ["v must have shape (3,)", "(1,)"]),
    ("step(GD(0.5), {'w': ONES()}, {'w': [1.0, 2.0, 0.0]})", CORRECT, "r.tolist() == [.5, 0, 1]"),
    ("step(GD(0.1), {'w': ONES()}, {'w': ONES() * 1j})", TypeError, ["grads['w']", "complex"]),
    ("step(GD(0.1), {'w': READONLY()}, {'w': ONES()})", TypeError, ["params['w']", "read-only"]),
    ("step(GD(0.1), {'w': [1.0, 2.0]}, {'w': ONES()})", TypeError, ["params['w']", "list"]),
    ("step(Adam(0.1), {'w': ONES16()}, {'w': ONES()})", TypeError, ["params['w']", "float16"]),
    ("step(GD(0.1), {'w': ONES()}, {})", KeyError, ["grads has no entry for parameter 'w'"]),
    ("step(GD(0.1), {'w': ONES()}, {'w': ONES()[:2]})", ValueError, ["parameter 'w'", "(2,)"]),
    ("step(RMSprop(0.1), {'w': ONES()}, {'w': ONES() * np.nan})", ValueError, ["'w'", "nan"]),
    ("step(Adam(0.1), {'w': ONES32()}, {'w': ONES()})", CORRECT, "r.dtype == np.float32"),
    ("step(Adam(0.1, eps=1e-30), {'w': ONES32()}, {'w': ZEROS()})", CORRECT, "(r == 1).all()"),
    # --- schedules ---------------------------------------------------------------------------
    ("ExponentialDecay(0.1)(20_000)", CORRECT, "r == LR_FLOOR > 0"),
    ("StaircaseDecay(0.1, drop=0.5, every=1)(5_000)", CORRECT, "r == LR_FLOOR"),
    ("InverseTimeDecay(1e-300, 1e10)(10**9)", CORRECT, "r == LR_FLOOR"),
    ("ExponentialDecay(0.1)(10**30)", CORRECT, "r == LR_FLOOR"),
    ("set_lr(ExponentialDecay(0.1)(20_000))", CORRECT, "r == LR_FLOOR"),
    ("ExponentialDecay(0.1)(0)", ValueError, ["epoch_num must be an integer >= 1", "0"]),
    ("ExponentialDecay(0.1)(1.5)", TypeError, ["epoch_num must be an integer >= 1", "1.5"]),
    ("ExponentialDecay(0.1, base=1.5)", ValueError, ["base must be in (0, 1]", "1.5"]),
    ("StaircaseDecay(0.1, every=0)", ValueError, ["every must be an integer >= 1", "0"]),
    ("InverseTimeDecay(0.1, -1)", ValueError, ["decay_rate must be a finite number >= 0"]),
    ("SqrtDecay(0.1, k=0)", ValueError, ["k must be a finite number > 0", "0"]),
    ("ManualSchedule({2: 0.1})", ValueError, ["table must give the rate of epoch 1"]),
    ("ManualSchedule([0.1, -0.1])", ValueError, ["table[2] must be a finite number > 0"]),
    ("ManualSchedule('0.1')", TypeError, ["table must be a mapping or a sequence", "str"]),
    # --- averages ----------------------------------------------------------------------------
    ("ewa([], 0.9)", CORRECT, "r.shape == (0,)"),
    ("ewa(np.zeros((0, 3)), 0.9, bias_correction=True)", CORRECT, "r.shape == (0, 3)"),
    ("ewa(5.0, 0.9)", ValueError, ["values must be a series", "scalar"]),
    ("ewa([1.0, np.nan], 0.9)", ValueError, ["values must be finite", "nan"]),
    ("ewa(['a'], 0.9)", TypeError, ["values must have a real numeric dtype"]),
    ("ewa([1.0], 1.0)", ValueError, ["beta must be in [0, 1)", "1.0"]),
    ("ewa([1.0], 0.9, bias_correction=1)", TypeError, ["bias_correction must be True or False"]),
    ("ewa(np.ones(3, np.float16), 0.9)", TypeError, ["values must be float32 or float64"]),
    ("ewa_window(1)", ValueError, ["beta must be in [0, 1)", "1"]),
    # --- batch norm --------------------------------------------------------------------------
    ("batchnorm_forward(np.ones((5, 0)), [], [])", ValueError, ["at least one feature", "(5, 0)"]),
    ("batchnorm_forward(np.ones((0, 2)), G2, B2)", ValueError, ["more than 1 value", "(0, 2)"]),
    ("batchnorm_forward(np.ones((1, 2)), G2, B2)", ValueError, ["more than 1 value", "(1, 2)"]),
    ("batchnorm_forward(np.ones((4, 2, 0, 3)), G2, B2)", ValueError, ["more than 1 value"]),
    ("batchnorm_forward(np.ones(4), G2, B2)", ValueError, ["z must be 2 or 4-dimensional"]),
    ("batchnorm_forward(Z2 * 1j, G2, B2)", TypeError, ["z must have a real numeric", "complex"]),
    ("batchnorm_forward(Z2.astype(np.float16), G2, B2)", TypeError, ["z must be float32 or"]),
    ("batchnorm_forward(Z2, G2[:1], B2)", ValueError, ["gamma must have shape (2,)", "(1,)"]),
    ("batchnorm_forward(Z2, G2, B2, eps=0)", ValueError, ["eps must be a finite number > 0"]),
    ("batchnorm_forward(Z2.astype(np.float32), G2, B2)[0].dtype", CORRECT, "r == np.float32"),
    ("batchnorm_forward(np.asfortranarray(Z2), G2, B2)[0]", CORRECT, "np.allclose(r, BN_Z2)"),
    ("batchnorm_backward(Z2, 'cache')", TypeError, ["cache must be the BatchNormCache", "str"]),
    ("batchnorm_backward(Z2[:2], CACHE)", ValueError, ["dout must have shape (4, 2)", "(2, 2)"]),
    ("BatchNorm(0)", ValueError, ["n_features must be an integer >= 1", "0"]),
    ("BatchNorm(2, rho=1.0)", ValueError, ["rho must be in [0, 1)", "1.0"]),
    ("setattr(BatchNorm(2), 'rho', 1.5)", ValueError, ["rho must be in [0, 1)", "1.5"]),
    ("setattr(BatchNorm(2), 'eps', -1)", ValueError, ["eps must be a finite number > 0", "-1"]),
    ("setattr(BatchNorm(2), 'unbiased', 'no')", TypeError, ["unbiased must be True or False"]),
    ("BatchNorm(2).forward(np.ones((4, 3)))", ValueError, ["3 features", "n_features=2"]),
    ("BatchNorm(2).backward(Z2)", RuntimeError, ["needs a training-mode forward first"]),
    ("BatchNorm(2).eval().forward(np.ones((0, 2))).shape", CORRECT, "r == (0, 2)"),
    ("rho_from_torch_momentum(None)", TypeError, ["momentum must be a real", "cumulative=True"]),
    ("rho_from_torch_momentum(0)", ValueError, ["momentum must be in (0, 1]", "0"]),
    ("rho_to_keras_momentum(1)", ValueError, ["rho must be in [0, 1)", "1"]),
    # --- gradient checking -------------------------------------------------------------------
    ("rel_error(1 + 5j, 1)", TypeError, ["a must have a real numeric dtype", "complex"]),
    ("rel_error([1.0], np.array([1 + 5j]))", TypeError, ["b must have a real numeric", "complex"]),
    ("rel_error([1.0, 2.0], [1.0])", ValueError, ["same shape", "(2,) and (1,)"]),
    ("rel_error([], [])", CORRECT, "r == 0.0"),
    ("rel_error([0.0], [0.0])", CORRECT, "r == 0.0"),
    ("numerical_gradient(lambda: 0.0, [1.0])", TypeError, ["x must be a float64 ndarray", "list"]),
    ("numerical_gradient(lambda: 0.0, W32())", TypeError, ["x must be a float64", "float32"]),
    ("numerical_gradient(lambda: 0.0, ONES(), eps=0)", ValueError, ["eps must be a finite"]),
    ("check_gradient(lambda: 0.0, ONES(), 'x')", TypeError, ["analytic must have a real"]),
    ("check_gradient(lambda: 0.0, ONES(), ZEROS(), rtol=-1)", ValueError, ["rtol must be"]),
    # --- layers and network ------------------------------------------------------------------
    ("MLP(5)", TypeError, ["sizes must be a list of integers", "[64, 32, 10]", "got 5"]),
    ("MLP('64')", TypeError, ["sizes must be a list of integers", "'64'"]),
    ("MLP([4])", ValueError, ["sizes must list at least input and output widths", "[4]"]),
    ("MLP([4, 2.5, 3])", TypeError, ["sizes[1] must be an integer >= 1", "2.5"]),
    ("MLP([4, 0, 3])", ValueError, ["sizes[1] must be an integer >= 1", "0"]),
    ("MLP(np.array([4, 8, 3])).sizes", CORRECT, "r == [4, 8, 3]"),
    ("MLP([4, 3], activation='gelu')", ValueError, ["activation must be one of", "'gelu'"]),
    ("MLP([4, 3], activation=None)", ValueError, ["activation must be one of", "None"]),
    ("MLP([4, 3], batchnorm=1)", TypeError, ["batchnorm must be True or False", "1"]),
    ("MLP([4, 3], bn_kwargs=0.9)", TypeError, ["bn_kwargs must be a dict", "0.9"]),
    ("MLP([4, 3], dtype=np.float16)", TypeError, ["dtype must be float32 or float64"]),
    ("MLP([4, 3], dtype=int)", TypeError, ["dtype must be a floating-point type", "int64"]),
    ("MLP([4, 3]).forward(np.ones((2, 5)))", ValueError, ["x must have shape (m, 4)", "(2, 5)"]),
    ("MLP([4, 3]).forward(np.ones((2, 4), np.float16))", TypeError, ["x must be float32"]),
    ("MLP([2, 3]).loss(X, Y.astype(float))", TypeError, ["y must hold integer class labels"]),
    ("MLP([2, 3]).loss(X, Y + 5)", ValueError, ["y must be in 0..2", "labels in"]),
    ("Dense(2, 3).backward(np.ones((1, 3)))", RuntimeError, ["backward called before forward"]),
    ("Dense(2, 3, dtype=np.float16)", TypeError, ["dtype must be float32 or float64"]),
    ("ReLU().forward(np.ones(2) * 1j)", TypeError, ["x must have a real numeric", "complex"]),
    ("softmax_cross_entropy(np.ones((2, 3)), [0, 3])", ValueError, ["labels y must be in 0..2"]),
    ("softmax_cross_entropy(np.ones((0, 3)), np.zeros(0, int))", ValueError, ["at least one"]),
    ("softmax_cross_entropy(np.ones((2, 3)), [0.0, 1.0])", TypeError, ["y must hold integer"]),
    ("fit(X_NAN, Y)", ValueError, ["x must be finite", "nan", "check the data"]),
    ("fit(X, Y, x_val=X_NAN, y_val=Y)", ValueError, ["x_val must be finite", "nan"]),
    ("fit(X, Y, epochs=0)", ValueError, ["epochs must be an integer >= 1", "0"]),
    ("fit(X, Y, batch_size=100)", ValueError, ["batch_size=100 exceeds the 40 training"]),
    ("fit(X, Y, x_val=X)", ValueError, ["give both x_val and y_val, or neither"]),
    ("fit(X, Y, seed=-2)", ValueError, ["seed must be an integer >= 0", "-2"]),
    ("len(fit(X, Y, schedule=ExponentialDecay(0.1, base=1e-300)).lr)", CORRECT, "r == 2"),
    # --- batches and data --------------------------------------------------------------------
    ("num_batches(-1, 4)", ValueError, ["m must be an integer >= 0", "-1"]),
    ("num_batches(10, 0)", ValueError, ["batch_size must be an integer >= 1", "0"]),
    ("list(minibatches(X, Y[:3], 4))", ValueError, ["y", "3"]),
    ("list(minibatches(X, Y, 4, shuffle='no'))", TypeError, ["shuffle must be True or False"]),
    ("gaussian_blobs(10, 2, 1)", ValueError, ["k must be an integer >= 2", "1"]),
    ("gaussian_blobs(10, 2, 2, spread=0)", ValueError, ["spread must be a finite number > 0"]),
    ("load_digits_split(test_size=1.0)", ValueError, ["test_size must be in (0, 1)", "1.0"]),
    ("load_digits_split(test_size='0.2')", TypeError, ["test_size must be a real", "'0.2'"]),
    # --- Panda -------------------------------------------------------------------------------
    ("Panda(X, Y, X, Y, hidden=(32.7,), lr=0.1)", TypeError, ["hidden[0] must be", "32.7"]),
    ("Panda(X, Y, X, Y, hidden=(0,), lr=0.1)", ValueError, ["hidden[0] must be", ">= 1", "0"]),
    ("Panda(X, Y, X, Y, hidden=32, lr=0.1)", TypeError, ["hidden must be a list", "(32,)"]),
    ("Panda(X[:, 0], Y, X, Y, lr=0.1)", ValueError, ["x must be 2-dimensional", "(40,)"]),
    ("Panda(X, Y * 1.0, X, Y, lr=0.1)", TypeError, ["y must hold integer class labels"]),
    ("Panda(X, Y, X, Y, lr=0)", ValueError, ["lr must be a finite number > 0", "0"]),
    ("Panda(X, Y, X, Y, lr=0.1, seed=GEN)", TypeError, ["seed must be an integer >= 0"]),
    ("RUN.fit(1.9)", TypeError, ["epochs must be an integer >= 1", "1.9"]),
    ("RUN.fit(-1)", ValueError, ["epochs must be an integer >= 1", "-1"]),
    ("RUN.set(momentum=0.9)", ValueError, ["can only set lr, beta, batch_size", "momentum"]),
    ("RUN.set(beta=1.0)", ValueError, ["beta must be in [0, 1)", "1.0"]),
    ("Panda.load(TRUNCATED, X, Y, X, Y)", ValueError, ["truncated.npz", "truncated or damaged"]),
    ("Panda.load(NO_WEIGHT, X, Y, X, Y)", ValueError, ["no_weight.npz", "no array 'param/0.W'"]),
    ("Panda.load(BAD_SHAPE, X, Y, X, Y)", ValueError, ["'param/0.W' has shape (1, 1)"]),
    ("Panda.load(NO_META, X, Y, X, Y)", ValueError, ["is not a Panda checkpoint"]),
    ("Panda.load(OTHER_ZIP, X, Y, X, Y)", ValueError, ["is not a Panda checkpoint"]),
    ("Panda.load(CHECKPOINT, X * 2, Y, X, Y)", ValueError, ["the data differ"]),
    ("Panda.load(CHECKPOINT, X, Y, X, Y).epoch", CORRECT, "r == 1"),
]
# fmt: on


def _namespace(tmp: Path) -> dict:
    """The names the calls above use: arrays, a small data set, files with defects."""
    ns = {name: getattr(dlbasics, name) for name in dlbasics.__all__}
    x, y = dlbasics.gaussian_blobs(40, 2, 3, seed=0)
    x_nan = x.copy()
    x_nan[3, 1] = np.nan
    space = {"lr": dlbasics.LogUniform(1e-4, 1), "steps": 2}
    z2 = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 31.0], [4.0, 40.0]])

    def readonly():
        w = np.ones(3)
        w.flags.writeable = False
        return w

    def step(opt, params, grads):
        opt.step(params, grads)
        return params["w"]

    def set_lr(lr):
        opt = dlbasics.GD(0.1)
        opt.lr = lr
        return opt.lr

    def search(n=4, **kw):
        kw.setdefault("executor", None)
        return dlbasics.random_search(synthetic, space, n, **kw)

    def halve(n=4, objective=dlbasics.objectives.digits_mlp, space=space, **kw):
        kw = {"min_budget": 1, "max_budget": 9, **kw}
        return dlbasics.successive_halving(objective, space, n, **kw)

    def pbt(space=None, **kw):
        kw = {"population": 2, "rounds": 1, "epochs": 1, **kw}
        space = {"lr": 0.1} if space is None else space
        return dlbasics.population_based_training(x, y, x, y, space, **kw)

    def fit(xs, ys, **kw):
        kw = {"epochs": 2, "batch_size": 8, **kw}
        return dlbasics.train(dlbasics.MLP([2, 4, 3]), xs, ys, dlbasics.GD(0.1), **kw)

    def trial_of(value):
        def objective(params, rng, report):
            if isinstance(value, BaseException):
                raise value
            return value

        return run_trial(objective, 0, {}, 0)

    def text_file(text, name="t.json"):
        (tmp / name).write_text(text)
        return tmp / name

    ok = dlbasics.Trial(0, {"lr": 0.1}, loss=0.5)
    good = tmp / "good.json"
    failed = dlbasics.Trial(2, {}, status="failed")
    dlbasics.save_trials([ok, dlbasics.Trial(1, {"lr": 0.2}, loss=0.4), failed], good)

    def edited(old, new, count=1):
        return text_file(good.read_text().replace(old, new, count), "edited.json")

    def save_empty_json():
        dlbasics.save_trials([], tmp / "empty.json")
        return tmp / "empty.json"

    run = dlbasics.Panda(x, y, x, y, lr=0.1, batch_size=8)
    run.fit(1)
    checkpoint = tmp / "checkpoint.npz"
    run.save(checkpoint)
    with np.load(checkpoint) as f:
        arrays = {k: f[k] for k in f.files}
    (tmp / "truncated.npz").write_bytes(checkpoint.read_bytes()[:-100])
    np.savez(tmp / "no_weight.npz", **{k: v for k, v in arrays.items() if k != "param/0.W"})
    np.savez(tmp / "bad_shape.npz", **{**arrays, "param/0.W": np.ones((1, 1))})
    np.savez(tmp / "no_meta.npz", **{k: v for k, v in arrays.items() if k != "meta"})
    with zipfile.ZipFile(tmp / "other.npz", "w") as z:
        z.writestr("readme.txt", "not arrays")

    def act_search():
        space = {"lr": 0.1, "act": dlbasics.Choice([dlbasics.ReLU, dlbasics.Tanh])}
        return dlbasics.random_search(synthetic, space, 2, executor=None, path=tmp / "act.json")

    def nan_search():
        return dlbasics.run_trials(synthetic, [{"lr": 0.1, "x": math.nan}], executor=None,
                                   path=tmp / "nan.json")  # fmt: skip

    ns |= {
        "np": np, "math": math, "RNG": np.random.default_rng(0), "GEN": np.random.default_rng(0),
        "SPACE": space, "TMP": tmp, "X": x, "Y": y, "X_NAN": x_nan,
        "W": np.ones(3), "W16": np.ones(3, np.float16), "W32": lambda: np.ones(3, np.float32),
        "ONES": lambda: np.ones(3), "ZEROS": lambda: np.zeros(3), "READONLY": readonly,
        "ONES16": lambda: np.ones(3, np.float16), "ONES32": lambda: np.ones(3, np.float32),
        "G2": np.ones(2), "B2": np.zeros(2), "Z2": z2,
        "BN_Z2": dlbasics.batchnorm_forward(z2, np.ones(2), np.zeros(2))[0],
        "CACHE": dlbasics.batchnorm_forward(z2, np.ones(2), np.zeros(2))[1],
        "LR_FLOOR": dlbasics.schedules.LR_FLOOR, "executors": executors,
        "synthetic": synthetic, "faulty": faulty, "ThreadPoolExecutor": ThreadPoolExecutor,
        "step": step, "set_lr": set_lr, "search": search, "fit": fit, "trial_of": trial_of,
        "halve": halve, "pbt": pbt, "rungs": dlbasics.search.rungs,
        "text_file": text_file, "csv_file": lambda t: text_file(t, "t.csv"), "edited": edited,
        "save_empty_json": save_empty_json, "ACT_SEARCH": act_search, "NAN_SEARCH": nan_search,
        "OK": ok, "OK_TRIALS": [ok], "LOST": dlbasics.Trial(0, {}, status="lost"),
        "CLASS_TRIAL": dlbasics.Trial(0, {"act": dlbasics.ReLU}, loss=0.1),
        "RUN": run, "CHECKPOINT": checkpoint, "TRUNCATED": tmp / "truncated.npz",
        "NO_WEIGHT": tmp / "no_weight.npz", "BAD_SHAPE": tmp / "bad_shape.npz",
        "NO_META": tmp / "no_meta.npz", "OTHER_ZIP": tmp / "other.npz",
    }  # fmt: skip
    return ns


@pytest.fixture(scope="module")
def ns(tmp_path_factory):
    return _namespace(tmp_path_factory.mktemp("bad-inputs"))


@pytest.mark.parametrize(("call", "expected", "check"), CASES, ids=[c[0] for c in CASES])
def test_bad_input(ns, call, expected, check):
    if expected == CORRECT:
        r = eval(call, dict(ns))
        assert eval(check, dict(ns, r=r)), f"{call} gave {r!r}"
        return
    with pytest.raises(expected) as caught:
        eval(call, dict(ns))
    message = str(caught.value)
    for words in check:
        assert words in message, f"{words!r} not in {message!r}"
    raised_in = Path(caught.traceback[-1].path)
    assert SRC in raised_in.parents or expected is FileNotFoundError, (
        f"{call} raised from {raised_in}, not from the package's own checks"
    )


def test_each_call_is_in_the_table_once():
    assert len({c[0] for c in CASES}) == len(CASES)
