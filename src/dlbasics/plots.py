"""Matplotlib helpers for the pages: seeded, deterministic inline SVG figures.

Optional dependency: import this module only where matplotlib is installed (the `docs` extra).
"""

from __future__ import annotations

import html
import io
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

# Fixed ids and no timestamp: a rebuild produces byte-identical SVG.
plt.rcParams.update(
    {
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
)


def subplots(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
    """`plt.subplots` with the site's style and a constrained layout."""
    kwargs.setdefault("layout", "constrained")
    return plt.subplots(*args, **kwargs)


def figure_html(fig: Any, caption: str, alt: str) -> str:
    """Render `fig` as an inline SVG `<figure>` with a caption, close it, return the HTML.

    `caption` is HTML (plain text or Unicode such as β, σ²; no TeX); `alt` is the text
    alternative read by screen readers.
    """
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]  # drop the XML prolog and doctype
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{html.escape(alt)}" ', 1)
    return f'<figure class="dl-figure">\n{svg}\n<figcaption>{caption}</figcaption>\n</figure>'
