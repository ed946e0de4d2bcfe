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
from dlbasics.results import Trials

if TYPE_CHECKING:
    from dlbasics.results import Trial

# Fixed ids and no timestamp: a rebuild produces byte-identical SVG.
STYLE: dict[Any, Any] = {  # Any: matplotlib types the keys as a Literal of every name
    "svg.hashsalt": "dlbasics",
    "svg.fonttype": "path",
    "figure.figsize": (5.8, 3.3),
    "figure.dpi": 100,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    # matplotlib's own default, so that the text a page adds after `subplots` (legends,
    # annotations, colour bars: outside this style) is as large as the rest.
    "font.size": 10,
}

# On a 390 px phone a figure is drawn full-width, about 382 px wide (docs/stylesheets/extra.css),
# so s-pt text in a W-inch figure shows at s * 382 / (72 W) px. `figure_html` refuses a figure
# with a text under MIN_TEXT_PX there: with 10 pt text a figure is at most MAX_WIDTH inches wide.
PHONE_FIGURE_PX = 382
MIN_TEXT_PX = 9.0
MAX_WIDTH = 5.8


def subplots(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
    """`plt.subplots` with the site's style (`STYLE`) and a constrained layout."""
    kwargs.setdefault("layout", "constrained")
    with plt.rc_context(STYLE):
        return plt.subplots(*args, **kwargs)


def figure_html(fig: Any, caption: str, alt: str) -> str:
    """Render `fig` as an inline SVG `<figure>` with a caption, close it, return the HTML.

    `caption` is HTML (plain text or Unicode such as β, σ²; no TeX); `alt` is the text
    alternative read by screen readers. Raises ValueError if a text of `fig` would be drawn
    under `MIN_TEXT_PX` on a phone (see `phone_text_px`).
    """
    check_phone_text(fig)
    buf = io.StringIO()
    with plt.rc_context(STYLE):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]  # drop the XML prolog and doctype
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{html.escape(alt)}" ', 1)
    return f'<figure class="dl-figure">\n{svg}\n<figcaption>{caption}</figcaption>\n</figure>'


def phone_text_px(fig: Any) -> dict[str, float]:
    """The size in pixels at which each text of `fig` is drawn on a 390 px phone screen.

    Each drawn text (titles, labels, tick labels, legends, annotations; hidden axes and
    empty texts left out) maps to `size_in_points * PHONE_FIGURE_PX / (72 * width_in_inches)`.

    Examples
    --------
    >>> fig, ax = subplots(figsize=(5.8, 3.0))
    >>> _ = ax.set_title("10 pt", fontsize=10)
    >>> _ = ax.set_xticks([])
    >>> _ = ax.set_yticks([])
    >>> {text: round(px, 2) for text, px in phone_text_px(fig).items()}
    {'10 pt': 9.15}
    >>> plt.close(fig)
    """
    fig.draw_without_rendering()  # tick labels get their text when the figure is drawn
    scale = PHONE_FIGURE_PX / (72 * float(fig.get_figwidth()))
    sizes: dict[str, float] = {}
    for text in fig.findobj(mpl.text.Text):
        shown = text.get_visible() and (text.axes is None or text.axes.get_visible())
        if shown and text.get_text().strip():
            px = text.get_fontsize() * scale
            sizes[text.get_text()] = min(px, sizes.get(text.get_text(), px))
    return sizes


def check_phone_text(fig: Any) -> None:
    """Raise ValueError naming the texts of `fig` drawn under `MIN_TEXT_PX` on a phone."""
    small = {text: px for text, px in phone_text_px(fig).items() if px < MIN_TEXT_PX}
    if small:
        width = fig.get_figwidth()
        shown = ", ".join(f"{text!r} at {px:.1f} px" for text, px in sorted(small.items())[:5])
        raise ValueError(
            f"figure text under {MIN_TEXT_PX:g} px on a phone in a {width:g} in wide figure: "
            f"{shown}; make the figure at most {MAX_WIDTH} in wide with text >= 10 pt "
            f"(text size / figure width >= {72 * MIN_TEXT_PX / PHONE_FIGURE_PX:.2f} pt/in)"
        )


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
    fade_pruned: bool = True,
) -> Any:
    r"""Every trial's learning curve on one axis, coloured by one of its hyperparameters.

    Each trial with a curve (the `(step, value)` pairs its objective reported) is drawn as a
    line; the best trial (`Trials.best`: lowest loss, at the highest budget) is drawn
    thicker and on top. A trial recorded at several budgets (`successive_halving`) or in
    several rounds (`population_based_training`) is one line: its records' curves joined,
    a later record's value replacing an earlier one's at the same step. A trial that
    stopped below the highest budget was pruned: its line is faded. A curve of one point is
    drawn as a dot.

    Parameters
    ----------
    ax : matplotlib Axes
        Where to draw.
    trials : iterable of Trial
        The trials of a search, e.g. what `random_search` or `successive_halving` returns.
    color_by : str, default="lr"
        The hyperparameter that sets each curve's colour (a number in every trial's params;
        the value of its last record).
    log : bool, default=True
        Map the colour on a log scale (for a learning rate).
    cmap : str, default="viridis"
        Matplotlib colour map.
    vmin, vmax : float, optional
        The range of the colour scale; the range of the trials' values by default (give the
        search space's bounds to compare several figures).
    fade_pruned : bool, default=True
        Draw the pruned trials thin and faded.

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
    records = sorted(trials, key=lambda t: t.key)
    curves: dict[int, dict[int, float]] = {}
    last: dict[int, Trial] = {}
    for t in records:
        if t.curve:
            curves.setdefault(t.id, {}).update(t.curve)
            last[t.id] = t
    if not curves:
        raise ValueError("no trial has a learning curve to draw")
    for t in last.values():
        value = t.params.get(color_by)
        if not is_real(value):
            names = ", ".join(t.params)
            raise ValueError(
                f"color_by={color_by!r} must name a numeric parameter of every trial; "
                f"trial {t.id} has {color_by}={value!r} (its parameters: {names})"
            )
    values = {i: float(t.params[color_by]) for i, t in last.items()}
    lo = min(values.values()) if vmin is None else vmin
    hi = max(values.values()) if vmax is None else vmax
    norm = mpl.colors.LogNorm(lo, hi) if log else mpl.colors.Normalize(lo, hi)
    colormap = mpl.colormaps[cmap]
    top = max(t.key[1] for t in records)
    reached = {i: max(t.key[1] for t in records if t.id == i) for i in curves}
    ok = [t for t in records if t.status == "ok" and t.loss is not None]
    best = Trials(ok).best.id if ok else None
    for i, points in curves.items():
        steps, losses = zip(*sorted(points.items()), strict=True)
        pruned = fade_pruned and reached[i] < top
        width, alpha, z = (2.5, 1.0, 3) if i == best else (0.8, 0.35, 1) if pruned else (1, 1, 2)
        ax.plot(steps, losses, color=colormap(norm(values[i])), linewidth=width, alpha=alpha,
                zorder=z, marker="o" if len(steps) == 1 else None, markersize=3)  # fmt: skip
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
        Default: `MAX_WIDTH` wide, 2.2 inches per row (2.4 for two columns or more).

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
        figsize = (MAX_WIDTH, (2.2 if ncols == 1 else 2.4) * nrows)
    fig, axes = subplots(nrows, ncols, figsize=figsize, sharex=True, sharey=True, squeeze=False)
    for ax, (title, path) in zip(axes.flat, paths.items(), strict=False):
        draw_paths(ax, surface, {title: path}, extent=extent, levels=levels)
        ax.set_title(title, fontsize="medium")
        ax.label_outer()
    for ax in axes.flat[len(paths) :]:
        ax.set_visible(False)
    return fig, axes.ravel()


# --- reading a search ---------------------------------------------------------------------------


def _one_budget(trials: Iterable[Trial]) -> list[Trial]:
    """The successful trials, refusing a mix of budgets (their losses do not compare)."""
    records = list(trials)
    budgets = sorted({t.key[1] for t in records})
    if len(budgets) > 1:
        raise ValueError(
            f"the trials have budgets {budgets}: losses after different budgets do not "
            "compare; pass the records of one budget, e.g. [t for t in trials if t.budget == 9]"
        )
    ok = [t for t in records if t.status == "ok" and t.loss is not None]
    if not ok:
        raise ValueError("no successful trial to draw")
    return ok


def _axes_of(space: Mapping[str, Any]) -> dict[str, Any]:
    """The distributions of `space` (constants have no axis)."""
    from dlbasics.distributions import Distribution

    axes = {name: d for name, d in space.items() if isinstance(d, Distribution)}
    if not axes:
        raise ValueError(f"space has no distribution to draw an axis for: {dict(space)}")
    return axes


def _option(dist: Any, value: Any) -> int:
    """The index of `value` among a `Choice`'s options."""
    return next(k for k, o in enumerate(dist.options) if o == value)


def _position(dist: Any, values: Sequence[Any]) -> np.ndarray:
    """Values at 0 (the distribution's `low`, or first option) to 1 (`high`, last option)."""
    if dist.scale == "choice":
        index = [_option(dist, v) for v in values]
        return np.asarray(index, dtype=float) / max(1, len(dist.options) - 1)
    t0, t1 = float(dist.to_scale(dist.low)), float(dist.to_scale(dist.high))
    return (np.asarray(dist.to_scale(np.asarray(values, dtype=float))) - t0) / (t1 - t0) + 0.0


def parallel_coordinates(
    ax: Any, trials: Iterable[Trial], space: Mapping[str, Any], *, cmap: str = "viridis"
) -> Any:
    r"""One vertical axis per hyperparameter and one for the loss; a line per trial.

    Each hyperparameter's axis runs from its distribution's `low` (bottom) to its `high`
    (top) on the distribution's own scale: $\log\alpha$ for a `LogUniform`,
    $\log(1-\beta)$ for a `ReverseLogUniform`, evenly spaced options for a `Choice`. The
    loss axis is logarithmic, from the lowest loss (bottom) to the highest; each line is
    coloured by its loss (dark: low), so the good trials' paths stand out.

    Parameters
    ----------
    ax : matplotlib Axes
        Where to draw.
    trials : iterable of Trial
        Trials of one budget (the failed ones are left out).
    space : dict
        The search space: its distributions give the axes (constants are skipped).
    cmap : str, default="viridis"
        Colour map of the loss (viridis: dark for a low loss).

    Returns
    -------
    matplotlib.cm.ScalarMappable
        The loss's colour scale, for `fig.colorbar`.

    Raises
    ------
    ValueError
        If no trial succeeded, the trials have different budgets, or the space has no
        distribution.

    Examples
    --------
    >>> from dlbasics import LogUniform, ReverseLogUniform, Trial
    >>> space = {"lr": LogUniform(1e-3, 1), "beta": ReverseLogUniform(0.9, 0.999)}
    >>> trials = [Trial(0, {"lr": 0.01, "beta": 0.99}, loss=0.3),
    ...           Trial(1, {"lr": 0.5, "beta": 0.9}, loss=2.0)]
    >>> fig, ax = subplots()
    >>> scale = parallel_coordinates(ax, trials, space)
    >>> lines = ax.get_lines()[-2:]  # the best trial is drawn last
    >>> [np.round(line.get_ydata(), 3).tolist() for line in lines]
    [[0.9, 0.0, 1.0], [0.333, 0.5, 0.0]]
    >>> plt.close(fig)
    """
    ok = _one_budget(trials)
    axes = _axes_of(space)
    losses = np.array([t.loss for t in ok], dtype=float)
    if np.min(losses) <= 0:
        raise ValueError(f"the loss axis is logarithmic: losses must be > 0, got {losses.min()}")
    low, high = float(losses.min()), float(losses.max())
    norm = mpl.colors.LogNorm(low, high if high > low else low * 10)  # one trial: a decade
    ys = [_position(d, [t.params[n] for t in ok]) for n, d in axes.items()]
    vmax = high if high > low else low * 10
    ys.append(np.log(losses / low) / np.log(vmax / low))
    x = list(range(len(ys)))
    for k in x:
        ax.axvline(k, color="0.6", linewidth=0.8, zorder=1)
    colormap = mpl.colormaps[cmap]
    for j in np.argsort(-losses):  # the best on top
        ax.plot(x, [y[j] for y in ys], color=colormap(norm(losses[j])), linewidth=1.2,
                alpha=0.9, zorder=2)  # fmt: skip
    ticks = [_ticks(d) for d in axes.values()]
    ticks.append([(0.0, f"{low:.3g}"), (1.0, f"{vmax:.3g}")])
    for k, marks in enumerate(ticks):
        for y, text in marks:
            place = {0.0: ("center", "top", (0, -4)), 1.0: ("center", "bottom", (0, 4))}
            ha, va, offset = place.get(y, ("left", "center", (4, 0)))
            ax.annotate(text, (k, y), xytext=offset, textcoords="offset points", ha=ha, va=va)
    names = [
        f"{n} (log 1 − {n})" if d.scale == "reverse_log" else _name(n, d) for n, d in axes.items()
    ]
    ax.set_xticks(x, [*names, "loss (log)"])
    ax.set(ylim=(-0.12, 1.12), yticks=[])
    ax.grid(False)
    ax.spines[["left", "bottom"]].set_visible(False)
    ax.tick_params(axis="x", length=0, pad=12)
    return mpl.cm.ScalarMappable(norm=norm, cmap=colormap)


def _plain_log_ticks(axis: Any) -> None:
    """Label a log axis with plain numbers (0.01, 0.02, 0.05) and no crowded minor labels."""
    axis.axes.autoscale_view()
    low, high = sorted(axis.get_view_interval())
    subs = (1.0,) if high / low > 300 else (1.0, 2.0, 5.0)
    axis.set_major_locator(mpl.ticker.LogLocator(subs=subs))
    axis.set_major_formatter(mpl.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(mpl.ticker.NullFormatter())


def _ticks(dist: Any) -> list[tuple[float, str]]:
    """`(position, label)` marks along a distribution's axis: its bounds, or its options."""
    if dist.scale == "choice":
        n = max(1, len(dist.options) - 1)
        return [(k / n, str(o)) for k, o in enumerate(dist.options)]
    return [(0.0, f"{dist.low:.3g}"), (1.0, f"{dist.high:.3g}")]


def _name(name: str, dist: Any) -> str:
    return {"log": f"{name} (log)", "reverse_log": f"1 − {name} (log)"}.get(dist.scale, name)


def loss_by_parameter(
    trials: Iterable[Trial], space: Mapping[str, Any], *, log_loss: bool = True
) -> tuple[Any, Any]:
    r"""The loss against each hyperparameter, one panel each, on the parameter's own scale.

    The panels sit two to a row (a figure `MAX_WIDTH` wide, legible on a phone).

    A `LogUniform` parameter (a learning rate $\alpha$) gets a log axis; a
    `ReverseLogUniform` one (a momentum $\beta$) is drawn against $1-\beta$ on a log axis,
    where its samples are spread evenly; an integer axis sampled on a log scale gets a log
    axis; a `Choice` a category axis. The best trial is starred in every panel.

    Parameters
    ----------
    trials : iterable of Trial
        Trials of one budget (the failed ones are left out).
    space : dict
        The search space: one panel per distribution (constants are skipped).
    log_loss : bool, default=True
        Logarithmic loss axis (shared by the panels).

    Returns
    -------
    fig, axes
        The figure and its axes, one per panel (an odd last slot of the grid is hidden).

    Raises
    ------
    ValueError
        If no trial succeeded, the trials have different budgets, or the space has no
        distribution.

    Examples
    --------
    >>> from dlbasics import LogUniform, ReverseLogUniform, Trial
    >>> space = {"lr": LogUniform(1e-3, 1), "beta": ReverseLogUniform(0.9, 0.999)}
    >>> trials = [Trial(0, {"lr": 0.01, "beta": 0.99}, loss=0.3),
    ...           Trial(1, {"lr": 0.5, "beta": 0.9}, loss=2.0)]
    >>> fig, axes = loss_by_parameter(trials, space)
    >>> [ax.get_xscale() for ax in axes], [ax.get_xlabel() for ax in axes]
    (['log', 'log'], ['lr (log)', '1 − beta (log)'])
    >>> plt.close(fig)
    """
    ok = _one_budget(trials)
    axes_of = _axes_of(space)
    n = len(axes_of)
    ncols = min(n, 2)
    nrows = -(-n // ncols)
    fig, grid = subplots(nrows, ncols, figsize=(MAX_WIDTH, 2.6 * nrows), sharey=True, squeeze=False)
    axes = grid.ravel()
    for ax in axes[n:]:
        ax.set_visible(False)
    best = Trials(ok).best
    losses = [t.loss for t in ok]
    for ax, (name, dist) in zip(axes, axes_of.items(), strict=False):

        def x_of(t: Trial, name: str = name, dist: Any = dist) -> Any:
            v = t.params[name]
            if dist.scale == "choice":
                return _option(dist, v)
            return 1 - v if dist.scale == "reverse_log" else v

        ax.scatter([x_of(t) for t in ok], losses, s=18, color="C0", alpha=0.8, zorder=2)
        ax.plot(x_of(best), best.loss, "*", color="C3", markersize=12, zorder=3)
        if dist.scale == "choice":
            ax.set_xticks(range(len(dist.options)), [str(o) for o in dist.options])
        elif dist.scale in ("log", "reverse_log"):
            ax.set_xscale("log")
            _plain_log_ticks(ax.xaxis)
        ax.set_xlabel(_name(name, dist))
    if log_loss:
        axes[0].set_yscale("log")  # shared by every panel
        _plain_log_ticks(axes[0].yaxis)
    for ax in grid[:, 0]:
        ax.set_ylabel("loss")
    return fig, axes[:n]
