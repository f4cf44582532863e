// dfi-casos: progressive enhancement only; every page works without JavaScript.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Ask before destructive actions: forms marked data-confirm.
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
});
