// Top-up form: the account list narrows as the reseller types in "Find a client by name".
// Without this file the search box is a plain GET form ("Find"), answered by the server with
// the same narrowed list; here the same answer is fetched and only the list is swapped, so
// an amount already typed stays where it is.
(function () {
  "use strict";

  var WAIT_MS = 250;

  function swapIn(doc, select, status) {
    var fresh = doc.getElementById(select.id);
    var freshStatus = doc.querySelector("[data-picker-status]");
    if (!fresh) return;
    var kept = select.value;
    select.replaceChildren.apply(select, Array.prototype.map.call(fresh.options, function (o) {
      return document.importNode(o, true);
    }));
    // What the reseller had chosen stays chosen if it still matches; one match is chosen.
    var stillThere = Array.prototype.some.call(select.options, function (o) {
      return kept && o.value === kept;
    });
    if (stillThere) select.value = kept;
    if (status && freshStatus) status.replaceChildren.apply(
      status, Array.prototype.map.call(freshStatus.childNodes, function (n) {
        return document.importNode(n, true);
      }));
    select.dispatchEvent(new Event("change", { bubbles: true }));
  }

  document.addEventListener("DOMContentLoaded", function () {
    var search = document.getElementById("account-search");
    var select = document.getElementById("id_name");
    if (!search || !select) return;
    var box = search.querySelector("input[name=q]");
    var status = search.querySelector("[data-picker-status]");
    var timer = null;
    var latest = 0;

    function look() {
      var asked = ++latest;
      var url = search.getAttribute("action") + "?q=" + encodeURIComponent(box.value);
      fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (html === null || asked !== latest) return;  // an older answer arriving late
          swapIn(new DOMParser().parseFromString(html, "text/html"), select, status);
        })
        .catch(function () { /* the Find button still works */ });
    }

    box.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(look, WAIT_MS);
    });
    search.addEventListener("submit", function (event) {
      event.preventDefault();
      window.clearTimeout(timer);
      look();
    });
  });
})();
