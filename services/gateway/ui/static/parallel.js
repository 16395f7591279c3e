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

// Value of an axis at position p (0..1), for the brushed range's label.
function valueAt(s, p) {
  if (s.numeric) return Number((s.lo + p * (s.hi - s.lo)).toPrecision(4));
  return s.levels[Math.round(p * (s.levels.length - 1))];
}

// rows: [{ id, label, values: { axisName: value } }]; axes: axis names; the last axis colours the lines.
// Dragging along an axis brushes a range: lines outside every brushed range are dimmed; onBrush(text) reports.
export function parallelCoordinates(rows, axes, onBrush = () => {}, width = 900, height = 360) {
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
  const brushes = new Map(); // axis name -> [low, high] positions
  const point = (ev) => { const m = root.getScreenCTM().inverse(); return new DOMPoint(ev.clientX, ev.clientY).matrixTransform(m); };
  const toP = (py) => Math.min(1, Math.max(0, 1 - (py - pad.top) / (height - pad.top - pad.bottom)));
  function applyBrushes() {
    let kept = 0;
    for (const line of lines.children) {
      const r = rows.find((row) => row.id === line.dataset.run);
      const inside = [...brushes].every(([name, [lo, hi]]) => {
        const p = scales.find((s) => s.name === name).pos(r.values[name]);
        return p !== null && p >= lo && p <= hi;
      });
      line.classList.toggle("dim", !inside);
      kept += inside ? 1 : 0;
    }
    const ranges = [...brushes].map(([name, [lo, hi]]) => {
      const s = scales.find((x) => x.name === name);
      return `${name} ${valueAt(s, lo)}–${valueAt(s, hi)}`;
    });
    onBrush(ranges.length ? `${kept} of ${rows.length} runs within ${ranges.join(", ")}` : "");
  }
  scales.forEach((s, i) => {
    const g = svg("g", { class: "pc-axis", "data-axis": s.name });
    g.append(svg("line", { x1: x(i), x2: x(i), y1: y(0), y2: y(1), stroke: "#202124" }));
    const band = svg("rect", { x: x(i) - 6, width: 12, y: y(1), height: 0, class: "pc-brush" });
    const hit = svg("rect", { x: x(i) - 10, width: 20, y: y(1), height: y(0) - y(1), fill: "transparent", class: "pc-hit" });
    hit.addEventListener("pointerdown", (ev) => {
      const start = toP(point(ev).y);
      hit.setPointerCapture(ev.pointerId);
      const move = (e) => {
        const [lo, hi] = [start, toP(point(e).y)].sort((a, b) => a - b);
        band.setAttribute("y", y(hi));
        band.setAttribute("height", y(lo) - y(hi));
        if (hi - lo > 0.01) brushes.set(s.name, [lo, hi]); else brushes.delete(s.name);
        applyBrushes();
      };
      const up = (e) => { move(e); hit.removeEventListener("pointermove", move); hit.removeEventListener("pointerup", up); };
      hit.addEventListener("pointermove", move);
      hit.addEventListener("pointerup", up);
    });
    g.append(band, hit);
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
