// Artifact browser of a run: a lazily opened tree, previews of text, JSON, YAML, CSV/TSV/Parquet tables and images.
import { api, el, UI_API } from "./lib.js";

const TEXT = /\.(txt|log|md|yaml|yml|py|cfg|ini|toml|MLmodel)$|(^|\/)MLmodel$/i;
const TABLE = /\.(csv|tsv)$/i;
const IMAGE = /\.(png|jpe?g|gif|svg|webp)$/i;
const PARQUET = /\.parquet$/i;
const TABLE_ROWS = 200;

export async function listArtifacts(runId, path, into, preview) {
  const data = await api("artifacts/list", { run_id: runId, path });
  const root = (data.root_uri || "").replace(/^mlflow-artifacts:\/+/, "");
  const url = (p) => `/ajax-api/2.0/mlflow-artifacts/artifacts/${root}/${p.split("/").map(encodeURIComponent).join("/")}`;
  const files = data.files || [];
  if (!files.length && !path) { into.replaceChildren(el("p", { class: "muted" }, "No artifacts.")); return; }
  const list = el("ul", {}, ...files.map((f) => {
    const full = path ? `${path}/${f.path.split("/").pop()}` : f.path;
    if (f.is_dir) {
      const sub = el("div", {});
      const open = el("button", { type: "button", "aria-expanded": "false" }, `${f.path.split("/").pop()}/`);
      open.addEventListener("click", () => { open.setAttribute("aria-expanded", "true"); listArtifacts(runId, full, sub, preview); });
      return el("li", {}, open, sub);
    }
    const show = el("button", { type: "button", "data-file": full }, f.path.split("/").pop());
    show.addEventListener("click", () => previewFile(full, url(full), preview, runId));
    return el("li", {}, show, ` ${f.file_size ?? ""} bytes · `, el("a", { href: url(full), download: "" }, "download"));
  }));
  into.replaceChildren(list);
}

// A CSV/TSV file as a table (quoted fields understood; the first TABLE_ROWS rows).
function parseDelimited(text, sep) {
  const rows = [];
  let row = [], cell = "", quoted = false;
  for (let i = 0; i < text.length && rows.length <= TABLE_ROWS; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === sep) { row.push(cell); cell = ""; }
    else if (c === "\n") { row.push(cell.replace(/\r$/, "")); rows.push(row); row = []; cell = ""; }
    else cell += c;
  }
  if (cell || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

function tablePreview(head, rows) {
  return el("div", { class: "scroll" }, el("table", { class: "preview", id: "preview-table" },
    el("thead", {}, el("tr", {}, ...head.map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, ...rows.map((r) => el("tr", {}, ...r.map((c) => el("td", {}, c ?? "")))))));
}

async function previewFile(path, url, into, runId) {
  const title = el("h2", {}, `Preview: ${path}`);
  if (IMAGE.test(path)) { into.replaceChildren(title, el("img", { class: "preview", src: url, alt: path })); return; }
  if (PARQUET.test(path)) {
    // Parquet is binary: the gateway reads its first rows and sends them as JSON.
    try {
      const t = await api("artifacts/table", { run_id: runId, path }, "GET", UI_API);
      into.replaceChildren(title, el("p", { class: "muted", id: "preview-rows" }, `First ${t.rows.length} of ${t.total_rows} rows`),
        tablePreview(t.columns.map((c) => `${c.name} (${c.type})`), t.rows));
    } catch (err) { into.replaceChildren(title, el("p", { class: "error", role: "alert" }, err.message)); }
    return;
  }
  const response = await fetch(url);
  const text = (await response.text()).slice(0, 200_000);
  if (TABLE.test(path)) {
    const [head = [], ...rows] = parseDelimited(text, /\.tsv$/i.test(path) ? "\t" : ",");
    into.replaceChildren(title, tablePreview(head, rows.slice(0, TABLE_ROWS)));
    return;
  }
  let shown = text;
  if (/\.json$/i.test(path)) { try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch { /* shown raw */ } }
  else if (!TEXT.test(path) && /[\u0000-\u0008]/.test(text.slice(0, 1000))) shown = "(binary file: use the download link)";
  into.replaceChildren(title, el("pre", { class: "preview", tabindex: "0" }, shown));
}
