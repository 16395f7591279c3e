// Model registry pages: the models list and a model's versions, stages and aliases (with edits).
import { actionButton, actionForm, api, changedElsewhere, el, table, tsText } from "./lib.js";

const STAGES = ["None", "Staging", "Production", "Archived"];

export async function modelsPage(setPage) {
  const data = await api("registered-models/search", { max_results: 1000 });
  const rows = (data.registered_models || []).map((m) => el("tr", {},
    el("td", {}, el("a", { href: `#/models/${encodeURIComponent(m.name)}` }, m.name)),
    el("td", {}, (m.latest_versions || []).map((v) => `v${v.version} ${v.current_stage}`).join(", ")),
    el("td", {}, (m.aliases || []).map((a) => `@${a.alias} → v${a.version}`).join(", ")),
    el("td", {}, tsText(m.last_updated_timestamp))));
  setPage("Registered models", el("table", { id: "models" },
    el("thead", {}, el("tr", {}, ...["Name", "Latest versions", "Aliases", "Updated"].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, ...rows)));
}

export async function modelPage(name, setPage) {
  const model = (await api("registered-models/get", { name })).registered_model;
  const versions = (await api("model-versions/search", { filter: `name='${name.replace(/'/g, "\\'")}'`, max_results: 1000 }))
    .model_versions || [];
  versions.sort((a, b) => Number(b.version) - Number(a.version));
  const aliases = new Map();
  for (const a of model.aliases || []) aliases.set(a.version, [...(aliases.get(a.version) || []), a.alias]);
  const message = el("p", { id: "action-message", role: "status" });
  const rows = versions.map((v) => {
    const stage = el("select", { "aria-label": `stage of version ${v.version}`, "data-version": v.version },
      ...STAGES.map((s) => el("option", { value: s }, s)));
    stage.value = v.current_stage || "None";
    const apply = el("button", { type: "button", "data-transition": v.version }, "Transition");
    apply.addEventListener("click", async () => {
      try {
        await api("model-versions/transition-stage", { name, version: v.version, stage: stage.value,
                                                        archive_existing_versions: false }, "POST");
        await modelPage(name, setPage);
        document.getElementById("action-message").textContent = `Version ${v.version} moved to ${stage.value}.`;
      } catch (err) { message.textContent = err.message; message.className = "error"; }
    });
    return el("tr", { "data-version": v.version },
      el("td", {}, el("a", { href: `#/models/${encodeURIComponent(name)}/versions/${v.version}` }, `Version ${v.version}`)),
      el("td", { class: "stage" }, v.current_stage || "None"),
      el("td", {}, (aliases.get(v.version) || []).map((a) => `@${a}`).join(" ")),
      el("td", { class: "lineage" }, v.run_id ? el("a", { href: `#/runs/${v.run_id}`, "aria-label": `source run ${v.run_id}` }, v.run_id.slice(0, 8)) : "",
        " ", el("span", { class: "muted" }, v.source || "")),
      el("td", {}, v.status), el("td", {}, tsText(v.creation_timestamp)), el("td", {}, stage, " ", apply));
  });
  const aliasName = el("input", { id: "alias-name", type: "text" });
  const aliasVersion = el("select", { id: "alias-version" }, ...versions.map((v) => el("option", { value: v.version }, v.version)));
  const aliasForm = el("form", { class: "toolbar", id: "alias-form" }, el("label", { for: "alias-name" }, "Alias", aliasName),
    el("label", { for: "alias-version" }, "Version", aliasVersion), el("button", { type: "submit" }, "Set alias"));
  aliasForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      await api("registered-models/alias", { name, alias: aliasName.value, version: aliasVersion.value }, "POST");
      const alias = aliasName.value;
      await modelPage(name, setPage);
      document.getElementById("action-message").textContent = `Alias @${alias} set.`;
    } catch (err) { message.textContent = err.message; message.className = "error"; }
  });
  const reload = () => modelPage(name, setPage);
  const tags = model.tags || [];
  const tagTable = tags.length ? table("model-tags", ["Key", "Value", "Delete"], tags.map((t, i) => el("tr", { "data-key": t.key },
    el("td", {}, t.key), el("td", {}, t.value), el("td", {}, actionButton({ id: `delete-model-tag-${i}`, label: `Delete ${t.key}`,
      run: () => api(`registered-models/delete-tag?${new URLSearchParams({ name, key: t.key })}`, {}, "DELETE"), done: reload })))))
    : el("p", { id: "model-tags", class: "muted" }, "No tags.");
  const setTag = actionForm({ id: "set-model-tag", button: "Set tag", fields: [{ name: "key", label: "Tag key" }, { name: "value", label: "Tag value" }],
    submit: (v) => api("registered-models/set-tag", { name, key: v.key, value: v.value }, "POST"), done: reload });
  const rename = actionForm({ id: "rename-model", button: "Rename", fields: [{ name: "new_name", label: "New name", value: name }],
    submit: (v) => api("registered-models/rename", { name, new_name: v.new_name }, "POST"),
    done: (v) => { location.hash = `#/models/${encodeURIComponent(v.new_name)}`; } });
  const notice = changedElsewhere({ subject: "mlledger.registry.>" }, (e) => (e.payload || {}).name === name, reload);
  setPage(`Model ${name}`, notice, el("p", {}, model.description || ""),
    el("p", {}, el("a", { href: `#/models/${encodeURIComponent(name)}/timeline`, id: "timeline-link" }, "Timeline and “as of” view")), message,
    el("table", { id: "versions" }, el("thead", {}, el("tr", {},
      ...["Version", "Stage", "Aliases", "Lineage (source run)", "Status", "Created", "Change stage"].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, ...rows)), el("h2", {}, "Set an alias"), aliasForm,
    el("h2", {}, "Tags"), tagTable, setTag, el("h2", {}, "Rename"), rename);
}
