// The mlledger web UI: hash-routed pages over the gateway's MLflow API and /ui-api endpoints.
import { api, el, esc, fmt, tsText } from "./lib.js";
import { chartPage } from "./chart.js";
import { modelsPage, modelPage } from "./models.js";
import { eventsPage } from "./events.js";

const main = document.getElementById("main");
const PAGE = 100;

function setPage(title, ...nodes) {
  document.title = `${title} · mlledger`;
  main.replaceChildren(el("h1", {}, title), ...nodes);
}

function showError(err) {
  main.append(el("p", { class: "error", role: "alert" }, String(err.message || err)));
}

async function experimentsPage() {
  const data = await api("experiments/search", { max_results: 1000 });
  const rows = (data.experiments || []).map((e) => el("tr", {},
    el("td", {}, el("a", { href: `#/experiments/${e.experiment_id}` }, e.name)),
    el("td", {}, e.experiment_id), el("td", {}, e.lifecycle_stage), el("td", {}, tsText(e.creation_time))));
  setPage("Experiments", el("table", { id: "experiments" },
    el("thead", {}, el("tr", {}, ...["Name", "ID", "Stage", "Created"].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, ...rows)));
}

function runValue(run, col) {
  const [kind, key] = col;
  const data = run.data || {};
  const list = { param: data.params, metric: data.metrics, tag: data.tags }[kind] || [];
  const item = list.find((x) => x.key === key);
  return item ? item.value : "";
}

function orderClause(col, desc) {
  const [kind, key] = col;
  const prefix = { param: "params", metric: "metrics", tag: "tags", attr: "attributes" }[kind];
  return `${prefix}.\`${key}\` ${desc ? "DESC" : "ASC"}`;
}

async function runsPage(experimentId, query) {
  const state = { filter: query.get("filter") || "", sort: null, desc: true, tokens: [""], page: 0, runs: [],
                  cols: null, keys: { param: new Set(), metric: new Set(), tag: new Set() } };
  const exp = (await api("experiments/get", { experiment_id: experimentId })).experiment;
  const filter = el("input", { id: "filter", type: "text", value: state.filter,
                               placeholder: "metrics.acc > 0.9 and params.lr = '0.1'" });
  const error = el("p", { id: "filter-error", class: "error", role: "alert" });
  const table = el("table", { id: "runs" });
  const status = el("span", { id: "page-status", class: "muted" });
  const prev = el("button", { id: "prev", type: "button" }, "Previous");
  const next = el("button", { id: "next", type: "button" }, "Next");
  const colBox = el("div", { class: "cols", id: "columns", role: "group", "aria-label": "Columns" });
  const compare = el("button", { id: "chart-selected", type: "button" }, "Chart selected");
  const metricPick = el("select", { id: "chart-metric" });
  const form = el("form", { class: "toolbar", role: "search" },
    el("label", { for: "filter" }, "Filter", filter), el("button", { type: "submit" }, "Search"), prev, next, status);
  setPage(`Runs of ${exp.name}`, form, error,
    el("details", {}, el("summary", {}, "Columns"), colBox),
    el("div", { class: "toolbar" }, el("label", { for: "chart-metric" }, "Metric", metricPick), compare),
    el("div", { class: "scroll" }, table));

  function defaultCols() {
    const take = (kind, n) => [...state.keys[kind]].slice(0, n).map((k) => [kind, k]);
    return [...take("param", 6), ...take("metric", 6)];
  }

  function renderCols() {
    colBox.replaceChildren(...["param", "metric", "tag"].flatMap((kind) => [...state.keys[kind]].map((key) => {
      const on = state.cols.some(([k, n]) => k === kind && n === key);
      const box = el("input", { type: "checkbox", "data-col": `${kind}:${key}` });
      box.checked = on;
      box.addEventListener("change", () => {
        state.cols = box.checked ? [...state.cols, [kind, key]] : state.cols.filter(([k, n]) => !(k === kind && n === key));
        renderTable();
      });
      return el("label", {}, box, ` ${kind}: ${key}`);
    })));
    metricPick.replaceChildren(...[...state.keys.metric].map((k) => el("option", { value: k }, k)));
  }

  function header(label, col) {
    const active = state.sort && state.sort[0] === col[0] && state.sort[1] === col[1];
    const button = el("button", { type: "button", "data-sort": `${col[0]}:${col[1]}` },
      label + (active ? (state.desc ? " ▼" : " ▲") : ""));
    button.addEventListener("click", () => {
      state.desc = active ? !state.desc : true;
      state.sort = col;
      reload();
    });
    return el("th", { scope: "col", "data-col": `${col[0]}:${col[1]}`,
                      "aria-sort": active ? (state.desc ? "descending" : "ascending") : "none" }, button);
  }

  function renderTable() {
    const fixed = [["attr", "run_name", "Run"], ["attr", "start_time", "Started"], ["attr", "status", "Status"]];
    const head = el("tr", {}, el("th", { scope: "col" }, el("span", { class: "muted" }, "Select")),
      ...fixed.map(([k, n, label]) => header(label, [k, n])),
      ...state.cols.map((col) => header(`${col[0]}: ${col[1]}`, col)));
    const body = state.runs.map((run) => {
      const info = run.info;
      const box = el("input", { type: "checkbox", value: info.run_id, "aria-label": `select ${info.run_name}` });
      return el("tr", { "data-run": info.run_id }, el("td", {}, box),
        el("td", {}, el("a", { href: `#/runs/${info.run_id}` }, info.run_name || info.run_id)),
        el("td", {}, tsText(info.start_time)), el("td", {}, info.status),
        ...state.cols.map((col) => {
          const v = runValue(run, col);
          return el("td", { class: col[0] === "metric" ? "num" : "" }, col[0] === "metric" ? fmt(v) : v);
        }));
    });
    table.replaceChildren(el("thead", {}, head), el("tbody", {}, ...body));
  }

  async function load() {
    error.textContent = "";
    table.querySelectorAll("th.bad").forEach((th) => th.classList.remove("bad"));
    const body = { experiment_ids: [experimentId], filter: state.filter, max_results: PAGE,
                   page_token: state.tokens[state.page] };
    if (state.sort) body.order_by = [orderClause(state.sort, state.desc)];
    let data;
    try {
      data = await api("runs/search", body, "POST");
    } catch (err) {
      error.textContent = err.message;
      // The server names the 1-based column where the filter went wrong: point at it and put the cursor there.
      const at = /at column (\d+)/.exec(err.message);
      if (at && state.filter) {
        const column = Math.min(Number(at[1]), state.filter.length + 1);
        error.append(el("pre", { id: "filter-caret", "aria-hidden": "true" }, `${state.filter}\n${" ".repeat(column - 1)}^`));
        filter.focus();
        filter.setSelectionRange(column - 1, column - 1);
      }
      // Point at the column the server's message names, when it is shown.
      for (const th of table.querySelectorAll("th[data-col]")) {
        const key = th.dataset.col.split(":").slice(1).join(":");
        if (key && err.message.includes(key)) th.classList.add("bad");
      }
      return;
    }
    state.runs = data.runs || [];
    state.tokens[state.page + 1] = data.next_page_token || null;
    for (const run of state.runs) {
      for (const p of run.data.params || []) state.keys.param.add(p.key);
      for (const m of run.data.metrics || []) state.keys.metric.add(m.key);
      for (const t of run.data.tags || []) if (!t.key.startsWith("mlflow.")) state.keys.tag.add(t.key);
    }
    if (!state.cols) state.cols = defaultCols();
    renderCols();
    renderTable();
    const first = state.page * PAGE + 1;
    status.textContent = state.runs.length ? `Runs ${first}–${first + state.runs.length - 1}` : "No runs";
    prev.disabled = state.page === 0;
    next.disabled = !data.next_page_token;
    table.dataset.loaded = String(Date.now());
  }

  function reload() { state.page = 0; state.tokens = [""]; return load(); }
  form.addEventListener("submit", (ev) => { ev.preventDefault(); state.filter = filter.value; reload(); });
  prev.addEventListener("click", () => { state.page = Math.max(0, state.page - 1); load(); });
  next.addEventListener("click", () => { state.page += 1; load(); });
  compare.addEventListener("click", () => {
    const ids = [...table.querySelectorAll("tbody input:checked")].map((b) => b.value);
    if (ids.length && metricPick.value) location.hash = `#/chart?runs=${ids.join(",")}&metric=${encodeURIComponent(metricPick.value)}`;
  });
  await load();
}

function kvTable(id, items, valueCell) {
  return el("table", { id }, el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Key"), el("th", { scope: "col" }, "Value"))),
    el("tbody", {}, ...items.map((x) => el("tr", {}, el("td", {}, x.key), valueCell(x)))));
}

async function runPage(runId) {
  const run = (await api("runs/get", { run_id: runId })).run;
  const info = run.info;
  const metrics = run.data.metrics || [];
  const artifacts = el("div", { id: "artifacts" });
  const preview = el("div", { id: "preview", "aria-live": "polite" });
  setPage(`Run ${info.run_name || runId}`,
    el("p", {}, el("span", { class: "badge" }, info.status), ` id ${runId} · experiment `,
      el("a", { href: `#/experiments/${info.experiment_id}` }, info.experiment_id), ` · started ${tsText(info.start_time)}`),
    el("div", { class: "grid" },
      el("section", {}, el("h2", {}, "Parameters"), kvTable("params", run.data.params || [], (p) => el("td", {}, p.value))),
      el("section", {}, el("h2", {}, "Metrics"), kvTable("metrics", metrics, (m) => el("td", { class: "num" },
        el("a", { href: `#/chart?runs=${runId}&metric=${encodeURIComponent(m.key)}`, "aria-label": `${fmt(m.value)}, chart of ${m.key}` }, fmt(m.value))))),
      el("section", {}, el("h2", {}, "Tags"), kvTable("tags", run.data.tags || [], (t) => el("td", {}, t.value)))),
    el("h2", {}, "Artifacts"), artifacts, preview);
  await listArtifacts(runId, "", artifacts, preview);
}

const TEXT = /\.(txt|log|md|yaml|yml|csv|tsv|py|cfg|ini|toml|MLmodel)$|(^|\/)MLmodel$/i;
const IMAGE = /\.(png|jpe?g|gif|svg|webp)$/i;

async function listArtifacts(runId, path, into, preview) {
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
    show.addEventListener("click", () => previewFile(full, url(full), preview));
    return el("li", {}, show, ` ${f.file_size ?? ""} bytes · `, el("a", { href: url(full), download: "" }, "download"));
  }));
  into.replaceChildren(list);
}

async function previewFile(path, url, into) {
  const title = el("h2", {}, `Preview: ${path}`);
  if (IMAGE.test(path)) { into.replaceChildren(title, el("img", { class: "preview", src: url, alt: path })); return; }
  const response = await fetch(url);
  const text = (await response.text()).slice(0, 200_000);
  let shown = text;
  if (/\.json$/i.test(path)) { try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch { /* shown raw */ } }
  else if (!TEXT.test(path) && /[\u0000-\u0008]/.test(text.slice(0, 1000))) shown = "(binary file: use the download link)";
  into.replaceChildren(title, el("pre", { class: "preview", tabindex: "0" }, shown));
}

async function route() {
  const [path, qs] = (location.hash.slice(1) || "/").split("?");
  const query = new URLSearchParams(qs || "");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  main.replaceChildren(el("p", { class: "muted" }, "Loading…"));
  try {
    if (!parts.length) await experimentsPage();
    else if (parts[0] === "experiments") await runsPage(parts[1], query);
    else if (parts[0] === "runs") await runPage(parts[1]);
    else if (parts[0] === "chart") await chartPage(main, setPage, query);
    else if (parts[0] === "models" && parts[1]) await modelPage(parts[1], setPage);
    else if (parts[0] === "models") await modelsPage(setPage);
    else if (parts[0] === "events") eventsPage(setPage, query);
    else setPage("Not found", el("p", {}, `No page ${esc(path)}`));
  } catch (err) {
    showError(err);
  }
  main.focus({ preventScroll: true });
}

window.addEventListener("hashchange", route);
route();
