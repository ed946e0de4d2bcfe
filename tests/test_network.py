"""MLP and the training loop: whole-network gradients, training, determinism, errors."""

import numpy as np
import pytest

from dlbasics import (
    GD,
    MLP,
    Adam,
    BatchNorm,
    Dense,
    Diverged,
    ReLU,
    gaussian_blobs,
    numerical_gradient,
    rel_error,
    softmax_cross_entropy,
    train,
)

TOL = 1e-7


def _data(m=6, n=5, k=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(m, n)), rng.integers(0, k, m), rng.normal(size=(m, k))


@pytest.mark.parametrize("batchnorm", [False, True])
@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_mlp_gradients_match_central_differences(batchnorm, activation):
    x, _, dout = _data()
    model = MLP([5, 4, 4, 3], activation=activation, batchnorm=batchnorm, seed=1)
    for name, p in model.params().items():  # move off the initial values (gamma=1, beta=b=0)
        p += 0.3 * np.random.default_rng(len(name)).normal(size=p.shape)

    def f():
        return float(np.sum(model.forward(x) * dout))  # RANDOM upstream gradient on the logits

    model.forward(x)
    dx = model.backward(dout)
    grads = {k: g.copy() for k, g in model.grads().items()}
    for key, p in model.params().items():
        assert rel_error(grads[key], numerical_gradient(f, p)) < TOL, key
    assert rel_error(dx, numerical_gradient(f, x)) < TOL


def test_mlp_loss_gradient_through_softmax_cross_entropy():
    x, y, _ = _data(m=8)
    model = MLP([5, 6, 3], batchnorm=True, seed=2)

    def f():
        return softmax_cross_entropy(model.forward(x), y)[0]

    _, dlogits = softmax_cross_entropy(model.forward(x), y)
    model.backward(dlogits)
    for key, p in model.params().items():
        assert rel_error(model.grads()[key], numerical_gradient(f, p)) < TOL, key


def test_batchnorm_network_has_no_dense_bias_before_bn():
    model = MLP([4, 8, 6, 3], batchnorm=True)
    kinds = [type(layer) for layer in model.layers]
    assert kinds == [Dense, BatchNorm, ReLU, Dense, BatchNorm, ReLU, Dense]
    assert sorted(model.params()) == [
        "0.W",
        "1.beta",
        "1.gamma",
        "3.W",
        "4.beta",
        "4.gamma",
        "6.W",
        "6.b",
    ]
    assert model.layers[0].b is None
    assert model.layers[3].b is None
    assert model.layers[-1].b is not None  # the output layer keeps its bias


def test_plain_network_keys_and_live_arrays():
    model = MLP([4, 8, 3])
    assert list(model.params()) == ["0.W", "0.b", "2.W", "2.b"]
    assert model.params()["0.W"] is model.layers[0].W
    assert model.grads()["2.b"] is model.layers[2].db


def test_bn_kwargs_reach_the_layers():
    model = MLP([4, 8, 3], batchnorm=True, bn_kwargs={"rho": 0.5, "eps": 1e-3})
    assert model.layers[1].rho == 0.5
    assert model.layers[1].eps == 1e-3


def test_mlp_seed_determines_the_weights():
    a, b, c = MLP([4, 8, 3], seed=3), MLP([4, 8, 3], seed=3), MLP([4, 8, 3], seed=4)
    np.testing.assert_array_equal(a.params()["0.W"], b.params()["0.W"])
    assert not np.array_equal(a.params()["0.W"], c.params()["0.W"])


def test_forward_returns_a_new_array_each_call():
    x, _, _ = _data()
    model = MLP([5, 4, 3], seed=0)
    first = model.forward(x)
    kept = first.copy()
    model.forward(2 * x)
    np.testing.assert_array_equal(first, kept)
    assert model.forward(x[:2]).shape == (2, 3)


def test_forward_and_backward_are_the_layers_chained():
    x, _, dout = _data()
    model = MLP([5, 4, 4, 3], batchnorm=True, seed=0)
    out, d = x, dout
    logits = model.forward(x)
    for layer in model.layers:
        out = layer.forward(out)
    np.testing.assert_array_equal(logits, out)
    dx = model.backward(dout)
    for layer in reversed(model.layers):
        d = layer.backward(d)
    np.testing.assert_array_equal(dx, d)


def test_eval_mode_uses_running_statistics_and_restores_the_mode():
    x, y, _ = _data(m=10)
    model = MLP([5, 4, 3], batchnorm=True, seed=0)
    model.forward(x)  # one training-mode pass updates the running statistics
    bn = model.layers[1]
    manual = model.eval().forward(x)
    model.train()
    assert model.training
    assert abs(model.loss(x, y) - softmax_cross_entropy(manual, y)[0]) < 1e-15
    np.testing.assert_array_equal(model.predict(x), manual.argmax(axis=1))
    assert model.accuracy(x, y) == np.mean(manual.argmax(axis=1) == y)
    assert model.training
    assert bn.training
    assert model.predict(x[:1]).shape == (1,)  # one example works in evaluation mode


def test_training_reduces_the_loss_on_blobs():
    x, y = gaussian_blobs(300, 4, 3, seed=0)
    for batchnorm in (False, True):
        model = MLP([4, 16, 3], batchnorm=batchnorm, seed=0)
        before = model.loss(x, y)
        hist = train(model, x, y, Adam(0.01), epochs=10, batch_size=32)
        assert hist.epoch_loss[-1] < 0.3 * hist.epoch_loss[0]
        assert model.loss(x, y) < 0.3 * before
        assert model.accuracy(x, y) > 0.9


def test_history_lengths_and_validation():
    x, y = gaussian_blobs(100, 3, 2, seed=1)
    model = MLP([3, 8, 2], seed=0)
    hist = train(model, x, y, GD(0.1), epochs=3, batch_size=32, x_val=x[:20], y_val=y[:20])
    assert len(hist.step_loss) == len(hist.step_acc) == 9  # 100 // 32 = 3 batches, drop_last
    assert len(hist.epoch_loss) == len(hist.epoch_acc) == len(hist.val_loss) == 3
    assert len(hist.val_acc) == 3
    assert hist.lr == [0.1, 0.1, 0.1]
    assert hist.epoch_loss[0] == pytest.approx(np.mean(hist.step_loss[:3]), rel=1e-15)
    assert hist.val_loss[-1] == model.loss(x[:20], y[:20])
    hist = train(MLP([3, 8, 2]), x, y, GD(0.1), epochs=1, batch_size=32, drop_last=False)
    assert len(hist.step_loss) == 4


def test_same_seed_same_run_and_other_seed_other_run():
    x, y = gaussian_blobs(120, 4, 3, seed=2)

    def run(seed):
        model = MLP([4, 8, 3], batchnorm=True, seed=0)
        hist = train(model, x, y, Adam(0.01), epochs=2, batch_size=16, seed=seed)
        return hist.step_loss, model.params()["0.W"].copy()

    (l1, w1), (l2, w2), (l3, _) = run(5), run(5), run(6)
    assert l1 == l2
    np.testing.assert_array_equal(w1, w2)
    assert l1 != l3


def test_schedule_sets_the_learning_rate_per_epoch():
    x, y = gaussian_blobs(64, 2, 2, seed=0)
    opt = GD(1.0)
    hist = train(MLP([2, 4, 2]), x, y, opt, epochs=3, batch_size=16, schedule=lambda n: 0.1 / n)
    assert hist.lr == pytest.approx([0.1, 0.05, 0.1 / 3], rel=1e-15)  # epoch_num = 1, 2, 3
    assert opt.lr == pytest.approx(0.1 / 3, rel=1e-15)


def test_callback_runs_after_every_update():
    x, y = gaussian_blobs(64, 2, 2, seed=0)
    seen = []

    def callback(epoch, step, model, hist):
        seen.append((epoch, step, len(hist.step_loss)))

    train(MLP([2, 4, 2]), x, y, GD(0.1), epochs=2, batch_size=32, callback=callback)
    assert seen == [(0, 0, 1), (0, 1, 2), (1, 2, 3), (1, 3, 4)]


def test_diverging_run_names_the_step_and_learning_rate():
    x, y = gaussian_blobs(200, 4, 3, seed=0)
    model = MLP([4, 32, 3], seed=0)
    with pytest.raises(Diverged, match=r"epoch \d+, batch \d+ \(step \d+\).*1e\+06") as info:
        train(model, x, y, GD(1e6), epochs=20, batch_size=20)
    err = info.value
    assert isinstance(err, FloatingPointError)  # what callers caught before Diverged existed
    assert f"epoch {err.epoch}, batch {err.batch} (step {err.step})" in str(err)
    assert err.lr == 1e6
    assert err.step == 10 * err.epoch + err.batch  # 200 examples, batches of 20
    assert len(err.history.step_loss) == err.step  # every step before the failing one


def test_float32_network_trains_in_float32():
    x, y = gaussian_blobs(128, 4, 3, seed=0)
    model = MLP([4, 16, 3], batchnorm=True, dtype=np.float32)
    hist = train(model, x.astype(np.float32), y, Adam(0.01), epochs=5, batch_size=32)
    assert all(model.params()[k].dtype == np.float32 for k in ("0.W", "3.W", "3.b"))
    assert hist.epoch_loss[-1] < hist.epoch_loss[0]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"sizes": [4]}, r"sizes must list at least input and output widths, got \[4\]"),
        ({"sizes": [4, 0, 3]}, r"sizes\[1\] must be an integer >= 1, got 0"),
        ({"sizes": [4, 3], "activation": "gelu"}, r"activation must be one of .* got 'gelu'"),
        ({"sizes": [4, 3], "seed": -1}, r"seed must be an integer >= 0 .*got -1"),
    ],
)
def test_mlp_constructor_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MLP(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"sizes": [4, 2.5, 3]}, r"sizes\[1\] must be an integer >= 1, got 2\.5"),
        ({"sizes": [True, 3]}, r"sizes\[0\] must be an integer >= 1, got True"),
        ({"sizes": [4, 3], "seed": True}, r"seed must be an integer >= 0 .*got True"),
        ({"sizes": [4, 3], "seed": None}, r"seed must be an integer >= 0 .*got None"),
        ({"sizes": [4, 3], "batchnorm": "yes"}, r"batchnorm must be True or False, got 'yes'"),
    ],
)
def test_mlp_constructor_type_errors(kwargs, match):
    with pytest.raises(TypeError, match=match):
        MLP(**kwargs)


def test_mlp_forward_shape_error():
    with pytest.raises(ValueError, match=r"x must have shape \(m, 4\), got \(2, 5\)"):
        MLP([4, 3]).forward(np.ones((2, 5)))


@pytest.mark.parametrize(
    ("change", "exc", "match"),
    [
        ({"epochs": 0}, ValueError, r"epochs must be an integer >= 1, got 0"),
        ({"batch_size": 0}, ValueError, r"batch_size must be an integer >= 1, got 0"),
        ({"batch_size": 2.5}, TypeError, r"batch_size must be an integer >= 1, got 2\.5"),
        ({"batch_size": 50}, ValueError, r"batch_size=50 exceeds the 40 training examples"),
        ({"x": np.ones((40, 3))}, ValueError, r"x must have shape \(m, 2\), got \(40, 3\)"),
        ({"x": np.ones((0, 2))}, ValueError, r"x must hold at least one example"),
        ({"y": np.zeros(39, int)}, ValueError, r"y must have shape \(40,\) to match x"),
        ({"y": np.zeros(40)}, TypeError, r"y must hold integer class labels"),
        ({"y": np.full(40, 2)}, ValueError, r"y must be in 0\.\.1 for a model with 2 outputs"),
        ({"x_val": np.ones((5, 2))}, ValueError, r"give both x_val and y_val, or neither"),
        (
            {"x_val": np.ones((5, 2)), "y_val": np.array([0, 1, 0, 1, 5])},
            ValueError,
            r"y_val must be in 0\.\.1",
        ),
    ],
)
def test_train_errors(change, exc, match):
    x, y = gaussian_blobs(40, 2, 2, seed=0)
    args = {"x": x, "y": y, "epochs": 1, "batch_size": 8} | change
    with pytest.raises(exc, match=match):
        train(MLP([2, 4, 2]), optimizer=GD(0.1), **args)


def test_batch_of_one_with_batchnorm_fails_clearly():
    x, y = gaussian_blobs(9, 2, 2, seed=0)
    with pytest.raises(ValueError, match="more than 1 value per feature"):
        train(MLP([2, 4, 2], batchnorm=True), x, y, GD(0.1), epochs=1, batch_size=1)


@pytest.mark.parametrize(
    ("y", "exc"),
    [
        (np.zeros(6), TypeError),  # float labels
        (np.zeros(5, int), ValueError),  # one label short
        (np.array([0, 1, 2, 3, 0, 1]), ValueError),  # 3 is out of range for 3 outputs
        (np.array([0, 1, -1, 0, 1, 2]), ValueError),
        (np.zeros((6, 1), int), ValueError),  # a column, not a vector
    ],
)
def test_accuracy_checks_y_as_loss_does(y, exc):
    x, _, _ = _data()
    model = MLP([5, 4, 3], seed=0)
    with pytest.raises(exc) as from_loss:
        model.loss(x, y)
    with pytest.raises(exc) as from_accuracy:
        model.accuracy(x, y)
    assert str(from_accuracy.value) == str(from_loss.value)
    assert "y must" in str(from_loss.value)


@pytest.mark.parametrize(("seed", "exc"), [(-1, ValueError), (True, TypeError), (None, TypeError)])
def test_train_refuses_bad_seeds(seed, exc):
    x, y = gaussian_blobs(40, 2, 2, seed=0)
    with pytest.raises(exc, match=r"seed must be an integer >= 0 or a numpy\.random\.Generator"):
        train(MLP([2, 4, 2]), x, y, GD(0.1), epochs=1, batch_size=8, seed=seed)
