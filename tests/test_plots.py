"""dlbasics.plots: importing it changes nothing global; the style lives in its figures."""

import subprocess
import sys

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import to_hex

from dlbasics.plots import OPTIMIZER_COLORS, STYLE, figure_html, path_panels, subplots
from dlbasics.surfaces import Saddle


def test_import_changes_neither_backend_nor_rcparams():
    code = (
        "import matplotlib as mpl\n"
        "mpl.use('svg')\n"
        "before = dict(mpl.rcParams)\n"
        "import dlbasics.plots\n"
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
