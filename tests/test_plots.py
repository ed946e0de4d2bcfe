"""dlbasics.plots and dlbasics.searchplots: importing them changes nothing global; the style
lives in their figures."""

import subprocess
import sys

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_hex

from dlbasics import Choice, LogUniform, ReverseLogUniform, Trial
from dlbasics.plots import (
    MIN_TEXT_PX,
    OPTIMIZER_COLORS,
    STYLE,
    figure_html,
    histograms,
    path_panels,
    phone_text_px,
    subplots,
)
from dlbasics.searchplots import learning_curves, loss_by_parameter, parallel_coordinates
from dlbasics.surfaces import Saddle


def test_import_changes_neither_backend_nor_rcparams():
    code = (
        "import matplotlib as mpl\n"
        "mpl.use('svg')\n"
        "before = dict(mpl.rcParams)\n"
        "import dlbasics.plots, dlbasics.searchplots\n"
        "after = dict(mpl.rcParams)\n"
        "print(mpl.get_backend(), [k for k in before if before[k] != after[k]])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["svg", "[]"]


def test_figures_carry_the_style_and_the_caller_keeps_theirs():
    before = dict(mpl.rcParams)
    fig, ax = subplots()
    assert tuple(fig.get_size_inches()) == STYLE["figure.figsize"]
    assert not ax.spines["top"].get_visible()
    ax.plot([0, 1], [1, 0])
    html = figure_html(fig, caption="a line", alt="a falling line")
    assert html.startswith('<figure class="dl-figure">')
    assert 'aria-label="a falling line"' in html
    assert dict(mpl.rcParams) == before
    fig2 = plt.figure()  # a figure made outside subplots follows the caller's settings
    assert tuple(fig2.get_size_inches()) == tuple(mpl.rcParams["figure.figsize"])
    plt.close(fig2)


def test_svg_is_byte_identical_across_renders():
    def render():
        fig, ax = subplots()
        ax.plot([0, 1, 2], [2, 0, 1], label="x")
        ax.legend()
        return figure_html(fig, caption="c", alt="a")

    assert render() == render()


def test_every_text_of_a_styled_figure_is_legible_on_a_phone():
    fig, axes = subplots(1, 2)
    for ax in axes:
        ax.plot([1, 10, 100], [3, 2, 1], label="loss")
        ax.set(xscale="log", title="title", xlabel="x", ylabel="y")
        ax.legend()
    fig.colorbar(axes[0].scatter([1], [1], c=[1]), ax=axes[1], label="colour")
    sizes = phone_text_px(fig)
    assert {"title", "x", "y", "loss", "colour"} <= set(sizes)  # tick labels too
    assert min(sizes.values()) >= MIN_TEXT_PX
    figure_html(fig, caption="c", alt="a")


@pytest.mark.parametrize(
    ("figsize", "fontsize", "small"),
    [((8.0, 3.0), 10, True), ((5.8, 3.0), 9, True), ((5.8, 3.0), 10, False)],
)
def test_figure_html_refuses_text_too_small_for_a_phone(figsize, fontsize, small):
    fig, ax = subplots(figsize=figsize)
    ax.set_axis_off()
    ax.text(0.5, 0.5, "note", fontsize=fontsize)
    if not small:
        assert figure_html(fig, caption="c", alt="a").startswith("<figure")
        return
    with pytest.raises(ValueError, match=r"'note' at \d\.\d px.*at most 5\.8 in wide"):
        figure_html(fig, caption="c", alt="a")
    plt.close(fig)


def test_histograms_share_bins_and_count_every_value():
    rng = np.random.default_rng(0)
    a, b = rng.uniform(0, 1, 500), rng.uniform(0.5, 2, 300)
    fig, ax = subplots()
    edges = histograms(ax, {"a": a, "b": b}, bins=10, colors=["C0", "C1"])
    np.testing.assert_allclose(edges, np.linspace(min(a.min(), b.min()), b.max(), 11))
    patches = [p for p in ax.patches if p.get_label() in ("a", "b")]
    assert [p.get_label() for p in patches] == ["a", "b"]
    assert ax.get_xscale() == "linear"
    counts = [np.histogram(x, edges)[0].sum() for x in (a, b)]
    assert counts == [500, 300]
    plt.close(fig)


def test_histograms_on_a_log_axis_use_log_spaced_bins():
    fig, ax = subplots()
    edges = histograms(ax, {"x": 10.0 ** np.linspace(-4, 0, 50)}, bins=4, log=True)
    np.testing.assert_allclose(edges, [1e-4, 1e-3, 1e-2, 1e-1, 1.0], rtol=1e-12)
    assert ax.get_xscale() == "log"
    plt.close(fig)


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"samples": {}}, ValueError, "at least one sample"),
        ({"samples": {"x": []}}, ValueError, "'x' must be non-empty"),
        ({"samples": {"x": [1.0, np.nan]}}, ValueError, "'x' must be non-empty and finite"),
        ({"samples": {"x": [0.0, 1.0]}, "log": True}, ValueError, "positive values"),
        ({"samples": {"x": [1.0]}, "colors": ["C0", "C1"]}, ValueError, "one colour per"),
        ({"samples": {"x": [1.0]}, "bins": 2.5}, TypeError, "bins"),
    ],
)
def test_histograms_reject_bad_input(kwargs, error, words):
    fig, ax = subplots()
    with pytest.raises(error, match=words):
        histograms(ax, **kwargs)
    plt.close(fig)


def curve_trials():
    return [
        Trial(0, {"lr": 1e-3}, loss=2.0, curve=[(1, 2.5), (2, 2.0)]),
        Trial(1, {"lr": 1e-1}, loss=0.2, curve=[(1, 0.5), (2, 0.2)]),
        Trial(2, {"lr": 1e-2}, loss=0.9, curve=[(1, 1.5), (2, 0.9)]),
        Trial(3, {"lr": 10.0}, status="failed", curve=[(1, 9.0)]),
        Trial(4, {"lr": 0.05}, status="lost"),  # no curve: not drawn
    ]


def test_learning_curves_colour_by_the_parameter_and_widen_the_best():
    fig, ax = subplots()
    scale = learning_curves(ax, curve_trials(), vmin=1e-4, vmax=10.0)
    lines = ax.get_lines()
    assert len(lines) == 4
    assert [line.get_linewidth() for line in lines] == [1.0, 2.5, 1.0, 1.0]
    assert list(lines[3].get_ydata()) == [9.0]
    cmap = mpl.colormaps["viridis"]
    for line, lr in zip(lines, [1e-3, 1e-1, 1e-2, 10.0], strict=True):
        # on a log scale from 1e-4 to 10, lr = 1e-3 sits at 1/5 of the colour map
        expected = cmap((np.log10(lr) + 4) / 5)
        np.testing.assert_allclose(mpl.colors.to_rgba(line.get_color()), expected)
    assert (scale.norm.vmin, scale.norm.vmax) == (1e-4, 10.0)
    plt.close(fig)


def test_learning_curves_default_colour_range_is_the_trials_range():
    fig, ax = subplots()
    scale = learning_curves(ax, curve_trials(), color_by="lr", log=False)
    assert isinstance(scale.norm, mpl.colors.Normalize)
    assert not isinstance(scale.norm, mpl.colors.LogNorm)
    assert (scale.norm.vmin, scale.norm.vmax) == (1e-3, 10.0)
    plt.close(fig)


def test_learning_curves_reject_bad_input():
    fig, ax = subplots()
    with pytest.raises(ValueError, match="no trial has a learning curve"):
        learning_curves(ax, [Trial(0, {"lr": 0.1}, loss=1.0)])
    with pytest.raises(ValueError, match=r"color_by='beta'.*trial 0 has beta=None.*lr"):
        learning_curves(ax, curve_trials(), color_by="beta")
    plt.close(fig)


def test_path_panels_draw_one_coloured_path_per_panel_and_hide_the_rest():
    paths = {
        "Adam, α = 0.1": np.array([[1.0, 0.1], [0.5, 0.5], [0.0, 1.0]]),
        "momentum": np.array([[1.0, -0.1], [0.0, -1.0]]),
        "something else": np.zeros((2, 2)),
    }
    fig, axes = path_panels(Saddle(), paths, extent=(-1, 1, -1.5, 1.5), levels=[-0.2, 0, 0.5],
                            ncols=2)  # fmt: skip
    assert [ax.get_visible() for ax in axes] == [True, True, True, False]
    assert [ax.get_title() for ax in axes[:3]] == list(paths)
    path_lines = [ax.lines[0] for ax in axes[:3]]
    np.testing.assert_array_equal(path_lines[0].get_xydata(), paths["Adam, α = 0.1"])
    assert [to_hex(line.get_color()) for line in path_lines] == [
        OPTIMIZER_COLORS["Adam"],
        OPTIMIZER_COLORS["momentum"],
        "#616161",
    ]
    assert len(axes[0].lines) == 1 + len(Saddle().minima)  # the path, then a star per minimum
    figure_html(fig, caption="c", alt="a")


def halving_records():
    """Three trials at budget 1, one promoted to 3 that reported only its new epochs."""
    return [
        Trial(0, {"lr": 0.1}, loss=0.5, curve=[(1, 0.5)], budget=1),
        Trial(0, {"lr": 0.1}, loss=0.2, curve=[(2, 0.3), (3, 0.2)], budget=3),
        Trial(1, {"lr": 0.01}, loss=0.9, curve=[(1, 0.9)], budget=1),
        Trial(2, {"lr": 1.0}, loss=0.1, curve=[(1, 0.1)], budget=1),  # better, but pruned?
        Trial(3, {"lr": 0.3}, status="failed", curve=[(1, 2.0)], budget=1),
    ]


def test_learning_curves_join_a_trials_rungs_and_fade_the_pruned():
    fig, ax = subplots()
    learning_curves(ax, halving_records())
    lines = ax.get_lines()
    assert len(lines) == 4  # one per trial
    assert list(lines[0].get_xdata()) == [1, 2, 3]  # trial 0's rungs, joined
    assert [line.get_alpha() for line in lines] == [1.0, 0.35, 0.35, 0.35]
    assert lines[0].get_linewidth() == 2.5  # the best at the highest budget, not trial 2
    fig2, ax2 = subplots()
    learning_curves(ax2, halving_records(), fade_pruned=False)
    assert [line.get_alpha() for line in ax2.get_lines()] == [1.0, 1.0, 1.0, 1.0]
    plt.close(fig)
    plt.close(fig2)


SPACE = {
    "lr": LogUniform(1e-3, 1),
    "beta": ReverseLogUniform(0.9, 0.999),
    "act": Choice(["relu", "tanh", "sigmoid"]),
    "epochs": 5,
}


def space_trials():
    return [
        Trial(0, {"lr": 1e-3, "beta": 0.999, "act": "relu", "epochs": 5}, loss=1.0),
        Trial(1, {"lr": 1.0, "beta": 0.9, "act": "sigmoid", "epochs": 5}, loss=0.01),
        Trial(2, {"lr": 0.01, "beta": 0.99, "act": "tanh", "epochs": 5}, loss=0.1),
        Trial(3, {"lr": 0.5, "beta": 0.95, "act": "tanh", "epochs": 5}, status="failed"),
    ]


def test_parallel_coordinates_put_each_axis_on_its_own_scale():
    fig, ax = subplots()
    parallel_coordinates(ax, space_trials(), SPACE)
    lines = [line for line in ax.get_lines() if len(line.get_xdata()) == 4]
    assert len(lines) == 3  # the failed trial is left out; `epochs` is a constant, no axis
    ys = {round(float(line.get_ydata()[3]), 6): list(line.get_ydata()) for line in lines}
    np.testing.assert_allclose(ys[0.0], [1.0, 0.0, 1.0, 0.0])  # trial 1: the lowest loss
    np.testing.assert_allclose(ys[1.0], [0.0, 1.0, 0.0, 1.0])  # trial 0: the highest
    np.testing.assert_allclose(ys[0.5], [1 / 3, 0.5, 0.5, 0.5])  # trial 2: 1 - beta = 0.01
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["lr (log)", "beta (log 1 − beta)", "act", "loss (log)"]
    plt.close(fig)


def test_loss_by_parameter_uses_log_alpha_and_one_minus_beta():
    fig, axes = loss_by_parameter(space_trials(), SPACE)
    assert len(axes) == 3
    assert [ax.get_xscale() for ax in axes] == ["log", "log", "linear"]
    beta_x = axes[1].collections[0].get_offsets()[:, 0]
    np.testing.assert_allclose(sorted(beta_x), [0.001, 0.01, 0.1])  # 1 - beta
    assert [t.get_text() for t in axes[2].get_xticklabels()] == ["relu", "tanh", "sigmoid"]
    star = axes[0].get_lines()[0]
    assert (star.get_xdata()[0], star.get_ydata()[0]) == (1.0, 0.01)  # the best trial
    assert axes[0].get_yscale() == "log"
    plt.close(fig)


def test_search_plots_refuse_losses_of_different_budgets():
    _fig, ax = subplots()
    mixed = r"budgets \[1, 3\]: losses after different budgets"
    with pytest.raises(ValueError, match=mixed):
        parallel_coordinates(ax, halving_records(), {"lr": LogUniform(1e-3, 1)})
    with pytest.raises(ValueError, match=mixed):
        loss_by_parameter(halving_records(), {"lr": LogUniform(1e-3, 1)})
    with pytest.raises(ValueError, match="no distribution to draw"):
        parallel_coordinates(ax, space_trials(), {"epochs": 5})
    plt.close("all")
