// Small helpers shared by the pages: DOM building, API calls, number and time formatting.
export const API = "/ajax-api/2.0/mlflow/";

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "value") node.value = v; else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c ?? "")));
  return node;
}

export function esc(text) { return String(text); }

export async function api(path, params = {}, method = "GET", base = API) {
  let url = base + path;
  const init = { method, headers: {} };
  if (method === "GET") {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) for (const x of [].concat(v)) qs.append(k, x);
    url += "?" + qs;
  } else {
    init.body = JSON.stringify(params);
    init.headers["content-type"] = "application/json";
  }
  const response = await fetch(url, init);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.message || `${response.status} ${response.statusText}`);
  return data;
}

export function fmt(v) {
  const n = Number(v);
  if (v === "" || v === null || v === undefined || Number.isNaN(n)) return v ?? "";
  return Number.isInteger(n) ? String(n) : n.toPrecision(6).replace(/\.?0+$/, "");
}

export function tsText(ms) { return ms ? new Date(Number(ms)).toISOString().replace("T", " ").slice(0, 19) : ""; }
