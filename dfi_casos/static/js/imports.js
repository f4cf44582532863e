// dfi-casos: the import progress bar follows the job (the page also refreshes itself without JavaScript).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const box = document.querySelector("[data-import-status]");
  if (!box) return;
  const bar = box.querySelector("progress");
  const poll = async () => {
    const response = await fetch(box.dataset.importStatus, { headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const status = await response.json();
    bar.value = status.progress;
    bar.textContent = `${status.progress} %`;
    box.querySelectorAll("[data-field]").forEach((el) => { el.textContent = status[el.dataset.field]; });
    if (status.status === "done" || status.status === "failed") { window.location.reload(); return; }
    window.setTimeout(poll, 1000);
  };
  window.setTimeout(poll, 1000);
});
