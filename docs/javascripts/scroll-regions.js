/* A table too wide for its column scrolls sideways in Material's .md-typeset__scrollwrap: make
 * that wrapper a tab stop while (and only while) it overflows, so that the keyboard can scroll
 * it. Widths change with the window and when MathJax typesets the math in a table, so each
 * wrapper and its table are watched with a ResizeObserver. (Material does the same for code
 * blocks itself.) The visible cue, a shadow at the edge that has more, is in extra.css.
 */
(function () {
  "use strict";

  function update(wrap) {
    if (wrap.scrollWidth > wrap.clientWidth + 1) {
      wrap.setAttribute("tabindex", "0");
    } else {
      wrap.removeAttribute("tabindex");
    }
  }

  var observer = new ResizeObserver(function (entries) {
    entries.forEach(function (entry) {
      var wrap = entry.target.closest(".md-typeset__scrollwrap");
      if (wrap) update(wrap);
    });
  });

  document$.subscribe(function () {
    observer.disconnect();
    document.querySelectorAll(".md-typeset__scrollwrap").forEach(function (wrap) {
      observer.observe(wrap);
      if (wrap.firstElementChild) observer.observe(wrap.firstElementChild);
    });
  });
})();
