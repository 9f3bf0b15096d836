// Khata: small behaviours wired by data-action attributes, with no inline scripts
// (keeps a strict Content-Security-Policy possible).
(function () {
  "use strict";

  function linesChanged() {
    document.body.dispatchEvent(new CustomEvent("lines-changed", { bubbles: true }));
  }

  var actions = {
    // Print the page.
    "print": function () { window.print(); },
    // Share link: copy the text of the input whose id is in data-target.
    "copy": function (button) {
      var input = document.getElementById(button.dataset.target);
      if (!input) { return; }
      input.select();
      var done = function () { button.textContent = "Copied"; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done);
      } else if (document.execCommand("copy")) {
        done();
      }
    },
    // New invoice: remove a line item row.
    "remove-line": function (button) {
      var row = button.closest("tr");
      if (row) { row.remove(); linesChanged(); }
    },
    // New invoice: pick a customer from the search results.
    "pick-customer": function (button) {
      document.getElementById("id_customer").value = button.dataset.id;
      document.getElementById("picked-customer-label").textContent = button.dataset.label;
      document.getElementById("picked-customer").classList.remove("d-none");
      document.getElementById("customer-results").innerHTML = "";
      var input = document.getElementById("customer-search");
      input.value = "";
      input.placeholder = "Search another customer";
      linesChanged();
    },
    // New invoice: back to a walk-in sale.
    "walk-in": function () {
      document.getElementById("id_customer").value = "";
      document.getElementById("picked-customer").classList.add("d-none");
      document.getElementById("customer-search").placeholder = "Walk-in — or search a customer by name or phone";
      linesChanged();
    },
    // New invoice: fill "paid now" with the total.
    "pay-full": function (button) {
      var paid = document.getElementById("id_amount_paid");
      if (paid) { paid.value = button.dataset.total; linesChanged(); }
    }
  };

  // Product form tax rate: a preset clears the "Other" box; typing a rate there picks "Other".
  document.addEventListener("change", function (event) {
    var group = event.target.closest("[data-tax-rate]");
    if (group && event.target.type === "radio" && event.target.value !== "other") {
      var box = group.querySelector("input[type=number]");
      if (box) { box.value = ""; }
    }
  });
  document.addEventListener("input", function (event) {
    var group = event.target.closest("[data-tax-rate]");
    if (group && event.target.type === "number" && event.target.value !== "") {
      var other = group.querySelector("input[type=radio][value=other]");
      if (other) { other.checked = true; }
    }
  });

  // New invoice: after htmx adds a line row, clear the product search and refresh totals.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "invoice-lines") {
      var input = document.getElementById("product-search");
      var results = document.getElementById("product-results");
      if (results) { results.innerHTML = ""; }
      if (input && input.value) { input.value = ""; input.focus(); }
      linesChanged();
    }
  });

  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-action]");
    if (target && actions[target.dataset.action]) {
      actions[target.dataset.action](target, event);
    }
  });
})();
