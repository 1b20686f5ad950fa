// A bulk top-up's progress, updated from /batches/<id>/?format=json every two seconds.
// Without this file the page refreshes itself (a <noscript> refresh) and reads the same.
(function () {
  "use strict";

  var FIGURES = ["total", "done", "succeeded", "failed", "unknown", "cancelled"];

  function grouped(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  function start() {
    var section = document.getElementById("batch");
    var bar = document.getElementById("batch-bar");
    if (!section || !bar || !window.fetch) return;
    var url = section.getAttribute("data-json-url");

    function show(figures) {
      bar.max = figures.total;
      bar.value = figures.done;
      bar.textContent = figures.done + " / " + figures.total;
      FIGURES.forEach(function (name) {
        var cell = section.querySelector('[data-figure="' + name + '"]');
        if (cell) cell.textContent = grouped(figures[name]);
      });
    }

    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.json();
        })
        .then(function (figures) {
          show(figures);
          // The rows' outcomes are on the page itself: read it again when it is over.
          if (figures.finished) {
            window.location.reload();
          } else {
            window.setTimeout(poll, 2000);
          }
        })
        .catch(function () {
          window.setTimeout(poll, 5000);
        });
    }
    window.setTimeout(poll, 1000);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
