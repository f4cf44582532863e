// dfi-casos registry: refill a municipality select when its state changes (the forms work without this).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // state select name -> municipality select name, as the registry forms pair them
  const pairs = {
    state_code: "municipality_code",
    origin_state_code: "origin_municipality_code",
    destination_state_code: "destination_municipality_code",
    estado: "municipio",
  };
  document.querySelectorAll("form[data-municipality-form], form.filters").forEach((form) => {
    form.querySelectorAll(".js-hide").forEach((el) => { el.hidden = true; });
    Object.entries(pairs).forEach(([stateName, municipalityName]) => {
      const state = form.querySelector(`select[name="${stateName}"]`);
      const municipality = form.querySelector(`select[name="${municipalityName}"]`);
      if (!state || !municipality) return;
      state.addEventListener("change", async () => {
        const blank = municipality.options.length ? municipality.options[0].cloneNode(true) : null;
        municipality.replaceChildren(...(blank && blank.value === "" ? [blank] : []));
        if (!state.value) return;
        const response = await fetch(`${form.dataset.municipalitiesUrl || "/registro/municipios"}?estado=${encodeURIComponent(state.value)}`,
          { credentials: "same-origin", headers: { Accept: "application/json" } });
        if (!response.ok) return;
        (await response.json()).forEach(({ code, name }) => municipality.add(new Option(name, code)));
      });
    });
  });
});
