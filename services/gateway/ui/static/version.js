// Version page: its source run and lineage, signature, tags, and how to load it.
import { actionButton, actionForm, api, changedElsewhere, el, fmt, table, tsText, UI_API } from "./lib.js";

function signatureTable(id, text) {
  if (!text) return el("p", { id, class: "muted" }, "None recorded.");
  let items;
  try { items = JSON.parse(text); } catch { return el("pre", { id }, text); }
  if (!Array.isArray(items)) return el("pre", { id }, JSON.stringify(items, null, 2));
  return table(id, ["Name", "Type", "Shape / required"], items.map((c) => el("tr", {},
    el("td", {}, c.name ?? "(unnamed)"), el("td", {}, c.type === "tensor" ? `tensor ${(c["tensor-spec"] || {}).dtype || ""}` : c.type ?? ""),
    el("td", {}, c["tensor-spec"] ? JSON.stringify(c["tensor-spec"].shape) : c.required === false ? "optional" : "required"))));
}

function copyable(id, text) {
  const pre = el("pre", { id, class: "code", tabindex: "0" }, text);
  const button = el("button", { type: "button", "aria-label": `copy ${id}` }, "Copy");
  button.addEventListener("click", () => navigator.clipboard && navigator.clipboard.writeText(text).then(() => { button.textContent = "Copied"; }, () => {}));
  return el("div", { class: "copyable" }, pre, button);
}

export async function versionPage(name, version, setPage) {
  const v = (await api(`models/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}`, {}, "GET", UI_API)).model_version;
  const reload = () => versionPage(name, version, setPage);
  const lin = v.lineage;
  const run = lin.run_id
    ? el("p", { id: "source-run" }, "Source run: ", el("a", { href: `#/runs/${lin.run_id}` }, lin.run_id),
      lin.experiment_id ? [" in experiment ", el("a", { href: `#/experiments/${lin.experiment_id}` }, lin.experiment_id)] : "")
    : el("p", { id: "source-run", class: "muted" }, `Registered from ${v.source} (no run).`);
  const atRegistration = table("registration-values", ["Param or metric", "Value at registration"], [
    ...Object.entries(lin.params).map(([k, x]) => el("tr", {}, el("td", {}, `param ${k}`), el("td", {}, x))),
    ...Object.entries(lin.metrics).map(([k, x]) => el("tr", {}, el("td", {}, `metric ${k}`), el("td", { class: "num" }, fmt(x))))]);
  const f = v.format;
  const tags = v.tags || [];
  const tagRows = tags.map((t, i) => el("tr", { "data-key": t.key }, el("td", {}, t.key), el("td", {}, t.value),
    el("td", {}, actionButton({ id: `delete-version-tag-${i}`, label: `Delete ${t.key}`,
      run: () => api("model-versions/delete-tag", { name, version, key: t.key }, "DELETE"), done: reload }))));
  const setTag = actionForm({ id: "set-version-tag", button: "Set tag", fields: [{ name: "key", label: "Tag key" }, { name: "value", label: "Tag value" }],
    submit: (x) => api("model-versions/set-tag", { name, version, key: x.key, value: x.value }, "POST"), done: reload });
  const notice = changedElsewhere({ subject: "mlledger.registry.>" }, (e) => {
    const p = e.payload || {};
    return p.name === v.name && (!p.version || String(p.version) === String(v.version));
  }, reload);
  setPage(`${v.name} version ${v.version}`, notice,
    el("p", {}, el("span", { class: "badge", id: "version-stage" }, v.current_stage), " ",
      ...(v.aliases || []).map((a) => el("span", { class: "badge" }, `@${a}`)), ` ${v.status} · registered ${tsText(v.creation_timestamp)} by ${v.user_id || "anonymous"} · `,
      el("a", { href: `#/models/${encodeURIComponent(v.name)}` }, `all versions of ${v.name}`)),
    el("h2", {}, "Lineage"), run, lin.run_digest ? el("p", { class: "muted" }, `Run digest at registration: ${lin.run_digest}`) : "", atRegistration,
    el("h2", {}, "Signature"),
    el("div", { class: "grid" },
      el("section", {}, el("h3", {}, "Inputs"), signatureTable("signature-inputs", f.signature_inputs)),
      el("section", {}, el("h3", {}, "Outputs"), signatureTable("signature-outputs", f.signature_outputs)),
      el("section", {}, el("h3", {}, "Params"), signatureTable("signature-params", f.signature_params))),
    el("p", { class: "muted" }, `Flavors: ${(f.flavors || []).join(", ") || "none recorded"}${f.python_version ? ` · Python ${f.python_version}` : ""}`),
    el("h2", {}, "How to load it"),
    el("p", {}, "Model URI: ", el("code", { id: "model-uri" }, v.load.uri), ...v.load.aliases.map((a) => [" or ", el("code", {}, a)]).flat()),
    copyable("load-python", v.load.python), copyable("load-cli", v.load.cli),
    el("p", {}, "Files: ", el("code", {}, v.storage_location || v.source)),
    el("h2", {}, "Tags"), tagRows.length ? table("version-tags", ["Key", "Value", "Delete"], tagRows) : el("p", { class: "muted", id: "version-tags" }, "No tags."), setTag);
}
