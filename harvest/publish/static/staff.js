// Staff-friendly tables: column names as words, descriptions on hover, a label on every cell
// (the phone layout shows it above the value), and the catalog's links on every page.
document.addEventListener("DOMContentLoaded", () => {
  const blob = document.getElementById("ec-column-labels");
  const labels = blob ? JSON.parse(blob.textContent) : {};
  document.querySelectorAll("table.rows-and-columns").forEach((table) => {
    const headers = Array.from(table.querySelectorAll("thead th"));
    const names = headers.map((th) => {
      const column = th.dataset.column;
      const description = th.dataset.columnDescription;
      if (description && !th.title) th.title = description;
      const label = column && labels[column];
      const target = th.querySelector("a") || th;
      if (label && target.childNodes.length && target.firstChild.nodeType === Node.TEXT_NODE) {
        target.firstChild.textContent = target.firstChild.textContent.replace(column, label);
      }
      return (label || th.textContent).replace(/[▼▲]/g, "").trim();
    });
    table.querySelectorAll("tbody tr").forEach((row) => {
      Array.from(row.children).forEach((cell, i) => {
        if (!cell.dataset.label && names[i]) cell.dataset.label = names[i];
      });
    });
  });
  const nav = document.querySelector("header nav");
  if (nav && !document.querySelector(".ec-nav")) {
    const bar = document.createElement("div");
    bar.className = "ec-nav ec-nav-header";
    for (const [href, text] of [["/", "Home"], ["/-/evidence", "Evidence finder"],
      ["/-/map", "Evidence map"], ["/-/search", "Search"]]) {
      const a = document.createElement("a");
      a.href = href;
      a.textContent = text;
      bar.append(a);
    }
    nav.append(bar);
  }
});
