// Compare page: params diff, metrics side by side, overlaid charts and parallel coordinates of chosen runs.
import { api, el, fmt, UI_API } from "./lib.js";
import { chartControls, metricChart } from "./chart.js";
import { parallelCoordinates } from "./parallel.js";

const AXES_DEFAULT = 6;

function values(run, kind) {
  const list = kind === "param" ? run.data.params : run.data.metrics;
  return Object.fromEntries((list || []).map((x) => [x.key, x.value]));
}

// One row per key, one column per run; rows whose values differ are marked (colour and a ≠ sign).
function diffTable(id, runs, kind, onlyDiff) {
  const per = runs.map((r) => values(r, kind));
  const keys = [...new Set(per.flatMap((v) => Object.keys(v)))].sort();
  const rows = keys.map((key) => {
    const cells = per.map((v) => v[key]);
    const differs = new Set(cells.map((c) => (c === undefined ? "\u0000" : String(c)))).size > 1;
    return { key, cells, differs };
  }).filter((r) => !onlyDiff || r.differs);
  return el("table", { id, class: "compare" },
    el("thead", {}, el("tr", {}, el("th", { scope: "col" }, kind === "param" ? "Param" : "Metric"),
      ...runs.map((r) => el("th", { scope: "col" }, el("a", { href: `#/runs/${r.info.run_id}` }, r.info.run_name || r.info.run_id.slice(0, 8)))))),
    el("tbody", {}, ...rows.map((r) => el("tr", { "data-key": r.key, class: r.differs ? "diff" : "" },
      el("th", { scope: "row" }, r.differs ? `≠ ${r.key}` : r.key),
      ...r.cells.map((c) => el("td", { class: kind === "metric" ? "num" : "" }, c === undefined ? "–" : kind === "metric" ? fmt(c) : c))))));
}

export async function comparePage(setPage, query) {
  const ids = (query.get("runs") || "").split(",").filter(Boolean);
  if (!ids.length) throw new Error("Select runs on an experiment's runs page, then Compare selected.");
  const runs = (await api("runs/compare", { run_ids: ids }, "POST", UI_API)).runs;
  const labels = Object.fromEntries(runs.map((r) => [r.info.run_id, r.info.run_name || r.info.run_id.slice(0, 8)]));
  const paramKeys = [...new Set(runs.flatMap((r) => (r.data.params || []).map((p) => p.key)))].sort();
  const metricKeys = [...new Set(runs.flatMap((r) => (r.data.metrics || []).map((m) => m.key)))].sort();

  const onlyDiff = el("input", { id: "only-diff", type: "checkbox" });
  const paramsBox = el("div", { class: "scroll" });
  const metricsBox = el("div", { class: "scroll" });
  const renderTables = () => {
    paramsBox.replaceChildren(diffTable("compare-params", runs, "param", onlyDiff.checked));
    metricsBox.replaceChildren(diffTable("compare-metrics", runs, "metric", false));
  };
  onlyDiff.addEventListener("change", renderTables);
  renderTables();

  // Overlaid chart of one metric for every compared run.
  const metricPick = el("select", { id: "compare-metric" }, ...metricKeys.map((k) => el("option", { value: k }, k)));
  const controls = chartControls("compare-");
  const info = el("p", { id: "chart-info", class: "muted", "aria-live": "polite" });
  const box = el("div", { id: "chart", role: "img", "aria-label": "overlaid chart of the compared runs" });

  // Parallel coordinates over the params and metrics ticked here.
  const differing = paramKeys.filter((k) => new Set(runs.map((r) => values(r, "param")[k])).size > 1);
  const chosen = new Set([...differing.slice(0, AXES_DEFAULT - 1).map((k) => `param:${k}`), ...metricKeys.slice(0, 1).map((k) => `metric:${k}`)]);
  const pcBox = el("div", { id: "parallel" });
  const brushed = el("p", { id: "brushed", class: "muted", "aria-live": "polite" });
  const axisBoxes = el("fieldset", { id: "axes", class: "cols" }, el("legend", {}, "Axes"),
    ...[...paramKeys.map((k) => `param:${k}`), ...metricKeys.map((k) => `metric:${k}`)].map((name) => {
      const box = el("input", { type: "checkbox", "data-axis": name });
      box.checked = chosen.has(name);
      box.addEventListener("change", () => { if (box.checked) chosen.add(name); else chosen.delete(name); drawParallel(); });
      return el("label", {}, box, ` ${name.replace(":", ": ")}`);
    }));
  function drawParallel() {
    const axes = [...chosen].sort((a, b) => (a.startsWith("metric:") - b.startsWith("metric:")) || a.localeCompare(b));
    if (!axes.length) { pcBox.replaceChildren(el("p", { class: "muted" }, "Tick at least one axis.")); return; }
    const rows = runs.map((r) => {
      const p = values(r, "param"), m = values(r, "metric");
      return { id: r.info.run_id, label: labels[r.info.run_id],
               values: Object.fromEntries(axes.map((a) => [a.replace(":", ": "), a.startsWith("param:") ? p[a.slice(6)] : m[a.slice(7)]])) };
    });
    brushed.textContent = "";
    pcBox.replaceChildren(parallelCoordinates(rows, axes.map((a) => a.replace(":", ": ")), (text) => { brushed.textContent = text; }));
    pcBox.dataset.axes = axes.join(",");
  }
  drawParallel();

  setPage(`Compare ${runs.length} runs`,
    el("h2", {}, "Parameters"), el("label", { for: "only-diff", class: "inline" }, onlyDiff, " Show only params that differ"), paramsBox,
    el("h2", {}, "Metrics (latest values)"), metricsBox,
    el("h2", {}, "Overlaid chart"), el("div", { class: "toolbar" }, el("label", { for: "compare-metric" }, "Metric", metricPick)),
    controls.bar, info, box,
    el("h2", {}, "Parallel coordinates"), axisBoxes,
    el("p", { class: "muted" }, "Drag along an axis to keep only the runs in that range; click the axis to clear it."), brushed, pcBox);
  const main = document.getElementById("main");
  let chart = null;
  async function chartMetric() {
    if (!metricPick.value) { info.textContent = "The compared runs have no metrics."; return; }
    chart = metricChart({ box, info, runs: ids, metric: metricPick.value, labels, controls: controls.values,
                          width: () => Math.max(400, main.clientWidth - 40) });
    await chart.load(null);
  }
  controls.wire({ load: (r) => chart && chart.load(r), redraw: () => chart && chart.redraw() });
  metricPick.addEventListener("change", () => { box.replaceChildren(); chartMetric(); });
  await chartMetric();
}
