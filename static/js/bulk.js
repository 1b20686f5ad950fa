// The bulk top-up preview: the total and the balance after it follow the ticks as they
// change. Without this file, "Update the total" asks the server for the same figures.
(function () {
  "use strict";

  function grouped(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  function start() {
    var form = document.getElementById("bulk-form");
    if (!form) return;
    var total = document.getElementById("bulk-total");
    var after = document.getElementById("bulk-balance-after");
    var balanceText = form.getAttribute("data-balance");
    var unlimited = balanceText === "unlimited";
    var balance = unlimited ? 0 : parseInt(String(balanceText).split(".")[0], 10);

    function update() {
      var sum = 0;
      form.querySelectorAll('input[name="name"]:checked').forEach(function (tick) {
        sum += parseInt(tick.getAttribute("data-amount"), 10) || 0;
      });
      total.textContent = grouped(sum);
      if (!unlimited && after) after.textContent = grouped(balance - sum);
    }
    form.addEventListener("change", update);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
