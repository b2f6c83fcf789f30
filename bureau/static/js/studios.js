// Studio pages (vendored, no framework; loaded as a file because the CSP forbids inline script).
// 1. "增加一行" under a report section copies the last row with empty fields, numbered next.
// 2. The score form shows the running total of the item scores.
(function () {
  "use strict";

  function addRow(sectionKey) {
    var table = document.querySelector('table[data-section="' + sectionKey + '"] tbody');
    if (!table || !table.rows.length) { return; }
    var last = table.rows[table.rows.length - 1];
    var copy = last.cloneNode(true);
    var next = table.rows.length;
    var pattern = new RegExp("^" + sectionKey + "-\\d+-");
    copy.querySelectorAll("input, select, textarea").forEach(function (input) {
      ["name", "id"].forEach(function (attribute) {
        var value = input.getAttribute(attribute);
        if (value) { input.setAttribute(attribute, value.replace(pattern, sectionKey + "-" + next + "-")); }
      });
      if (input.tagName === "SELECT") { input.selectedIndex = 0; } else { input.value = ""; }
    });
    copy.querySelectorAll(".field-error").forEach(function (error) { error.remove(); });
    copy.querySelectorAll(".has-error").forEach(function (cell) { cell.classList.remove("has-error"); });
    var number = copy.querySelector(".row-number");
    if (number) { number.textContent = String(next + 1); }
    table.appendChild(copy);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-add-row]");
    if (button) { addRow(button.getAttribute("data-add-row")); }
  });

  function updateTotal(form) {
    var output = form.querySelector("[data-score-total]");
    if (!output) { return; }
    var tenths = 0;
    form.querySelectorAll("input[data-max]").forEach(function (input) {
      var value = parseFloat(input.value);
      if (!isNaN(value)) { tenths += Math.round(value * 10); }
    });
    output.textContent = (tenths / 10).toString();
  }

  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("input[data-max]")) { updateTotal(event.target.form); }
  });
})();
