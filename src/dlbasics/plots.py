"""Matplotlib helpers for the pages: seeded, deterministic inline SVG figures.

Optional dependency: import this module only where matplotlib is installed (the `docs` extra).
Importing it changes nothing global (no backend switch, no rcParams update): the site's style
applies to the figures made by `subplots`, while they are created and while `figure_html`
saves them.
"""

from __future__ import annotations

import html
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

from dlbasics._validate import check_int, is_real

if TYPE_CHECKING:
    from dlbasics.results import Trial

# Fixed ids and no timestamp: a rebuild produces byte-identical SVG.
STYLE: dict[Any, Any] = {  # Any: matplotlib types the keys as a Literal of every name
    "svg.hashsalt": "dlbasics",
    "svg.fonttype": "path",
    "figure.figsize": (6.4, 3.6),
    "figure.dpi": 100,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    # 11 pt: tick labels stay >= 9 px on a 390 px phone screen (full-width figure, 6.4 in).
    "font.size": 11,
}


def subplots(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
    """`plt.subplots` with the site's style (`STYLE`) and a constrained layout."""
    kwargs.setdefault("layout", "constrained")
    with plt.rc_context(STYLE):
        return plt.subplots(*args, **kwargs)


def figure_html(fig: Any, caption: str, alt: str) -> str:
    """Render `fig` as an inline SVG `<figure>` with a caption, close it, return the HTML.

    `caption` is HTML (plain text or Unicode such as β, σ²; no TeX); `alt` is the text
    alternative read by screen readers.
    """
    buf = io.StringIO()
    with plt.rc_context(STYLE):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]  # drop the XML prolog and doctype
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{html.escape(alt)}" ', 1)
    return f'<figure class="dl-figure">\n{svg}\n<figcaption>{caption}</figcaption>\n</figure>'


def histograms(
    ax: Any,
    samples: Mapping[str, Any],
    *,
    bins: int = 40,
    log: bool = False,
    colors: Sequence[Any] | None = None,
) -> np.ndarray:
    r"""Overlaid, half-transparent histograms of several samples on one axis, shared bins.

    Parameters
    ----------
    ax : matplotlib Axes
        Where to draw.
    samples : mapping of str to array_like
        Label to sample values, drawn in this order (the last on top); each histogram
        carries its label for `ax.legend()`.
    bins : int, default=40
        Number of bins, of equal width on the axis's scale, spanning all the samples.
    log : bool, default=False
        Log x axis and bins evenly spaced in $\log_{10} x$ (the samples must be positive).
    colors : sequence of colors, optional
        One per sample; matplotlib's colour cycle by default.

    Returns
    -------
    ndarray of shape (bins + 1,)
        The bin edges.

    Raises
    ------
    ValueError
        If `samples` is empty, a sample is empty or not finite, `log` is True and a value
        is not positive, or `colors` does not give one colour per sample.
    TypeError
        If `bins` is not an integer >= 1.

    Examples
    --------
    >>> import numpy as np
    >>> fig, ax = subplots()
    >>> edges = histograms(ax, {"a": [1, 3, 20], "b": [2, 100]}, bins=2, log=True)
    >>> print(np.round(edges, 6), ax.get_xscale())
    [  1.  10. 100.] log
    >>> plt.close(fig)
    """
    if not samples:
        raise ValueError("samples must hold at least one sample, got an empty mapping")
    bins = check_int(bins, "bins", 1)
    values = {label: np.ravel(np.asarray(v, dtype=float)) for label, v in samples.items()}
    for label, v in values.items():
        if v.size == 0 or not np.all(np.isfinite(v)):
            raise ValueError(f"sample {label!r} must be non-empty and finite")
        if log and np.min(v) <= 0:
            raise ValueError(f"log=True needs positive values; sample {label!r} has {v.min()!r}")
    if colors is not None and len(colors) != len(values):
        raise ValueError(f"colors must give one colour per sample ({len(values)}), got {colors!r}")
    low = min(float(v.min()) for v in values.values())
    high = max(float(v.max()) for v in values.values())
    if log:
        edges = np.logspace(np.log10(low), np.log10(high), bins + 1)
        ax.set_xscale("log")
    else:
        edges = np.linspace(low, high, bins + 1)
    for i, (label, v) in enumerate(values.items()):
        color = None if colors is None else colors[i]
        ax.hist(v, bins=edges, color=color, label=label, histtype="stepfilled", alpha=0.5)
    return edges


def learning_curves(
    ax: Any,
    trials: Iterable[Trial],
    *,
    color_by: str = "lr",
    log: bool = True,
    cmap: str = "viridis",
    vmin: float | None = None,
    vmax: float | None = None,
) -> Any:
    r"""Every trial's learning curve on one axis, coloured by one of its hyperparameters.

    Each trial with a curve (the `(step, value)` pairs its objective reported) is drawn as a
    line; the best successful trial (lowest loss) is drawn thicker and on top.

    Parameters
    ----------
    ax : matplotlib Axes
        Where to draw.
    trials : iterable of Trial
        The trials of a search, e.g. what `random_search` returns.
    color_by : str, default="lr"
        The hyperparameter that sets each curve's colour (a number in every trial's params).
    log : bool, default=True
        Map the colour on a log scale (for a learning rate).
    cmap : str, default="viridis"
        Matplotlib colour map.
    vmin, vmax : float, optional
        The range of the colour scale; the range of the trials' values by default (give the
        search space's bounds to compare several figures).

    Returns
    -------
    matplotlib.cm.ScalarMappable
        The colour scale, for `fig.colorbar(..., ax=ax)`.

    Raises
    ------
    ValueError
        If no trial has a curve, or a trial has no numeric `color_by` parameter.

    Examples
    --------
    >>> from dlbasics import Trial
    >>> fig, ax = subplots()
    >>> trials = [Trial(0, {"lr": 0.01}, loss=0.5, curve=[(1, 0.9), (2, 0.5)]),
    ...           Trial(1, {"lr": 0.1}, loss=0.2, curve=[(1, 0.4), (2, 0.2)])]
    >>> scale = learning_curves(ax, trials)
    >>> [line.get_linewidth() for line in ax.get_lines()], scale.norm.vmin, scale.norm.vmax
    ([1.0, 2.5], 0.01, 0.1)
    >>> plt.close(fig)
    """
    drawn = [t for t in trials if t.curve]
    if not drawn:
        raise ValueError("no trial has a learning curve to draw")
    for t in drawn:
        value = t.params.get(color_by)
        if not is_real(value):
            names = ", ".join(t.params)
            raise ValueError(
                f"color_by={color_by!r} must name a numeric parameter of every trial; "
                f"trial {t.id} has {color_by}={value!r} (its parameters: {names})"
            )
    values = [float(t.params[color_by]) for t in drawn]
    lo = min(values) if vmin is None else vmin
    hi = max(values) if vmax is None else vmax
    norm = mpl.colors.LogNorm(lo, hi) if log else mpl.colors.Normalize(lo, hi)
    colormap = mpl.colormaps[cmap]
    ok = [t for t in drawn if t.status == "ok" and t.loss is not None]
    best = min(ok, key=lambda t: (t.loss, t.id)) if ok else None
    for t, value in zip(drawn, values, strict=True):
        steps, losses = zip(*t.curve, strict=True)
        wide = t is best
        color = colormap(norm(value))
        ax.plot(steps, losses, color=color, linewidth=2.5 if wide else 1.0, zorder=3 if wide else 2)
    return mpl.cm.ScalarMappable(norm=norm, cmap=colormap)


# One colour per optimizer, the same on every page.
OPTIMIZER_COLORS = {
    "gradient descent": "#283593",
    "momentum": "#c62828",
    "RMSprop": "#2e7d32",
    "Adam": "#6a1b9a",
}


def color_of(name: str) -> str:
    """The colour of the optimizer whose name `name` starts with (grey if none)."""
    return next((c for k, c in OPTIMIZER_COLORS.items() if name.startswith(k)), "#616161")


def draw_paths(
    ax: Any,
    surface: Any,
    paths: dict[str, Any],
    *,
    extent: tuple[float, float, float, float],
    levels: Any,
) -> None:
    """Draw the contours of `surface` over `extent`, each path in its optimizer's colour, and
    a star at each minimum, on the axes `ax`.

    Parameters
    ----------
    ax : matplotlib Axes
    surface : callable
        `surface(w)` gives the cost at points of shape `(..., 2)`; its `minima` are starred
        (`dlbasics.surfaces.Bowl`, `Saddle`).
    paths : dict
        Label -> path of shape `(T, 2)`, e.g. from `dlbasics.surfaces.descend`. A label that
        starts with an optimizer's name ("momentum, α = 0.1") gets its colour (`color_of`).
    extent : (w1_min, w1_max, w2_min, w2_max)
        The region drawn.
    levels : sequence of float
        Contour levels of the cost.
    """
    g1, g2 = np.meshgrid(
        np.linspace(extent[0], extent[1], 200), np.linspace(extent[2], extent[3], 200)
    )
    ax.contour(g1, g2, surface(np.stack([g1, g2], axis=-1)), levels=levels, colors="0.75",
               linewidths=0.7)  # fmt: skip
    for label, path in paths.items():
        ax.plot(path[:, 0], path[:, 1], "o-", ms=2.5, lw=1, color=color_of(label), label=label)
    for w1, w2 in surface.minima:
        ax.plot(w1, w2, "k*", ms=8)
    ax.set(xlim=extent[:2], ylim=extent[2:], xlabel="$w_1$", ylabel="$w_2$")


def path_panels(
    surface: Any,
    paths: dict[str, Any],
    *,
    extent: tuple[float, float, float, float],
    levels: Any,
    ncols: int = 1,
    figsize: tuple[float, float] | None = None,
) -> tuple[Any, Any]:
    """One panel per path on a two-parameter surface (see `draw_paths`), titled by its label.

    Parameters
    ----------
    surface, paths, extent, levels
        As for `draw_paths`; each path gets a panel of its own.
    ncols : int, default=1
        Panels per row.
    figsize : (width, height), optional
        Default: 6.4 inches wide (8 for two columns or more), 2.2 inches per row.

    Returns
    -------
    fig, axes
        The figure and its axes, flattened, for extra marks before `figure_html`.

    Examples
    --------
    >>> from dlbasics import GD
    >>> from dlbasics.surfaces import Bowl, descend
    >>> path = descend(GD(lr=0.03), Bowl(), start=[-4.0, 1.0], steps=20)
    >>> fig, axes = path_panels(Bowl(), {"gradient descent, α = 0.03": path},
    ...                         extent=(-4.5, 1.0, -1.3, 1.3), levels=[0.1, 1.0, 10.0])
    >>> html = figure_html(fig, caption="20 steps", alt="a path on the bowl")
    >>> html.count("<svg"), len(axes)
    (1, 1)
    """
    nrows = -(-len(paths) // ncols)
    if figsize is None:
        figsize = (6.4 if ncols == 1 else 8.0, 2.2 * nrows)
    fig, axes = subplots(nrows, ncols, figsize=figsize, sharex=True, sharey=True, squeeze=False)
    for ax, (title, path) in zip(axes.flat, paths.items(), strict=False):
        draw_paths(ax, surface, {title: path}, extent=extent, levels=levels)
        ax.set_title(title, fontsize=9)
        ax.label_outer()
    for ax in axes.flat[len(paths) :]:
        ax.set_visible(False)
    return fig, axes.ravel()
