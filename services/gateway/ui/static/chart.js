// Metric charts: server-side down-sampled series drawn with uPlot, re-sampled on zoom.
import { api, el, UI_API } from "./lib.js";

const COLORS = ["#0b57d0", "#b3261e", "#137333", "#a142f4", "#e8710a", "#007b83", "#5f6368", "#c5221f", "#1967d2", "#188038"];
const LEGEND_MAX = 20;

export function color(i) { return COLORS[i % COLORS.length]; }

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

// A chart of `metric` for `runs` in `box`; controls() gives { axis, log, smoothing }; labels maps run id -> name.
export function metricChart({ box, info, runs, metric, labels = {}, controls, width }) {
  let plot = null;
  let last = null;
  let loaded = null; // [first x, last x] of the data drawn, in the server's units
  let sequence = 0;
  let timer = null;
  const scale = () => (controls().axis === "time" ? 1000 : 1);

  function draw(data, keepScale) {
    const { axis, log, smoothing } = controls();
    const cols = toColumns(data.series, smoothing);
    loaded = cols[0].length ? [cols[0][0], cols[0][cols[0].length - 1]] : null;
    const shown = data.series.map((s) => s.x.length).reduce((a, b) => a + b, 0);
    const total = data.series.map((s) => s.total).reduce((a, b) => a + b, 0);
    info.textContent = data.series.length <= LEGEND_MAX
      ? data.series.map((s) => `${labels[s.run_id] || s.run_id.slice(0, 8)}: ${s.x.length} of ${s.total} points`).join(" · ")
      : `${data.series.length} runs: ${shown} of ${total} points`;
    if (axis === "time") cols[0] = cols[0].map((x) => x / 1000);
    if (plot && keepScale) { plot.setData(cols, false); return; }
    if (plot) plot.destroy();
    const opts = {
      width: width(), height: 400, legend: { show: data.series.length <= LEGEND_MAX },
      scales: { x: { time: axis === "time" }, y: { distr: log ? 3 : 1 } },
      series: [{ label: axis }, ...data.series.map((s, i) => ({
        label: labels[s.run_id] || s.run_id.slice(0, 8), stroke: color(i), width: 1.5, spanGaps: true }))],
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
    const params = { run_ids: runs, metric_key: metric, points: width(), x: controls().axis };
    if (range) { params.start = range[0]; params.end = range[1]; }
    const data = await api("metrics/sampled", params, "POST", UI_API);
    if (mine !== sequence) return;
    last = data;
    draw(data, Boolean(range));
    box.dataset.range = range ? range.join(",") : "";
  }

  // A zoom inside what is drawn asks the server for that window, sampled again for the full width.
  function zoomed(min, max) {
    if (min === null || max === null || !loaded) return;
    const range = [Math.floor(min * scale()), Math.ceil(max * scale())];
    if (range[0] <= loaded[0] && range[1] >= loaded[1]) return;
    clearTimeout(timer);
    timer = setTimeout(() => load(range).catch((e) => { info.textContent = e.message; }), 150);
  }

  return { load, redraw: () => last && draw(last, false) };
}

export function chartControls(prefix = "") {
  const id = (name) => `${prefix}${name}`;
  const axis = el("select", { id: id("axis") }, el("option", { value: "step" }, "step"), el("option", { value: "time" }, "time"));
  const log = el("input", { id: id("log"), type: "checkbox" });
  const smoothing = el("input", { id: id("smoothing"), type: "range", min: "0", max: "0.99", step: "0.01", value: "0" });
  const reset = el("button", { id: id("reset"), type: "button" }, "Reset zoom");
  const bar = el("div", { class: "toolbar" }, el("label", { for: axis.id }, "X axis", axis),
    el("label", { for: log.id }, "Log scale", log), el("label", { for: smoothing.id }, "Smoothing", smoothing), reset);
  const values = () => ({ axis: axis.value, log: log.checked, smoothing: Number(smoothing.value) });
  function wire(chart) {
    axis.addEventListener("change", () => chart.load(null));
    log.addEventListener("change", () => chart.redraw());
    smoothing.addEventListener("input", () => chart.redraw());
    reset.addEventListener("click", () => chart.load(null));
  }
  return { bar, values, wire };
}

export async function chartPage(main, setPage, query) {
  const runs = (query.get("runs") || "").split(",").filter(Boolean);
  const metric = query.get("metric") || "";
  const controls = chartControls();
  const info = el("p", { id: "chart-info", class: "muted", "aria-live": "polite" });
  const box = el("div", { id: "chart", role: "img", "aria-label": `chart of ${metric}` });
  setPage(`Chart of ${metric}`, controls.bar, info, box);
  if (!runs.length || !metric) throw new Error("Choose runs and a metric to chart.");
  const chart = metricChart({ box, info, runs, metric, controls: controls.values, width: () => Math.max(400, main.clientWidth - 40) });
  controls.wire(chart);
  await chart.load(null);
}
