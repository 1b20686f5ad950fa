// Top-ups: a live preview of both balances after the top-up, and a gentle wait for an
// outcome mSpace has not given yet. The pages work without this file: the server renders
// the same figures when the form comes back, and the outcome page has a refresh link.
(function () {
  "use strict";

  var DIGITS = /^[0-9]+$/;

  function grouped(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  // The same rule as the server: ASCII digits only, leading zeros allowed.
  function amountOf(text) {
    text = text.trim();
    if (!DIGITS.test(text)) return null;
    var n = parseInt(text, 10);
    return n >= 1 && Number.isSafeInteger(n) ? n : null;
  }

  // A balance as the page gives it: "unlimited", or a number as mSpace sent it ("49.5").
  // Rules count a decimal as its whole part, as the server does; shown figures keep the
  // fraction (amounts are whole, so only the whole part ever changes).
  function balanceOf(text) {
    if (text === "unlimited") return { unlimited: true, whole: Infinity, fraction: "" };
    var parts = String(text).split(".");
    return { unlimited: false, whole: parseInt(parts[0], 10), fraction: parts[1] ? "." + parts[1] : "" };
  }

  function shownAfter(balance, change) {
    return balance.unlimited ? unlimitedLabel : grouped(balance.whole + change) + balance.fraction;
  }

  var unlimitedLabel = "Unlimited"; // the page's own word replaces it (it may be translated)

  function preview(form) {
    var select = form.querySelector("select[name=name]");
    var input = form.querySelector("input[name=noofsms]");
    var box = document.getElementById("topup-preview");
    if (!select || !input || !box) return;
    unlimitedLabel = form.dataset.unlimitedLabel || unlimitedLabel;
    var balance = balanceOf(form.dataset.balance);
    var option = select.options[select.selectedIndex];
    var chosen = option && option.value ? option : null;
    var target = chosen ? balanceOf(chosen.dataset.balance) : null;
    var amount = amountOf(input.value);
    var fits = amount !== null && amount <= balance.whole;

    box.querySelector("[data-target-label]").textContent = chosen ? chosen.value : box.dataset.noneLabel;
    var now = box.querySelector("[data-now=target]");
    now.textContent = chosen ? shownAfter(target, 0) + " SMS" : box.dataset.chooseLabel;

    // Warned while typing; the server refuses it all the same.
    var over = form.querySelector("[data-over-balance]");
    if (over) over.hidden = !(amount !== null && amount > balance.whole);

    var afters = box.querySelectorAll(".topup-after");
    afters[0].hidden = !fits;
    afters[1].hidden = !(fits && chosen);
    if (fits) box.querySelector("[data-after=reseller]").textContent = shownAfter(balance, -amount);
    if (fits && chosen) box.querySelector("[data-after=target]").textContent = shownAfter(target, amount);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("topup-form");
    if (form) {
      var update = function () { preview(form); };
      form.addEventListener("input", update);
      form.addEventListener("change", update);
      update();
    }

    // An outcome still in progress: look again every two seconds, for about a minute.
    var waiting = document.querySelector("[data-still-in-progress]");
    if (waiting) {
      var tries = Number(sessionStorage.getItem("topup-poll:" + location.pathname) || 0);
      if (tries < 30) {
        sessionStorage.setItem("topup-poll:" + location.pathname, String(tries + 1));
        window.setTimeout(function () { location.reload(); }, 2000);
      }
    }
  });
})();
