"""Matplotlib helpers for the pages: seeded, deterministic inline SVG figures.

Optional dependency: import this module only where matplotlib is installed (the `docs` extra).
Importing it changes nothing global (no backend switch, no rcParams update): the site's style
applies to the figures made by `subplots`, while they are created and while `figure_html`
saves them.
"""

from __future__ import annotations

import html
import io
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

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
    "font.size": 10,
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
