// Vendored, no framework. Forms marked data-confirm ask before they submit (no inline script: CSP).
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
