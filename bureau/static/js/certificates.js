// Certificate batch page: poll the batch's status and move the progress bars (no inline script: CSP).
(function () {
  "use strict";
  var box = document.querySelector("[data-batch-status]");
  if (!box || !window.fetch) {
    return;
  }
  var url = box.getAttribute("data-batch-status");
  var finished = { done: true, failed: true, expired: true };

  function show(name, count, total, link) {
    var bar = box.querySelector('[data-progress="' + name + '"]');
    var figure = box.querySelector('[data-figure="' + name + '"]');
    var anchor = box.querySelector('[data-link="' + name + '"]');
    bar.max = Math.max(total, 1);
    bar.value = count;
    bar.textContent = count + " / " + total;
    figure.textContent = (total ? Math.floor((100 * count) / total) : 0) + "%";
    if (link) {
      anchor.href = link;
      anchor.hidden = false;
    }
  }

  function update(state) {
    var status = box.querySelector('[data-field="status"]');
    status.textContent = state.status_label;
    status.className = "badge batch-" + state.status;
    show("pdf", state.done, state.total, state.pdf_url);
    show("zip", state.zip_done, state.total, state.zip_url);
    var error = box.querySelector('[data-field="error"]');
    error.textContent = state.error || "";
    error.hidden = !state.error;
    return finished[state.status] === true;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (state) {
        if (!update(state)) {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }

  poll();
})();
