// The mlledger web UI: hash-routed pages over the gateway's MLflow API and /ui-api endpoints.
import { actionButton, actionForm, api, el, esc, fmt, tsText } from "./lib.js";
import { chartPage } from "./chart.js";
import { comparePage } from "./compare.js";
import { modelsPage, modelPage } from "./models.js";
import { versionPage } from "./version.js";
import { timelinePage } from "./timeline.js";
import { eventsPage } from "./events.js";
import { runPage } from "./run.js";

const main = document.getElementById("main");
const PAGE = 100;

function setPage(title, ...nodes) {
  document.title = `${title} · mlledger`;
  main.replaceChildren(el("h1", {}, title), ...nodes);
}

function showError(err) {
  main.append(el("p", { class: "error", role: "alert" }, String(err.message || err)));
}

async function experimentsPage(query) {
  const all = query.get("deleted") === "1";
  const data = await api("experiments/search", { max_results: 1000, view_type: all ? "ALL" : "ACTIVE_ONLY" });
  const rows = (data.experiments || []).map((e) => {
    const id = e.experiment_id;
    const deleted = e.lifecycle_stage === "deleted";
    const action = deleted
      ? actionButton({ id: `restore-exp-${id}`, label: `Restore ${e.name}`, run: () => api("experiments/restore", { experiment_id: id }, "POST"), done: route })
      : actionButton({ id: `delete-exp-${id}`, label: `Delete ${e.name}`, run: () => api("experiments/delete", { experiment_id: id }, "POST"), done: route });
    return el("tr", { "data-experiment": id },
      el("td", {}, el("a", { href: `#/experiments/${id}` }, e.name)),
      el("td", {}, id), el("td", { class: "stage" }, e.lifecycle_stage), el("td", {}, tsText(e.creation_time)), el("td", {}, action));
  });
  const ids = (data.experiments || []).filter((e) => e.lifecycle_stage !== "deleted");
  const rename = actionForm({ id: "rename-exp", button: "Rename", fields: [
    { name: "experiment_id", label: "Experiment", options: ids.map((e) => e.experiment_id) },
    { name: "new_name", label: "New name", required: true }],
    submit: (v) => api("experiments/update", { experiment_id: v.experiment_id, new_name: v.new_name }, "POST"), done: route });
  const toggle = el("a", { href: all ? "#/" : "#/?deleted=1", id: "show-deleted" }, all ? "Hide deleted experiments" : "Show deleted experiments");
  setPage("Experiments", el("p", {}, toggle), el("table", { id: "experiments" },
    el("thead", {}, el("tr", {}, ...["Name", "ID", "Stage", "Created", "Action"].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, ...rows)), el("h2", {}, "Rename an experiment"), rename);
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

// The experiment's own tags (the mlflow.* ones hidden), with set and delete; open after an edit.
function experimentTags(experimentId, tags, query) {
  const shown = tags.filter((t) => !t.key.startsWith("mlflow."));
  const again = () => { location.hash = `#/experiments/${experimentId}?tags=open&t=${Date.now()}`; };
  const rows = shown.map((t, i) => el("tr", { "data-key": t.key }, el("td", {}, t.key), el("td", {}, t.value),
    el("td", {}, actionButton({ id: `delete-exp-tag-${i}`, label: `Delete ${t.key}`, done: again,
      run: () => api("experiments/delete-experiment-tag", { experiment_id: experimentId, key: t.key }, "POST") }))));
  const form = actionForm({ id: "set-exp-tag", button: "Set experiment tag", done: again,
    fields: [{ name: "key", label: "Tag key" }, { name: "value", label: "Tag value" }],
    submit: (v) => api("experiments/set-experiment-tag", { experiment_id: experimentId, key: v.key, value: v.value }, "POST") });
  const box = el("details", { id: "experiment-tags" }, el("summary", {}, `Experiment tags (${shown.length})`),
    shown.length ? el("table", { id: "exp-tags" }, el("thead", {}, el("tr", {}, ...["Key", "Value", "Delete"].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, ...rows)) : el("p", { class: "muted" }, "No tags."), form);
  box.open = query.get("tags") === "open";
  return box;
}

async function runsPage(experimentId, query) {
  const state = { filter: query.get("filter") || "", sort: null, desc: true, tokens: [""], page: 0, runs: [],
                  cols: null, keys: { param: new Set(), metric: new Set(), tag: new Set() }, selected: new Set() };
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
  const compareRuns = el("button", { id: "compare-selected", type: "button" }, "Compare selected");
  const selectPage = el("button", { id: "select-page", type: "button" }, "Select all on this page");
  const selectedCount = el("span", { id: "selected-count", class: "muted", role: "status" }, "0 selected");
  const metricPick = el("select", { id: "chart-metric" });
  const form = el("form", { class: "toolbar", role: "search" },
    el("label", { for: "filter" }, "Filter", filter), el("button", { type: "submit" }, "Search"), prev, next, status);
  setPage(`Runs of ${exp.name}`, form, error,
    el("details", {}, el("summary", {}, "Columns"), colBox),
    experimentTags(experimentId, exp.tags || [], query),
    el("div", { class: "toolbar" }, selectPage, selectedCount, compareRuns,
      el("label", { for: "chart-metric" }, "Metric", metricPick), compare),
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
      box.checked = state.selected.has(info.run_id);
      box.addEventListener("change", () => { if (box.checked) state.selected.add(info.run_id); else state.selected.delete(info.run_id); counted(); });
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
  // The selection survives paging, so a comparison can hold runs from many pages.
  function counted() { selectedCount.textContent = `${state.selected.size} selected`; }
  selectPage.addEventListener("click", () => {
    for (const box of table.querySelectorAll("tbody input[type=checkbox]")) { box.checked = true; state.selected.add(box.value); }
    counted();
  });
  compare.addEventListener("click", () => {
    const ids = [...state.selected];
    if (ids.length && metricPick.value) location.hash = `#/chart?runs=${ids.join(",")}&metric=${encodeURIComponent(metricPick.value)}`;
  });
  compareRuns.addEventListener("click", () => {
    if (state.selected.size) location.hash = `#/compare?runs=${[...state.selected].join(",")}`;
  });
  await load();
}

async function route() {
  const [path, qs] = (location.hash.slice(1) || "/").split("?");
  const query = new URLSearchParams(qs || "");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  main.replaceChildren(el("p", { class: "muted" }, "Loading…"));
  try {
    if (!parts.length) await experimentsPage(query);
    else if (parts[0] === "experiments") await runsPage(parts[1], query);
    else if (parts[0] === "runs") await runPage(parts[1], setPage);
    else if (parts[0] === "compare") await comparePage(setPage, query);
    else if (parts[0] === "chart") await chartPage(main, setPage, query);
    else if (parts[0] === "models" && parts[2] === "versions") await versionPage(parts[1], parts[3], setPage);
    else if (parts[0] === "models" && parts[2] === "timeline") await timelinePage(parts[1], setPage, query);
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
