// Khata: tiny behaviours without inline scripts (keeps a strict Content-Security-Policy possible).
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-action='print']");
  if (button) { window.print(); }
});
