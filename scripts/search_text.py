"""MkDocs hook: the search index holds the words of the math, not its TeX.

The search plugin indexes each page's HTML, in which equations are still TeX (MathJax typesets
them in the browser): a result would show `\\(\\hat z = (z - \\mu)/\\sqrt{\\sigma^2 +
\\varepsilon}\\)`. After the plugin has written the index, every `\\(...\\)` and `\\[...\\]` in it
is rewritten as plain text: `z = (z - μ)/√(σ^2 + ε)`. Greek letters and common symbols become
their characters, `\\text{...}` and friends their contents, other commands their names.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from mkdocs.plugins import event_priority


def pairs(table: str) -> dict[str, str]:
    """{"alpha": "α", ...} from "alpha α beta β ..."."""
    words = table.split()
    return dict(zip(words[::2], words[1::2], strict=True))


SYMBOLS = pairs(
    """
    alpha α beta β gamma γ delta δ epsilon ε varepsilon ε zeta ζ eta η theta θ vartheta ϑ
    iota ι kappa κ lambda λ mu μ nu ν xi ξ pi π rho ρ sigma σ tau τ upsilon υ phi φ varphi φ
    chi χ psi ψ omega ω Gamma Γ Delta Δ Theta Θ Lambda Λ Xi Ξ Pi Π Sigma Σ Phi Φ Psi Ψ Omega Ω
    cdot · times × pm ± le ≤ leq ≤ ge ≥ geq ≥ ne ≠ neq ≠ approx ≈ sim ∼ propto ∝ infty ∞
    sum ∑ prod ∏ int ∫ partial ∂ nabla ∇ in ∈ leftarrow ← gets ← rightarrow → to →
    longrightarrow ⟶ Rightarrow ⇒ mapsto ↦ dots … ldots … cdots ⋯ odot ⊙ circ ∘ top ⊤
    Vert ‖ lVert ‖ rVert ‖ mid | lvert | rvert | ell ℓ sqrt √
    """
)
# Symbols read as separate words (relations, arrows, big operators): spaced.
SPACED = frozenset(
    {
        "cdot", "times", "pm", "le", "leq", "ge", "geq", "ne", "neq", "approx", "sim",
        "propto", "sum", "prod", "int", "in", "leftarrow", "gets", "rightarrow", "to",
        "longrightarrow", "Rightarrow", "mapsto",
    }
)  # fmt: skip
# Commands whose argument is the text (or whose mark is dropped): \text{batch} -> batch.
KEEP_ARGUMENT = (
    "text|textrm|textbf|textit|mathrm|mathbf|mathit|mathcal|mathbb|mathsf|boldsymbol|"
    "operatorname|hat|widehat|tilde|widetilde|bar|overline|underline|vec|boxed|mathbin"
)
# Spacing, sizing and layout: nothing to read.
DROPPED = re.compile(
    r"\\(?:left|right|big|Big|bigg|Bigg|bigl|bigr|Bigl|Bigr|biggl|biggr|middle|quad|qquad|"
    r"displaystyle|textstyle|limits|nolimits|hat|widehat|tilde|widetilde|bar|overline|vec|"
    r"begin\{\w+\*?\}|end\{\w+\*?\})(?![A-Za-z])|\\[,;:! ]|&"
)
MATH = re.compile(r"\\\((.+?)\\\)|\\\[(.+?)\\\]", re.DOTALL)
FRACTION = re.compile(r"\\[dt]?frac\{([^{}]*)\}\{([^{}]*)\}")
ROOT = re.compile(r"\\sqrt\{([^{}]*)\}")
ARGUMENT = re.compile(rf"\\(?:{KEEP_ARGUMENT})\{{([^{{}}]*)\}}")
GROUP = re.compile(r"(?<![A-Za-z}\\])\{([^{}]*)\}")
COMMAND = re.compile(r"\\([A-Za-z]+)")
SIMPLE = re.compile(r"\w+|\w+[\^_]\w+")


def parenthesized(text: str) -> str:
    text = text.strip()
    return text if SIMPLE.fullmatch(text) else f"({text})"


def symbol(command: re.Match[str]) -> str:
    name = command[1]
    text = SYMBOLS.get(name, name)
    return f" {text} " if name in SPACED else text


def plain(tex: str) -> str:
    """Readable plain text for one piece of TeX (without its delimiters)."""
    text = tex.replace(r"\{", "\x00").replace(r"\}", "\x01").replace("\\\\", " ; ")
    while True:
        previous = text
        text = FRACTION.sub(lambda m: f"{parenthesized(m[1])}/{parenthesized(m[2])}", text)
        text = ROOT.sub(lambda m: "√" + parenthesized(m[1]), text)
        text = ARGUMENT.sub(r"\1", text)
        text = GROUP.sub(r"\1", text)
        if text == previous:
            break
    text = DROPPED.sub(" ", text)
    text = COMMAND.sub(symbol, text)
    text = text.replace("{", "").replace("}", "").replace("\x00", "{").replace("\x01", "}")
    return re.sub(r"\s+", " ", text).strip()


def plain_math(text: str) -> str:
    """`text` with every `\\(...\\)` and `\\[...\\]` replaced by its plain text."""
    return MATH.sub(lambda m: plain(m[1] if m[1] is not None else m[2]), text)


@event_priority(-100)  # after the search plugin has written the index
def on_post_build(config) -> None:
    index = Path(config.site_dir) / "search" / "search_index.json"
    if not index.is_file():
        return
    data = json.loads(index.read_text(encoding="utf-8"))
    for doc in data["docs"]:
        doc["title"] = plain_math(doc["title"])
        doc["text"] = plain_math(doc["text"])
    index.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
