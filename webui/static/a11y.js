// Accessibility helpers for every page (loaded by base.html).
(function () {
  // After a failed submit the error summary takes focus, so screen readers read it first.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }

  // A table that scrolls sideways inside .table-wrap must be reachable and named for keyboard
  // users; only wrappers that really scroll at the current width become focusable regions.
  function label(wrap) {
    var table = wrap.querySelector("table");
    var caption = table && table.querySelector("caption");
    var section = wrap.closest("section");
    var heading = section && section.querySelector("h2, h3");
    var h1 = document.querySelector("h1");
    return (caption || heading || h1 || document).textContent.trim();
  }
  function regions() {
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      if (wrap.scrollWidth > wrap.clientWidth + 1) {
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        if (!wrap.hasAttribute("aria-label")) { wrap.setAttribute("aria-label", label(wrap)); }
      } else if (wrap.getAttribute("role") === "region") {
        wrap.removeAttribute("tabindex");
        wrap.removeAttribute("role");
      }
    });
  }
  regions();
  var pending = null;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(regions, 100);
  });
})();
