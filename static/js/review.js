// The review queue's "select every change" box: shown only when this script runs (the queue works without it).
document.addEventListener("DOMContentLoaded", () => {
  const all = document.getElementById("select-all");
  if (!all) return;
  const boxes = () => Array.from(document.querySelectorAll(`input[type=checkbox][name="${all.dataset.selectAll}"]`));
  all.closest("label").hidden = false;
  all.addEventListener("change", () => boxes().forEach((box) => { box.checked = all.checked; }));
  document.addEventListener("change", (event) => {
    if (event.target !== all && event.target.name === all.dataset.selectAll) {
      const states = boxes().map((box) => box.checked);
      all.checked = states.every(Boolean);
      all.indeterminate = !all.checked && states.some(Boolean);
    }
  });
});
