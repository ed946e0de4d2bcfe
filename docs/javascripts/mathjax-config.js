/* MathJax 3 configuration for pymdownx.arithmatex (generic mode) and Material's instant navigation.
 *
 * Loaded before the vendored javascripts/mathjax/tex-chtml.js (see mkdocs.yml).
 *
 * Re-typesetting: Material's documented hook (clearCache + typesetClear + texReset +
 * typesetPromise on every document$ emission) leaves every equation INVISIBLE on first load with
 * CHTML: document$ fires after MathJax has typeset the page and clearCache() drops the glyph
 * styles. So we chain onto MathJax.startup.promise and re-typeset only when some .arithmatex
 * element has no mjx-container yet, i.e. a page that arrived by instant navigation.
 * (In MathJax 3.2 typesetPromise() does not itself chain onto startup.promise; MathJax 4's does,
 * so returning it from inside the chain below would deadlock there.)
 *
 * TeX errors are loud: "noundefined" is removed so an unknown macro is an error (not red text),
 * and every mjx-merror is logged with console.error, which the browser tests treat as a failure.
 */
(function () {
  "use strict";

  window.MathJax = {
    tex: {
      inlineMath: [["\\(", "\\)"]],
      displayMath: [["\\[", "\\]"]],
      processEscapes: true,
      processEnvironments: true,
      packages: { "[-]": ["noundefined"] },
    },
    options: {
      ignoreHtmlClass: ".*|",
      // A heading with math reaches the table of contents (and the header, for the page title) as
      // raw \(...\) text: the toc extension strips the arithmatex span. Material wraps those
      // titles in span.md-ellipsis, so typeset there too. (Only the innermost classed element
      // counts: ignoreHtmlClass ".*|" re-ignores every classed descendant.)
      processHtmlClass: "arithmatex|md-ellipsis",
    },
    startup: {
      pageReady: function () {
        return MathJax.startup.defaultPageReady().then(reportMathErrors);
      },
    },
  };

  function reportMathErrors() {
    document.querySelectorAll("mjx-merror").forEach(function (node) {
      if (node.hasAttribute("data-dl-reported")) return;
      node.setAttribute("data-dl-reported", "");
      var source = node.closest(".arithmatex");
      console.error(
        "MathJax TeX error: " + (node.getAttribute("data-mjx-error") || node.textContent) +
          (source ? " in: " + source.getAttribute("data-dl-tex") : "")
      );
    });
  }

  function pendingMath() {
    var nodes = document.querySelectorAll(".arithmatex");
    for (var i = 0; i < nodes.length; i++) {
      if (!nodes[i].querySelector("mjx-container")) return true;
    }
    return false;
  }

  function rememberTex() {
    /* Keep each equation's source so an error message can quote it after typesetting. */
    document.querySelectorAll(".arithmatex:not([data-dl-tex])").forEach(function (node) {
      node.setAttribute("data-dl-tex", node.textContent.trim());
    });
  }

  rememberTex();

  document$.subscribe(function () {
    /* Before tex-chtml.js has run, startup will typeset the first page itself. */
    if (!window.MathJax || typeof MathJax.typesetPromise !== "function") return;
    MathJax.startup.promise = MathJax.startup.promise.then(function () {
      if (!pendingMath()) return;
      rememberTex();
      MathJax.startup.output.clearCache();
      MathJax.typesetClear();
      MathJax.texReset();
      return MathJax.typesetPromise().then(reportMathErrors);
    });
  });
})();
