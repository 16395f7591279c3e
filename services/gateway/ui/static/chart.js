// Metric chart page: server-side down-sampled series drawn with uPlot, re-sampled on zoom.
import { api, el } from "./lib.js";

const COLORS = ["#0b57d0", "#b3261e", "#137333", "#a142f4", "#e8710a", "#007b83", "#5f6368", "#c5221f", "#1967d2", "#188038"];

async function fetchSeries(runs, metric, axis, points, range) {
  const params = { run_ids: runs, metric_key: metric, points, x: axis };
  if (range) { params.start = range[0]; params.end = range[1]; }
  return api("metrics/sampled", params, "GET", "/ui-api/");
}

function smooth(ys, weight) {
  if (!weight) return ys;
  let last = null;
  return ys.map((y) => (y === null ? null : (last = last === null ? y : last * weight + y * (1 - weight))));
}

// uPlot wants one shared x array: take the union and leave gaps where a run has no point.
function toColumns(series, weight) {
  const xs = [...new Set(series.flatMap((s) => s.x))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const cols = series.map((s) => {
    const col = new Array(xs.length).fill(null);
    s.x.forEach((x, i) => { col[index.get(x)] = s.y[i]; });
    return smooth(col, weight);
  });
  return [xs, ...cols];
}

export async function chartPage(main, setPage, query) {
  const runs = (query.get("runs") || "").split(",").filter(Boolean);
  const metric = query.get("metric") || "";
  const axis = el("select", { id: "axis" }, el("option", { value: "step" }, "step"), el("option", { value: "time" }, "time"));
  const log = el("input", { id: "log", type: "checkbox" });
  const smoothing = el("input", { id: "smoothing", type: "range", min: "0", max: "0.99", step: "0.01", value: "0" });
  const reset = el("button", { id: "reset", type: "button" }, "Reset zoom");
  const info = el("p", { id: "chart-info", class: "muted", "aria-live": "polite" });
  const box = el("div", { id: "chart", role: "img", "aria-label": `chart of ${metric}` });
  setPage(`Chart of ${metric}`, el("div", { class: "toolbar" },
    el("label", { for: "axis" }, "X axis", axis), el("label", { for: "log" }, "Log scale", log),
    el("label", { for: "smoothing" }, "Smoothing", smoothing), reset), info, box);
  let plot = null;
  let last = null;
  let loaded = null; // [first x, last x] of the data drawn, in the server's units
  let sequence = 0;

  const width = () => Math.max(400, main.clientWidth - 40);
  const scale = () => (axis.value === "time" ? 1000 : 1);

  function draw(data, keepScale) {
    const cols = toColumns(data.series, Number(smoothing.value));
    loaded = cols[0].length ? [cols[0][0], cols[0][cols[0].length - 1]] : null;
    info.textContent = data.series.map((s) => `${s.run_id.slice(0, 8)}: ${s.x.length} of ${s.total} points`).join(" · ");
    if (axis.value === "time") cols[0] = cols[0].map((x) => x / 1000);
    if (plot && keepScale) { plot.setData(cols, false); return; }
    if (plot) plot.destroy();
    const opts = {
      width: width(), height: 400,
      scales: { x: { time: axis.value === "time" }, y: { distr: log.checked ? 3 : 1 } },
      series: [{ label: axis.value }, ...data.series.map((s, i) => ({
        label: s.run_id.slice(0, 8), stroke: COLORS[i % COLORS.length], width: 1.5, spanGaps: true }))],
      hooks: {
        draw: [() => { box.dataset.drawn = String(performance.now()); }],
        setScale: [(u, key) => { if (key === "x") zoomed(u.scales.x.min, u.scales.x.max); }],
      },
    };
    plot = new uPlot(opts, cols, box);
  }

  // Only the newest request is drawn, so a slow answer never overwrites a later zoom.
  async function load(range) {
    const mine = ++sequence;
    const data = await fetchSeries(runs, metric, axis.value, width(), range);
    if (mine !== sequence) return;
    last = data;
    draw(data, Boolean(range));
    box.dataset.range = range ? range.join(",") : "";
  }

  // A zoom inside what is drawn asks the server for that window, sampled again for the full width.
  let timer = null;
  function zoomed(min, max) {
    if (min === null || max === null || !loaded) return;
    const range = [Math.floor(min * scale()), Math.ceil(max * scale())];
    if (range[0] <= loaded[0] && range[1] >= loaded[1]) return;
    clearTimeout(timer);
    timer = setTimeout(() => load(range).catch((e) => { info.textContent = e.message; }), 150);
  }

  axis.addEventListener("change", () => load(null));
  log.addEventListener("change", () => last && draw(last, false));
  smoothing.addEventListener("input", () => last && draw(last, false));
  reset.addEventListener("click", () => load(null));
  if (!runs.length || !metric) throw new Error("Choose runs and a metric to chart.");
  await load(null);
}
