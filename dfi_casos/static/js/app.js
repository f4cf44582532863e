// dfi-casos: progressive enhancement only; every page works without JavaScript.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Ask before destructive actions: forms marked data-confirm.
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });

  // A form came back with errors: put the cursor in the first failing field, so the person
  // starts where the summary points (the summary's links lead to each of the others).
  const summary = document.querySelector(".form-summary");
  if (summary) {
    const first = document.querySelector("[aria-invalid='true'], fieldset.field-error");
    const target = first && first.matches("fieldset") ? first.querySelector("input") || first : first;
    (target || summary).focus();
  }
  // A summary link focuses its field (a bare #id only scrolls).
  document.querySelectorAll(".form-summary a[href^='#']").forEach((link) => {
    link.addEventListener("click", (event) => {
      const field = document.getElementById(link.getAttribute("href").slice(1));
      if (!field) return;
      event.preventDefault();
      field.scrollIntoView({ block: "center" });
      const input = field.matches("fieldset") ? field.querySelector("input") : field;
      (input || field).focus();
    });
  });
});

// Narrow screens show each table row as a card: every cell gets its column's name.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("table.data").forEach((table) => {
    const headers = Array.from(table.querySelectorAll("thead th")).map((th) => th.textContent.trim());
    table.querySelectorAll("tbody tr, tfoot tr").forEach((row) => {
      Array.from(row.children).forEach((cell, i) => {
        if (!cell.hasAttribute("data-label") && headers[i] && i > 0) cell.setAttribute("data-label", headers[i]);
      });
    });
  });
});
