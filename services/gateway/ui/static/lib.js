// Small helpers shared by the pages: DOM building, API calls, number and time formatting.
export const API = "/ajax-api/2.0/mlflow/";

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "value") node.value = v; else node.setAttribute(k, v);
  }
  for (const c of children.flat(Infinity)) node.append(c instanceof Node ? c : document.createTextNode(String(c ?? "")));
  return node;
}

export function esc(text) { return String(text); }

// Every write from this browser tab carries a correlation id starting with TAB, so a page can tell
// the events it caused from changes made elsewhere.
export const TAB = `ui-${Math.random().toString(16).slice(2, 10)}`;
let calls = 0;

export async function api(path, params = {}, method = "GET", base = API) {
  let url = base + path;
  const init = { method, headers: method === "GET" ? {} : { "x-correlation-id": `${TAB}-${++calls}` } };
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

export const UI_API = "/ui-api/";

let formCount = 0;

// A small form for one write action: labelled fields, each with its own error line beside it.
// `submit(values)` does the call; a server error goes next to the field whose parameter it names.
export function actionForm({ id, fields, button, submit, done }) {
  const n = ++formCount;
  const inputs = new Map();
  const errors = new Map();
  const rows = fields.map((f) => {
    const input = f.options
      ? el("select", { id: `${id}-${f.name}` }, ...f.options.map((o) => el("option", { value: o }, o)))
      : el("input", { id: `${id}-${f.name}`, type: "text", value: f.value ?? "", autocomplete: "off" });
    if (f.value !== undefined) input.value = f.value;
    const error = el("span", { id: `${id}-${f.name}-error`, class: "field-error", role: "alert" });
    input.setAttribute("aria-describedby", error.id);
    inputs.set(f.name, input);
    errors.set(f.name, { node: error, params: f.params || [f.name] });
    return el("label", { for: input.id }, f.label, input, error);
  });
  const form = el("form", { class: "toolbar action", id, "data-form": String(n) }, ...rows,
    el("button", { type: "submit" }, button));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    for (const { node } of errors.values()) node.textContent = "";
    for (const input of inputs.values()) input.removeAttribute("aria-invalid");
    const values = Object.fromEntries([...inputs].map(([k, input]) => [k, input.value]));
    const empty = fields.find((f) => f.required && !values[f.name].trim());
    if (empty) {
      errors.get(empty.name).node.textContent = `${empty.label} is required.`;
      inputs.get(empty.name).setAttribute("aria-invalid", "true");
      inputs.get(empty.name).focus();
      return;
    }
    try {
      await submit(values);
      if (done) await done(values);
    } catch (err) {
      const message = String(err.message || err);
      // The field the message names as a parameter, else the field whose value it quotes, else the first.
      const keys = [...errors.keys()];
      const name = keys.find((k) => errors.get(k).params.some((p) => message.includes(`'${p}'`)
        || message.includes(`${p}:`) || message.includes(`"${p}"`)))
        || keys.find((k) => values[k] && message.includes(`'${values[k]}'`)) || keys[0];
      errors.get(name).node.textContent = message;
      inputs.get(name).setAttribute("aria-invalid", "true");
      inputs.get(name).focus();
    }
  });
  return form;
}

// A button that runs an action; its error is shown right after it.
export function actionButton({ id, label, run, done }) {
  const button = el("button", { type: "button", id });
  button.textContent = label;
  const error = el("span", { id: `${id}-error`, class: "field-error", role: "alert" });
  button.setAttribute("aria-describedby", error.id);
  button.addEventListener("click", async () => {
    error.textContent = "";
    try { await run(); if (done) await done(); } catch (err) { error.textContent = String(err.message || err); }
  });
  return el("span", { class: "action-button" }, button, error);
}

// Events as they happen ({ entity } or { subject }), for pages that already show the current state.
export function follow(filter, onEvent, onState) {
  const source = new EventSource(`/ui-api/events?${new URLSearchParams({ ...filter, after: "now" })}`);
  source.onopen = () => onState && onState("live");
  source.onerror = () => onState && onState("reconnecting…");
  source.addEventListener("caught_up", () => onState && onState("live"));
  source.onmessage = (ev) => onEvent(JSON.parse(ev.data));
  window.addEventListener("hashchange", () => source.close(), { once: true });
  return source;
}

export function table(id, headers, rows) {
  return el("table", { id }, el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, ...rows));
}

// A notice that the shown state changed elsewhere, with a Reload button (the page is not redrawn
// under the user's hands). Events this tab caused are ignored.
let watching = null;

export function changedElsewhere(filter, matches, reload) {
  const note = el("div", { id: "changed-elsewhere", class: "notice", role: "status", hidden: "" });
  // A redrawn page replaces its subscription: open streams count against the browser's connections.
  if (watching) watching.close();
  watching = follow(filter, (e) => {
    if ((e.correlation_id || "").startsWith(TAB) || !matches(e)) return;
    const button = el("button", { type: "button", id: "reload-page" }, "Reload");
    button.addEventListener("click", reload);
    note.replaceChildren(`Changed elsewhere: ${e.type} by ${e.actor}. `, button);
    note.hidden = false;
  });
  return note;
}
