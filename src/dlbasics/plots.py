"""Matplotlib helpers for the pages: seeded, deterministic inline SVG figures.

Optional dependency: import this module only where matplotlib is installed (the `docs` extra).
Importing it changes nothing global (no backend switch, no rcParams update): the site's style
applies to the figures made by `subplots`, while they are created and while `figure_html`
saves them.
"""

from __future__ import annotations

import html
import io
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

from dlbasics._validate import check_int

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
