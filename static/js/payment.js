// Top up by amount paid: as the amount paid is typed, show the SMS it buys at the chosen
// account's price and fill in "Number of SMS" if the reseller left it empty. The server does
// the same sum when the form is sent, so the page works without this file.
// Money is never a float here: amounts are whole numbers of 1/10,000 (BigInt), as the server
// keeps prices to four decimals, and the SMS are rounded down as the server does.
(function () {
  "use strict";

  var SCALE = 4;
  var MONEY = /^[0-9]+(\.[0-9]+)?$/;

  // "5,000.50" → 50005000n (in 1/10,000), or null when it is not a plain amount.
  function scaled(text) {
    text = String(text).replace(/,/g, "").replace(/ /g, "").trim();
    if (!MONEY.test(text)) return null;
    var parts = text.split(".");
    var decimals = parts[1] || "";
    if (decimals.length > SCALE) return null;
    return BigInt(parts[0] + decimals.padEnd(SCALE, "0"));
  }

  // Half-up to the currency's unit (KES 0.01, UGX 1), still in 1/10,000.
  function toUnit(units, places) {
    var step = 10n ** BigInt(SCALE - places);
    return ((units + step / 2n) / step) * step;
  }

  function shown(units, places) {
    var rounded = units / 10n ** BigInt(SCALE - places);
    var text = rounded.toString().padStart(places + 1, "0");
    var whole = places ? text.slice(0, -places) : text;
    var grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return places ? grouped + "." + text.slice(-places) : grouped;
  }

  // "0.5000" → "0.50" in KES, "27.5000" → "27.5" in UGX: the needed decimals, as the server.
  function priceShown(text, places) {
    var parts = text.split(".");
    var decimals = (parts[1] || "").replace(/0+$/, "");
    while (decimals.length < places) decimals += "0";
    return parts[0] + (decimals ? "." + decimals : "");
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("topup-form");
    var list = document.getElementById("account-prices");
    var box = document.getElementById("payment-preview");
    if (!form || !list || !box) return;
    // The default price on the list itself, each account with its own price as an item.
    var priceOf = function (element) {
      return { price: element.dataset.price, currency: element.dataset.currency,
               unit_places: Number(element.dataset.places) };
    };
    var own = Object.create(null); // a client called "constructor" is just a name
    list.querySelectorAll("li").forEach(function (item) { own[item.dataset.name] = priceOf(item); });
    var fallback = priceOf(list);
    var select = form.querySelector("select[name=name]");
    var sms = form.querySelector("input[name=noofsms]");
    var paid = form.querySelector("input[name=amount_paid]");
    var filledByUs = false;
    var filling = false;

    function fill(value) {
      sms.value = value;
      filling = true;
      sms.dispatchEvent(new Event("input", { bubbles: true })); // topup.js redraws balances
      filling = false;
    }

    function update(event) {
      if (filling) return;
      if (event && event.target === sms) filledByUs = false;
      var chosen = select && select.value ? own[select.value] || fallback : null;
      var price = chosen && chosen.price ? scaled(chosen.price) : null;
      var amount = scaled(paid.value);
      if (!price || amount === null || amount === 0n) {
        box.hidden = true;
        if (filledByUs) { filledByUs = false; fill(""); }
        return;
      }
      var count = amount / price; // BigInt division rounds down, as the server does
      var left = amount - toUnit(count * price, chosen.unit_places);
      // The sentence comes translated from the page, with {sms}, {price} and {left} in it.
      box.textContent = box.dataset.says
        .replace("{sms}", count.toLocaleString("en"))
        .replace("{price}", chosen.currency + " " + priceShown(chosen.price, chosen.unit_places))
        .replace("{left}", chosen.currency + " " + shown(left, chosen.unit_places));
      box.hidden = false;
      if (sms.value.trim() === "" || filledByUs) {
        filledByUs = true;
        fill(count.toString());
      }
    }

    form.addEventListener("input", update);
    form.addEventListener("change", update);
  });
})();
