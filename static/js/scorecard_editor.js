// The scorecard editor (templates/qa/scorecard_form.html): add, remove and reorder sections and
// questions, renumbering the s-<i>-c-<j>- names in page order. Without it the page still works
// with its blank rows and "remove" boxes.
(function () {
  "use strict";
  const form = document.querySelector("form.scorecard-editor");
  if (!form) return;
  const sections = form.querySelector("[data-sections]");
  const critTemplate = document.getElementById("crit-template");

  function isBlankRow(row) {
    if (row.querySelector(".errors")) return false;
    const val = (suffix) => row.querySelector(`[name$="-${suffix}"]`);
    return !val("text").value.trim() && !val("guidance").value.trim() && !val("auto_source").value && !val("is_fail").checked;
  }
  function isBlankSection(section) {
    return !section.querySelector(".sc-section-title").value.trim() &&
      [...section.querySelectorAll("[data-criterion]")].every(isBlankRow);
  }
  function renumber() {
    [...sections.querySelectorAll("[data-section]")].forEach((section, i) => {
      section.querySelectorAll("[name], [id], label[for]").forEach((el) => {
        for (const attr of ["name", "id", "for"]) {
          const v = el.getAttribute(attr);
          if (v && /^s-\d+-/.test(v)) el.setAttribute(attr, v.replace(/^s-\d+-/, `s-${i}-`));
        }
      });
      [...section.querySelectorAll("[data-criterion]")].forEach((row, j) => {
        row.querySelectorAll("[name]").forEach((el) => {
          el.name = el.name.replace(/-c-\d+-/, `-c-${j}-`);
        });
      });
    });
  }
  function syncAuto(row) {
    const source = row.querySelector("[data-auto-source]");
    const key = row.querySelector("[data-auto-key]");
    key.disabled = !source.value;
    key.hidden = !source.value;
    key.querySelectorAll("optgroup").forEach((group) => {
      group.disabled = group.dataset.for !== source.value;
    });
    const chosen = key.selectedOptions[0];
    if (chosen && chosen.parentElement.disabled) key.value = "";
  }
  function wireRow(row) {
    row.querySelectorAll("[hidden][data-up], [hidden][data-down]").forEach((b) => (b.hidden = false));
    row.querySelector("[data-remove]").closest("label").classList.add("remove-js");
    syncAuto(row);
  }
  function newRow(list) {
    const row = critTemplate.content.firstElementChild.cloneNode(true);
    list.appendChild(row);
    wireRow(row);
    return row;
  }
  function wireSection(section) {
    section.querySelectorAll(".sc-section-tools [hidden], [data-add-criterion]").forEach((b) => (b.hidden = false));
    section.querySelectorAll("[data-criterion]").forEach(wireRow);
  }

  // Keep one blank question per empty section and one section at least: the rest come by "add".
  sections.querySelectorAll("[data-section]").forEach((section) => {
    const rows = [...section.querySelectorAll("[data-criterion]")];
    const filled = rows.filter((row) => !isBlankRow(row));
    rows.filter(isBlankRow).forEach((row, k) => {
      if (filled.length || k > 0) row.remove();
    });
  });
  const all = [...sections.querySelectorAll("[data-section]")];
  all.filter(isBlankSection).forEach((section) => {
    if (sections.querySelectorAll("[data-section]").length > 1) section.remove();
  });
  const sectionTemplate = all[all.length - 1].cloneNode(true);
  sections.querySelectorAll("[data-section]").forEach(wireSection);
  renumber();
  document.querySelectorAll("[data-add-section]").forEach((b) => (b.hidden = false));

  form.addEventListener("click", (event) => {
    const button = event.target.closest("button[type=button]");
    if (!button) return;
    if (button.matches("[data-add-criterion]")) {
      const row = newRow(button.closest("[data-section]").querySelector("[data-criteria]"));
      renumber();
      row.querySelector("input[type=text]").focus();
    } else if (button.matches("[data-add-section]")) {
      const section = sectionTemplate.cloneNode(true);
      section.querySelectorAll(".has-error").forEach((el) => el.classList.remove("has-error"));
      section.querySelectorAll(".errors").forEach((el) => el.remove());
      section.querySelector(".sc-section-title").value = "";
      const list = section.querySelector("[data-criteria]");
      list.replaceChildren();
      sections.appendChild(section);
      wireSection(section);
      newRow(list);
      renumber();
      section.querySelector(".sc-section-title").focus();
    } else if (button.matches("[data-up], [data-down]")) {
      const item = button.closest("[data-criterion]") || button.closest("[data-section]");
      if (button.matches("[data-up]") && item.previousElementSibling) {
        item.parentElement.insertBefore(item, item.previousElementSibling);
      } else if (button.matches("[data-down]") && item.nextElementSibling) {
        item.parentElement.insertBefore(item.nextElementSibling, item);
      }
      renumber();
      button.focus();
    }
  });
  form.addEventListener("change", (event) => {
    const target = event.target;
    if (target.matches("[data-auto-source]")) syncAuto(target.closest("[data-criterion]"));
    if (target.matches("[data-remove]") && target.checked) {
      const row = target.closest("[data-criterion]");
      if (row) {
        const list = row.parentElement;
        row.remove();
        if (!list.children.length) newRow(list);
      } else {
        target.closest("[data-section]").remove();
        if (!sections.querySelector("[data-section]")) form.querySelector("[data-add-section]").click();
      }
      renumber();
    }
  });
})();
