// dfi-casos: drag and drop onto the document upload form. Without JavaScript the file input works alone.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-document-upload]").forEach((form) => {
    const zone = form.querySelector("[data-drop-zone]");
    const input = form.querySelector('input[type="file"]');
    if (!zone || !input || typeof DataTransfer === "undefined") return;
    const hint = zone.querySelector(".drop-hint");
    if (hint) hint.hidden = false;
    const maxBytes = Number(form.dataset.maxBytes || 0);
    const over = (on) => (event) => { event.preventDefault(); zone.classList.toggle("drag-over", on); };
    zone.addEventListener("dragenter", over(true));
    zone.addEventListener("dragover", over(true));
    zone.addEventListener("dragleave", over(false));
    zone.addEventListener("drop", (event) => {
      over(false)(event);
      const files = event.dataTransfer && event.dataTransfer.files;
      if (!files || files.length === 0) return;
      const transfer = new DataTransfer();
      transfer.items.add(files[0]);  // one document per upload
      input.files = transfer.files;
      input.dispatchEvent(new Event("change", { bubbles: true }));
    });
    input.addEventListener("change", () => {
      // The server decides (type from the content, size); this only spares a long upload doomed to fail.
      const file = input.files && input.files[0];
      let note = zone.querySelector(".drop-size");
      if (!note) { note = document.createElement("p"); note.className = "hint drop-size"; note.setAttribute("role", "status"); zone.appendChild(note); }
      if (!file) { note.textContent = ""; return; }
      note.textContent = maxBytes && file.size > maxBytes
        ? `«${file.name}» pesa más que el máximo permitido; no se podrá guardar.`
        : `Listo para enviar: «${file.name}».`;
    });
  });
});
