/* MathJax 3 configuration for pymdownx.arithmatex (generic mode) and Material's instant navigation.
 *
 * Loaded before the vendored javascripts/mathjax/tex-chtml-nomenu.js (see mkdocs.yml).
 *
 * First screen first: the equations on or near the screen are typeset as soon as MathJax has
 * loaded; once the fonts they use have loaded (the glyphs' widths are the fonts'), the article
 * is shown (overrides/main.html hides it on pages with math, so raw TeX never flashes and
 * nothing moves); then the rest of the page is typeset a few equations per task, so the
 * browser stays responsive. A display equation a little wider than its column is scaled down
 * to fit (to MIN_FIT at most); the browser tests report any that still overflows.
 *
 * Re-typesetting: Material's documented hook (clearCache + typesetClear + texReset +
 * typesetPromise on every document$ emission) leaves every equation INVISIBLE on first load with
 * CHTML: document$ fires after MathJax has typeset the page and clearCache() drops the glyph
 * styles. So we chain onto MathJax.startup.promise and re-typeset only when a new article has
 * arrived by instant navigation. (In MathJax 3.2 typesetPromise() does not itself chain onto
 * startup.promise; MathJax 4's does, so returning it from inside the chain below would deadlock.)
 *
 * TeX errors are loud: "noundefined" is removed so an unknown macro is an error (not red text),
 * and every mjx-merror is logged with console.error, which the browser tests treat as a failure.
 *
 * Keyboard: equations are not tab stops (the vendored MathJax has no context menu, which made
 * each one focusable); one that has to scroll sideways is, so that it can be scrolled without a
 * mouse. Screen readers read the MathML that MathJax keeps behind each equation.
 */
(function () {
  "use strict";

  var NEAR_SCREEN_PX = 200; // typeset first what is this close to the screen
  var PER_TASK = 16; // equations per task after the first screen
  var MIN_FIT = 0.8; // smallest scale for a display equation wider than its column
  var FONT_WAIT_MS = 1000; // show the article after this even if fonts are still loading
  var TYPESETTING = "dl-typesetting"; // class on <html> while the first screen is not typeset

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
      typeset: false, // typesetPage() below decides the order
      pageReady: function () {
        return MathJax.startup.defaultPageReady().then(typesetPage);
      },
    },
  };

  // The article being typeset (this script runs after it is parsed); instant navigation
  // replaces it with a new one.
  var article = document.querySelector("article");

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

  function rememberTex() {
    /* Keep each equation's source so an error message can quote it after typesetting. */
    document.querySelectorAll(".arithmatex:not([data-dl-tex])").forEach(function (node) {
      node.setAttribute("data-dl-tex", node.textContent.trim());
    });
  }

  /* Elements still holding TeX: equations, and titles with math in the navigation. */
  function untypeset() {
    return Array.prototype.filter.call(
      document.querySelectorAll(".arithmatex, .md-ellipsis"),
      function (node) {
        return (
          !node.hasAttribute("data-dl-typeset") &&
          (node.classList.contains("arithmatex") || node.textContent.indexOf("\\(") >= 0)
        );
      }
    );
  }

  function nearScreen(node) {
    var box = node.getBoundingClientRect();
    return box.bottom > -NEAR_SCREEN_PX && box.top < window.innerHeight + NEAR_SCREEN_PX;
  }

  function typeset(nodes) {
    nodes.forEach(function (node) {
      node.setAttribute("data-dl-typeset", "");
    });
    return MathJax.typesetPromise(nodes).then(reportMathErrors);
  }

  function fontsLoaded() {
    return Promise.race([
      document.fonts.ready,
      new Promise(function (resolve) {
        setTimeout(resolve, FONT_WAIT_MS);
      }),
    ]);
  }

  /* Scale display equations wider than their column down to fit, to MIN_FIT at most. The
   * column is the div.arithmatex (the theme makes it scroll sideways, full width on a phone)
   * less the padding the theme gives the container inside it. */
  function fit(nodes) {
    var boxes = [];
    nodes.forEach(function (node) {
      var box = node.querySelector('mjx-container[display="true"]');
      if (box && box.firstElementChild) {
        node.style.fontSize = "";
        boxes.push(box);
      }
    });
    var scales = boxes.map(function (box) {
      var style = getComputedStyle(box);
      var padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
      var room = box.parentNode.clientWidth - padding - 1;
      var width = box.firstElementChild.getBoundingClientRect().width;
      return width > room ? room / width : 1;
    });
    boxes.forEach(function (box, i) {
      var node = box.parentNode;
      if (scales[i] < 1) node.style.fontSize = Math.max(scales[i], MIN_FIT) * 100 + "%";
      // An equation that still overflows scrolls sideways: let the keyboard reach it.
      if (scales[i] < MIN_FIT) {
        node.setAttribute("tabindex", "0");
      } else {
        node.removeAttribute("tabindex");
      }
    });
  }

  function refitAll() {
    fit(Array.prototype.slice.call(document.querySelectorAll(".arithmatex[data-dl-typeset]")));
  }

  function reveal() {
    document.documentElement.classList.remove(TYPESETTING);
  }

  /* Typeset the equations near the screen (again if typesetting brought more into view), fit
   * them once their fonts have loaded, show the article, then typeset the rest a few at a time,
   * until a new article arrives. Whatever fails, the article is shown. */
  function typesetPage() {
    var page = (article = document.querySelector("article"));
    rememberTex();
    function firstScreen(rounds) {
      var near = untypeset().filter(nearScreen);
      if (near.length === 0 || rounds === 0) return Promise.resolve();
      return typeset(near).then(function () {
        return firstScreen(rounds - 1);
      });
    }
    function rest() {
      var nodes = untypeset();
      if (nodes.length === 0 || page !== article) return Promise.resolve();
      return new Promise(function (resolve) {
        setTimeout(resolve, 0);
      })
        .then(function () {
          if (page !== article) return null;
          var chunk = nodes.slice(0, PER_TASK);
          return typeset(chunk).then(function () {
            fit(chunk);
          });
        })
        .then(rest);
    }
    return firstScreen(3)
      .then(fontsLoaded)
      .then(refitAll)
      .then(reveal, function (error) {
        reveal();
        throw error;
      })
      .then(rest);
  }

  /* Widths change with the window, and with fonts that load after an equation is typeset. */
  var refit = null;
  function refitSoon() {
    if (refit === null) {
      refit = requestAnimationFrame(function () {
        refit = null;
        refitAll();
      });
    }
  }
  window.addEventListener("resize", refitSoon);
  document.fonts.addEventListener("loadingdone", refitSoon);

  /* MathJax did not load: show the article as it is. */
  window.addEventListener(
    "error",
    function (event) {
      if (event.target && event.target.tagName === "SCRIPT") reveal();
    },
    true
  );

  rememberTex();

  document$.subscribe(function () {
    /* Before MathJax has loaded, startup will typeset the first page itself. */
    if (!window.MathJax || typeof MathJax.typesetPromise !== "function") return;
    var arrived = document.querySelector("article");
    if (arrived === article) return;
    article = arrived;
    if (untypeset().some(function (node) { return node.closest("article"); })) {
      document.documentElement.classList.add(TYPESETTING);
    }
    MathJax.startup.promise = MathJax.startup.promise.then(function () {
      MathJax.startup.output.clearCache();
      MathJax.typesetClear();
      MathJax.texReset();
      return typesetPage();
    });
  });
})();
