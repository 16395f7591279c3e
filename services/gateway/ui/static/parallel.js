// Parallel coordinates in plain SVG: one vertical axis per chosen param or metric, one line per run.
const NS = "http://www.w3.org/2000/svg";
const RAMP = ["#313695", "#4575b4", "#74add1", "#f46d43", "#d73027", "#a50026"];

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}

// An axis maps a run's value to 0..1: numbers linearly between their min and max, other values by rank.
function axisOf(name, values) {
  const present = values.filter((v) => v !== undefined && v !== "");
  const numeric = present.length > 0 && present.every((v) => !Number.isNaN(Number(v)));
  if (numeric) {
    const nums = present.map(Number);
    const lo = Math.min(...nums), hi = Math.max(...nums);
    return { name, numeric, lo, hi, pos: (v) => (v === undefined || v === "" ? null : hi === lo ? 0.5 : (Number(v) - lo) / (hi - lo)) };
  }
  const levels = [...new Set(present)].sort();
  return { name, numeric, levels, pos: (v) => (v === undefined || v === "" ? null : levels.length === 1 ? 0.5 : levels.indexOf(v) / (levels.length - 1)) };
}

// rows: [{ id, label, values: { axisName: value } }]; axes: axis names; the last axis colours the lines.
export function parallelCoordinates(rows, axes, width = 900, height = 360) {
  const pad = { top: 30, bottom: 30, left: 60, right: 60 };
  const scales = axes.map((a) => axisOf(a, rows.map((r) => r.values[a])));
  const x = (i) => pad.left + (axes.length === 1 ? 0 : (i * (width - pad.left - pad.right)) / (axes.length - 1));
  const y = (p) => pad.top + (1 - p) * (height - pad.top - pad.bottom);
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, width: "100%", role: "img", id: "parallel-svg",
    "aria-label": `parallel coordinates of ${rows.length} runs over ${axes.join(", ")}` });
  const lines = svg("g", { fill: "none", "stroke-width": "1.2", "stroke-opacity": "0.75" });
  const colorAxis = scales[scales.length - 1];
  for (const r of rows) {
    const points = scales.map((s, i) => [s.pos(r.values[s.name]), i]).filter(([p]) => p !== null)
      .map(([p, i]) => `${x(i).toFixed(1)},${y(p).toFixed(1)}`);
    const c = colorAxis ? colorAxis.pos(r.values[colorAxis.name]) : null;
    const stroke = c === null ? "#757575" : RAMP[Math.min(RAMP.length - 1, Math.floor(c * RAMP.length))];
    lines.append(svg("polyline", { points: points.join(" "), stroke, "data-run": r.id },
      svg("title", {}, `${r.label}: ${axes.map((a) => `${a}=${r.values[a] ?? "–"}`).join(", ")}`)));
  }
  root.append(lines);
  scales.forEach((s, i) => {
    const g = svg("g", { class: "pc-axis", "data-axis": s.name });
    g.append(svg("line", { x1: x(i), x2: x(i), y1: y(0), y2: y(1), stroke: "#202124" }));
    const label = svg("text", { x: x(i), y: pad.top - 12, "text-anchor": "middle" });
    label.textContent = s.name;
    g.append(label);
    const ends = s.numeric ? [[0, s.lo], [1, s.hi]] : s.levels.map((v, k) => [s.levels.length === 1 ? 0.5 : k / (s.levels.length - 1), v]);
    for (const [p, v] of ends.slice(0, 12)) {
      const t = svg("text", { x: x(i) + 4, y: y(p) + 4, class: "pc-tick" });
      t.textContent = typeof v === "number" ? Number(v.toPrecision(4)) : String(v).slice(0, 16);
      g.append(t);
    }
    root.append(g);
  });
  return root;
}
