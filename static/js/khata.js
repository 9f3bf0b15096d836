// Khata: small behaviours wired by data-* attributes, with no inline scripts
// (keeps a strict Content-Security-Policy possible).
(function () {
  "use strict";

  // Translations come from Django's JavaScript catalogue, loaded async (it must not hold
  // back htmx, which binds its inputs once the page's scripts have run): each message is
  // looked up when it is shown; until the catalogue has arrived, the English source.
  function gettext(text) { return window.gettext ? window.gettext(text) : text; }
  function say(format, values) {
    return gettext(format).replace(/%\((\w+)\)s/g, function (_m, key) { return values[key]; });
  }

  function linesChanged() {
    document.body.dispatchEvent(new CustomEvent("lines-changed", { bubbles: true }));
  }

  // Say something to screen readers through a role=status region (by id).
  function announce(statusId, text) {
    var region = statusId && document.getElementById(statusId);
    if (!region) { return; }
    // Clear first so the same sentence twice is read twice.
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);
  }

  // ---- Pick lists ---------------------------------------------------------------------
  // A search box with role=combobox controls a listbox (aria-controls) that htmx swaps
  // into the box named by data-results. Focus stays in the box: the arrow keys move the
  // highlight (aria-activedescendant), Enter or a click picks the highlighted option,
  // Escape closes the list. Enter never submits the form around the box. A list shown
  // for other words than the box now holds is stale: Enter picks from it only after the
  // arrow keys chose an option in it.

  function normalise(text) { return text.trim().replace(/\s+/g, " "); }

  function listOf(input) { return document.getElementById(input.getAttribute("aria-controls")); }

  function optionsOf(input) {
    var list = listOf(input);
    return list ? Array.prototype.slice.call(list.querySelectorAll("[role=option]")) : [];
  }

  function highlighted(input) {
    var id = input.getAttribute("aria-activedescendant");
    return id ? document.getElementById(id) : null;
  }

  function highlight(input, option) {
    optionsOf(input).forEach(function (each) {
      var on = each === option;
      each.classList.toggle("active", on);
      each.setAttribute("aria-selected", on ? "true" : "false");
    });
    if (option) {
      input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function closeList(input) {
    var results = document.getElementById(input.dataset.results);
    if (results) { results.innerHTML = ""; }
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    delete input.dataset.chosen;
  }

  function isFresh(input) {
    var list = listOf(input);
    return !!list && list.dataset.query === normalise(input.value);
  }

  function move(input, step) {
    var options = optionsOf(input);
    if (!options.length) { return; }
    var index = options.indexOf(highlighted(input));
    index = index < 0 ? (step > 0 ? 0 : options.length - 1) : (index + step + options.length) % options.length;
    highlight(input, options[index]);
    input.dataset.chosen = "1";
  }

  function pick(option) {
    var action = option && pickers[option.dataset.action];
    if (action) { action(option); }
  }

  var pickers = {
    // New invoice: the customer; then on to the products.
    "pick-customer": function (option) {
      var input = document.getElementById("customer-search");
      document.getElementById("id_customer").value = option.dataset.id;
      document.getElementById("picked-customer-label").textContent = option.dataset.label;
      document.getElementById("picked-customer").classList.remove("d-none");
      input.value = "";
      input.placeholder = gettext("Search another customer");
      input.classList.remove("is-invalid");
      input.removeAttribute("aria-invalid");
      closeList(input);
      announce(input.dataset.status, say("Customer: %(name)s.", { name: option.dataset.label }));
      linesChanged();
      var next = document.getElementById("product-search");
      if (next) { next.focus(); }
    },
    // New invoice: a product; its line row arrives by htmx and takes the focus (below).
    "pick-product": function (option) {
      var input = document.getElementById("product-search");
      if (option.getAttribute("aria-disabled") === "true") {
        announce(input.dataset.status, option.dataset.name + " is out of stock and cannot be sold.");
        return;
      }
      closeList(input);
      input.value = "";
      announce(input.dataset.status, say("%(name)s added.", { name: option.dataset.name }));
      if (window.htmx) {
        window.htmx.ajax("GET", option.dataset.lineUrl, { target: "#invoice-lines", swap: "beforeend" });
      }
    }
  };

  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || input.getAttribute("role") !== "combobox") { return; }
    var open = input.getAttribute("aria-expanded") === "true";
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!optionsOf(input).length && input.value.trim() && window.htmx) {
        window.htmx.trigger(input, "search");  // a closed list opens again
        return;
      }
      move(input, event.key === "ArrowDown" ? 1 : -1);
    } else if (event.key === "Enter") {
      // Pick the highlighted result, or do nothing: never submit the form. In the
      // counter's product box a code (one word: what a barcode scanner types before its
      // Enter) is looked up as a barcode first, unless an option was chosen with the arrows.
      event.preventDefault();
      var option = highlighted(input);
      var canPick = open && option && (isFresh(input) || input.dataset.chosen);
      var code = input.value.trim();
      if (input.dataset.scanUrl && code && !/\s/.test(code) && !input.dataset.chosen &&
          (!canPick || /^[0-9]+$/.test(code))) {
        queueScan(input, code, canPick ? option : null);
      } else if (canPick) {
        pick(option);
      }
    } else if (event.key === "Escape" && (open || document.getElementById(input.dataset.results).innerHTML.trim())) {
      event.preventDefault();
      closeList(input);
    }
  });

  // ---- Barcode scans at the counter -------------------------------------------------------
  // A scan adds its product's line, or 1 to the quantity of the line already there; the
  // focus stays in the box for the next scan. Scans run one after another (a scanner is
  // faster than the server), so two quick scans of one product make one line of 2.
  var scanChain = Promise.resolve();

  function scanMessage(input, text) {
    var box = document.getElementById("product-scan-message");
    if (!box) { return; }
    box.textContent = text || "";
    box.hidden = !text;
    input.classList.toggle("is-invalid", !!text);
    if (text) {
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", "product-scan-message product-search-hint");
      announce(input.dataset.status, text);
    } else {
      input.removeAttribute("aria-invalid");
      input.setAttribute("aria-describedby", "product-search-hint");
    }
  }

  function lineOfProduct(productId) {
    var rows = document.querySelectorAll("#invoice-lines tr.invoice-line");
    for (var i = 0; i < rows.length; i++) {
      var field = rows[i].querySelector("input[name=line-product]");
      if (field && field.value === String(productId)) { return rows[i]; }
    }
    return null;
  }

  function refuseScan(input, code, text) {
    if (!input.value) { input.value = code; }
    scanMessage(input, text);
    input.focus();
    input.select();
  }

  function scanOne(input, code, fallback) {
    var url = input.dataset.scanUrl + "?code=" + encodeURIComponent(code);
    return window.fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (data) {
        if (!data.found) {
          // Not a barcode: a fresh search result picks as before.
          if (fallback && fallback.isConnected) { pick(fallback); return null; }
          refuseScan(input, code, data.message);
          return null;
        }
        if (!data.sellable) {
          refuseScan(input, code, data.name + " is out of stock and cannot be sold.");
          return null;
        }
        scanMessage(input, "");
        if (normalise(input.value) === code) { input.value = ""; }
        closeList(input);
        var row = lineOfProduct(data.product);
        if (row) {
          var quantity = row.querySelector("input[name=line-quantity]");
          var now = parseFloat(quantity.value) || 0;
          quantity.value = String(Math.round((now + 1) * 1000) / 1000);
          quantity.dispatchEvent(new Event("input", { bubbles: true }));
          announce(input.dataset.status, data.name + ": " + quantity.value + ".");
          linesChanged();
          input.focus();
          return null;
        }
        announce(input.dataset.status, say("%(name)s added.", { name: data.name }));
        input.dataset.scanned = "1";
        input.focus();
        return window.htmx ? window.htmx.ajax("GET", data.line_url, { target: "#invoice-lines", swap: "beforeend" })
          : null;
      })
      .catch(function () {
        refuseScan(input, code, gettext("The barcode could not be looked up. Scan it again."));
      });
  }

  function queueScan(input, code, fallback) {
    scanChain = scanChain.then(function () { return scanOne(input, code, fallback); });
  }

  // Typing makes the list stale until the new results arrive.
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (input.getAttribute && input.getAttribute("role") === "combobox") {
      if (input.dataset.scanUrl && input.getAttribute("aria-invalid") === "true") { scanMessage(input, ""); }
      delete input.dataset.chosen;
      if (!isFresh(input)) { highlight(input, null); }
    }
  });

  // A click on an option picks it; pressing on it keeps the focus in the search box.
  document.addEventListener("mousedown", function (event) {
    if (event.target.closest && event.target.closest(".pick-list [role=option]")) { event.preventDefault(); }
  });

  // Leaving the search box closes its list.
  document.addEventListener("focusout", function (event) {
    var input = event.target;
    if (input.getAttribute && input.getAttribute("role") === "combobox") {
      window.setTimeout(function () {
        if (document.activeElement !== input) { closeList(input); }
      }, 150);
    }
  });

  // ---- Enter in forms that must not submit on Enter -----------------------------------
  // <form data-enter="no-submit">: Enter in a field submits nothing; in a line item's
  // field it goes back to the product search. <… data-enter="next">: Enter moves to the
  // group's next field (counting notes), and from the last one nowhere.
  document.addEventListener("keydown", function (event) {
    var field = event.target;
    if (event.key !== "Enter" || !(field instanceof HTMLInputElement) || field.getAttribute("role") === "combobox") { return; }
    if (["submit", "button", "reset", "checkbox", "radio", "file", "image"].indexOf(field.type) >= 0) { return; }
    var group = field.closest("[data-enter=next]");
    var form = field.closest("form[data-enter=no-submit]");
    if (!group && !form) { return; }
    event.preventDefault();
    if (group) {
      var fields = Array.prototype.slice.call(group.querySelectorAll("input:not([type=hidden]):not([disabled])"));
      var next = fields[fields.indexOf(field) + 1];
      if (next) { next.focus(); next.select(); }
    } else if (field.closest("#invoice-lines")) {
      var search = document.getElementById("product-search");
      if (search) { search.focus(); }
    }
  });

  // ---- Click actions ------------------------------------------------------------------
  var actions = {
    // Print the page.
    "print": function () { window.print(); },
    // Share link: copy the text of the input whose id is in data-target.
    "copy": function (button) {
      var input = document.getElementById(button.dataset.target);
      if (!input) { return; }
      input.select();
      var done = function () { button.textContent = gettext("Copied"); };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done);
      } else if (document.execCommand("copy")) {
        done();
      }
    },
    // New invoice: remove a line item row; the focus goes to the product search.
    "remove-line": function (button) {
      var row = button.closest("tr");
      if (!row) { return; }
      var name = row.querySelector("input[name=line-description]");
      row.remove();
      linesChanged();
      announce("product-search-status", say("%(name)s removed.", { name: name && name.value ? name.value : gettext("Item") }));
      var search = document.getElementById("product-search");
      if (search) { search.focus(); }
    },
    "pick-customer": pickers["pick-customer"],
    "pick-product": pickers["pick-product"],
    // New invoice: back to a walk-in sale.
    "walk-in": function () {
      document.getElementById("id_customer").value = "";
      document.getElementById("picked-customer").classList.add("d-none");
      var input = document.getElementById("customer-search");
      input.placeholder = gettext("Walk-in — or search a customer by name or phone");
      announce(input.dataset.status, gettext("Walk-in sale."));
      input.focus();
      linesChanged();
    },
    // New invoice: fill "paid now" with the total.
    "pay-full": function (button) {
      var paid = document.getElementById("id_amount_paid");
      if (paid) { paid.value = button.dataset.total; linesChanged(); }
    }
  };

  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-action]");
    if (target && actions[target.dataset.action]) {
      actions[target.dataset.action](target, event);
    }
  });

  // The header's language switcher submits as soon as a language is picked.
  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest("form[data-language-switcher]");
    if (form && event.target.name === "language") { form.submit(); }
  });

  // Product form tax rate: a preset clears the "Other" box; typing a rate there picks "Other".
  document.addEventListener("change", function (event) {
    var group = event.target.closest("[data-tax-rate]");
    if (group && event.target.type === "radio" && event.target.value !== "other") {
      var box = group.querySelector("input[type=number]");
      if (box) { box.value = ""; }
    }
  });
  document.addEventListener("input", function (event) {
    var group = event.target.closest && event.target.closest("[data-tax-rate]");
    if (group && event.target.type === "number" && event.target.value !== "") {
      var other = group.querySelector("input[type=radio][value=other]");
      if (other) { other.checked = true; }
    }
  });

  // ---- After htmx swaps ------------------------------------------------------------------
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target) { return; }
    // New results for a pick list: open it, highlight the first option that can be picked
    // and read out how many there are.
    var input = target.id && document.querySelector("[role=combobox][data-results='" + target.id + "']");
    if (input) {
      if (input.dataset.scanUrl && !input.value.trim()) {
        closeList(input);  // results for a code scanned meanwhile: the box is empty again
        return;
      }
      var options = optionsOf(input);
      input.setAttribute("aria-expanded", options.length ? "true" : "false");
      delete input.dataset.chosen;
      highlight(input, options.filter(function (o) { return o.getAttribute("aria-disabled") !== "true"; })[0] || null);
      var status = target.querySelector("[data-results-status]");
      if (status && document.activeElement === input) { announce(input.dataset.status, status.textContent); }
      return;
    }
    // A new line row: the focus goes to its quantity (a product) or its name (a free line),
    // unless the cashier has already started typing the next search.
    if (target.id === "invoice-lines") {
      var row = target.querySelector("tr.invoice-line:last-child");
      var typing = document.activeElement && document.activeElement.getAttribute("role") === "combobox" &&
        document.activeElement.value !== "";
      var search = document.getElementById("product-search");
      var scanned = search && search.dataset.scanned;
      if (scanned) { delete search.dataset.scanned; }
      if (row && !typing && !scanned) {
        var fromProduct = row.querySelector("input[name=line-product]").value;
        var field = row.querySelector(fromProduct ? "input[name=line-quantity]" : "input[name=line-description]");
        field.focus();
        field.select();
      }
      linesChanged();
      return;
    }
    // New totals: read the one-line summary out when it changed.
    if (target.id === "invoice-totals") {
      var summary = target.querySelector("[data-totals-status]");
      var region = document.getElementById("totals-status");
      if (summary && region && normalise(summary.textContent) !== region.dataset.said) {
        region.dataset.said = normalise(summary.textContent);
        announce("totals-status", region.dataset.said);
      }
    }
  });

  // ---- Date pickers in the page's language ----------------------------------------------
  // Where flatpickr is installed, base.html loads it with, on its <script>, the active
  // language's calendar built from CLDR on the server (core/datepicker.py). Each
  // <input type=date> then becomes a text box showing the date in that language (in
  // Bengali digits for Bengali) and a calendar with its month and weekday names, opened
  // by a click or the Down arrow; the native input, now hidden, still submits YYYY-MM-DD.
  // Typing works too: YYYY-MM-DD, day/month/year, or the date as the box shows it, in
  // ASCII or the language's digits. Without flatpickr the native inputs stay.
  var datePickerScript = document.querySelector("script[data-datepicker]");
  var datePicker = null;
  if (datePickerScript && window.flatpickr) {
    try { datePicker = JSON.parse(datePickerScript.dataset.datepicker); } catch (_e) { datePicker = null; }
  }

  // Bengali (U+09E6…) and Devanagari (U+0966…) digits as ASCII ones, and back.
  function asciiDigits(text) {
    return text.replace(/[\u09E6-\u09EF\u0966-\u096F]/g, function (d) {
      var code = d.charCodeAt(0);
      return String(code - (code >= 0x09E6 ? 0x09E6 : 0x0966));
    });
  }
  function localDigits(text) {
    var digits = datePicker.digits;
    return digits ? text.replace(/[0-9]/g, function (d) { return digits.charAt(Number(d)); }) : text;
  }

  function calendarDate(year, month, day) {
    if (year < 100) { year += 2000; }
    var date = new Date(year, month - 1, day);
    return date.getFullYear() === year && date.getMonth() === month - 1 && date.getDate() === day ? date : undefined;
  }

  // A typed date (or the hidden input's YYYY-MM-DD) as a Date; undefined when it is none.
  function parseTypedDate(text) {
    var typed = asciiDigits(String(text)).trim().toLowerCase();
    var match = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(typed);
    if (match) { return calendarDate(+match[1], +match[2], +match[3]); }
    match = /^(\d{1,2})\s*[\/.\-\s]\s*(\d{1,2})\s*[\/.\-\s]\s*(\d{4}|\d{2})$/.exec(typed);
    if (match) { return calendarDate(+match[3], +match[2], +match[1]); }
    // A month by name (the longest name found: "नवंबर" before "नव॰"), a day and a year.
    var months = datePicker.locale.months, month = -1, longest = 0;
    [months.longhand, months.shorthand].forEach(function (names) {
      names.forEach(function (name, index) {
        var bare = name.toLowerCase().replace(/[.\u0970\u0983]+$/, "");
        if (bare && bare.length > longest && typed.indexOf(bare) >= 0) { longest = bare.length; month = index; }
      });
    });
    var numbers = typed.match(/\d+/g) || [];
    if (month < 0 || numbers.length !== 2) { return undefined; }
    var yearFirst = numbers[0].length > 2;
    return calendarDate(+numbers[yearFirst ? 0 : 1], month + 1, +numbers[yearFirst ? 1 : 0]);
  }

  function focusCalendarDay(picker) {
    var days = picker.daysContainer;
    var day = days && (days.querySelector(".flatpickr-day.selected") ||
      days.querySelector(".flatpickr-day.today:not(.flatpickr-disabled)") ||
      days.querySelector(".flatpickr-day:not(.flatpickr-disabled):not(.prevMonthDay):not(.nextMonthDay)"));
    if (day) { day.focus(); }
  }

  function enhanceDateInput(input) {
    if (input._flatpickr || input.readOnly) { return; }
    var options = {
      locale: datePicker.locale,
      dateFormat: "Y-m-d",
      altInput: true,
      altFormat: datePicker.altFormat,
      altInputClass: input.className,
      ariaDateFormat: datePicker.ariaFormat,
      allowInput: true,
      disableMobile: true,
      clickOpens: false,  // a click opens it (below), not the focus: typing and Tab stay unhindered
      appendTo: document.getElementById("main") || undefined,  // inside the page's landmark
      parseDate: parseTypedDate,
      formatDate: function (date, format, locale) {
        var text = window.flatpickr.formatDate(date, format, locale);
        return format === "Y-m-d" ? text : localDigits(text);
      },
      // Each day is a button a screen reader names by its date (aria-label: ariaFormat).
      onDayCreate: function (_dates, _value, _picker, day) {
        if (datePicker.digits) { day.textContent = localDigits(day.textContent); }
        day.setAttribute("role", "button");
        if (day.classList.contains("flatpickr-disabled")) { day.setAttribute("aria-disabled", "true"); }
        if (day.classList.contains("today")) { day.setAttribute("aria-current", "date"); }
      },
      errorHandler: function (error) {
        if (!/Invalid date/.test(error.message)) { window.console.warn(error); }
      }
    };
    if (input.min) { options.minDate = input.min; }
    if (input.max) { options.maxDate = input.max; }
    var picker = window.flatpickr(input, options);
    var box = picker.altInput;
    if (!box) { return; }
    // The visible box takes the native input's id and ARIA, so its <label for> and error
    // message name it; the hidden input keeps only the name and the value.
    if (input.id) { box.id = input.id; input.removeAttribute("id"); }
    Array.prototype.slice.call(input.attributes).forEach(function (attribute) {
      if (attribute.name.indexOf("aria-") === 0 || attribute.name === "title") {
        box.setAttribute(attribute.name, attribute.value);
        input.removeAttribute(attribute.name);
      }
    });
    input.classList.remove("is-invalid");
    box.autocomplete = "off";
    // A value the server sent back as wrong (2026-02-30) stays in sight.
    if (!picker.selectedDates.length && input.value) { box.value = input.value; }
    box.addEventListener("click", function () { picker.open(); });
    box.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        event.preventDefault();
        picker.open();
        focusCalendarDay(picker);
      } else if (event.key === "Escape" && picker.isOpen) {
        event.preventDefault();
        picker.close();
      }
    });
  }

  function enhanceDateInputs(root) {
    if (!datePicker || !root || !root.querySelectorAll) { return; }
    var inputs = Array.prototype.slice.call(root.querySelectorAll("input[type=date]"));
    if (root.matches && root.matches("input[type=date]")) { inputs.unshift(root); }
    inputs.forEach(enhanceDateInput);
  }

  document.addEventListener("htmx:load", function (event) { enhanceDateInputs(event.detail.elt); });
  document.addEventListener("htmx:beforeCleanupElement", function (event) {
    if (event.target._flatpickr) { event.target._flatpickr.destroy(); }
  });

  // ---- On load ---------------------------------------------------------------------------
  // After the server sent a form back with errors, the focus goes to the first of them: a
  // field marked invalid, or the alert that explains what is wrong.
  function focusFirstError() {
    var main = document.getElementById("main") || document.querySelector("main");
    if (!main) { return; }
    var first = main.querySelector("form .is-invalid, form [aria-invalid=true], .alert-danger");
    if (!first) { return; }
    if (first.matches("input, select, textarea")) {
      var details = first.closest("details");
      if (details) { details.open = true; }
    } else {
      first.setAttribute("tabindex", "-1");
    }
    first.focus();
    first.scrollIntoView({ block: "center" });
  }

  // A table's scroll box that scrolls sideways but holds nothing focusable takes the focus
  // itself, so it can be scrolled from the keyboard.
  function focusableScrollBoxes() {
    document.querySelectorAll(".table-responsive").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth;
      if (scrolls && !box.querySelector("a[href], button, input, select, textarea, [tabindex]")) {
        box.setAttribute("tabindex", "0");
      } else if (!scrolls && box.getAttribute("tabindex") === "0") {
        box.removeAttribute("tabindex");
      }
    });
  }

  function onLoad() {
    enhanceDateInputs(document);
    focusFirstError();
    focusableScrollBoxes();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", onLoad);
  } else {
    onLoad();
  }
  document.addEventListener("htmx:afterSettle", focusableScrollBoxes);
  var resizing;
  window.addEventListener("resize", function () {
    window.clearTimeout(resizing);
    resizing = window.setTimeout(focusableScrollBoxes, 200);
  });
})();
