// Copy a citation to the clipboard: the button's data-copy names the element holding the text.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  // A retracted study (or one under an expression of concern): ask before copying.
  if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) {
    button.dataset.copied = "declined";
    button.textContent = "Not copied";
    return;
  }
  const text = document.getElementById(button.dataset.copy).textContent.trim();
  let copied = false;
  try {
    await navigator.clipboard.writeText(text);
    copied = true;
  } catch (error) {
    // No Clipboard API (plain http on a non-local host): copy through a selected textarea.
    const area = document.createElement("textarea");
    area.value = text;
    document.body.appendChild(area);
    area.select();
    copied = document.execCommand("copy");
    area.remove();
  }
  button.dataset.copied = copied ? "yes" : "no";
  button.textContent = copied ? "Copied" : "Copy failed: select the text instead";
});

// Long column-description lists push the table off screen: fold them into a <details>.
document.addEventListener("DOMContentLoaded", () => {
  const list = document.querySelector("dl.column-descriptions");
  if (!list || list.querySelectorAll("dt").length < 8) return;
  const details = document.createElement("details");
  details.className = "ec-column-descriptions";
  const summary = document.createElement("summary");
  summary.textContent = "What each column means";
  list.replaceWith(details);
  details.append(summary, list);
});
