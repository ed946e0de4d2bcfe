"""Plots that read a search: learning curves, parallel coordinates, loss by parameter.

Built on `dlbasics.plots` (its style and `figure_html`); like it, an optional part that needs
matplotlib (the `docs` extra).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import matplotlib as mpl
import numpy as np

from dlbasics._validate import is_real
from dlbasics.plots import MAX_WIDTH, subplots
from dlbasics.results import Trials

if TYPE_CHECKING:
    from dlbasics.results import Trial


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
    >>> import matplotlib.pyplot as plt
    >>> from dlbasics import Trial
    >>> from dlbasics.plots import subplots
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
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from dlbasics import LogUniform, ReverseLogUniform, Trial
    >>> from dlbasics.plots import subplots
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
    >>> import matplotlib.pyplot as plt
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
