// Run page: params, metrics, tags, inputs, lineage, artifacts, write actions; updates itself live.
import { actionButton, actionForm, api, el, fmt, follow, table, tsText, UI_API } from "./lib.js";
import { listArtifacts } from "./artifacts.js";

const KEEP_EVENTS = 50;

function kvTable(id, items, valueCell, extra) {
  return table(id, ["Key", "Value", ...(extra ? [extra.header] : [])], items.map((x) =>
    el("tr", { "data-key": x.key }, el("td", {}, x.key), valueCell(x), ...(extra ? [el("td", {}, extra.cell(x))] : []))));
}

function runLink(r) {
  return el("a", { href: `#/runs/${r.run_id}` }, r.run_name || r.run_id);
}

function lineageSection(data) {
  const parent = data.parent ? el("p", { id: "parent-run" }, "Parent run: ", runLink(data.parent), ` (${data.parent.status})`)
    : el("p", { id: "parent-run", class: "muted" }, "No parent run.");
  const children = data.children.length
    ? el("ul", { id: "child-runs" }, ...data.children.map((c) => el("li", {}, runLink(c), ` ${c.status}`)))
    : el("p", { id: "child-runs", class: "muted" }, "No child runs.");
  const versions = data.model_versions.length
    ? el("ul", { id: "produced-versions" }, ...data.model_versions.map((v) => el("li", {},
      el("a", { href: `#/models/${encodeURIComponent(v.name)}/versions/${v.version}` }, `${v.name} v${v.version}`),
      ` ${v.stage}${v.aliases.length ? " " + v.aliases.map((a) => "@" + a).join(" ") : ""}`)))
    : el("p", { id: "produced-versions", class: "muted" }, "No model versions registered from this run.");
  return [el("h3", {}, "Parent"), parent, el("h3", {}, "Children"), children, el("h3", {}, "Model versions"), versions];
}

function inputsTable(run) {
  const inputs = (run.inputs && run.inputs.dataset_inputs) || [];
  if (!inputs.length) return el("p", { id: "inputs", class: "muted" }, "No dataset inputs.");
  return table("inputs", ["Dataset", "Digest", "Context", "Source"], inputs.map((i) => el("tr", {},
    el("td", {}, i.dataset.name), el("td", {}, i.dataset.digest),
    el("td", {}, ((i.tags || []).find((t) => t.key === "mlflow.data.context") || {}).value || ""),
    el("td", {}, i.dataset.source_type))));
}

export async function runPage(runId, setPage) {
  const sections = { head: el("div", { id: "run-head" }), params: el("div", {}), metrics: el("div", {}),
                     tags: el("div", {}), inputs: el("div", {}), lineage: el("div", { id: "lineage" }) };
  const liveState = el("span", { id: "live-state", class: "muted", role: "status" }, "connecting…");
  const recent = el("ol", { id: "run-events", reversed: "" });
  const artifacts = el("div", { id: "artifacts" });
  const preview = el("div", { id: "preview", "aria-live": "polite" });
  let run = null;

  async function refresh() {
    run = (await api("runs/get", { run_id: runId })).run;
    const info = run.info;
    document.querySelector("h1").textContent = `Run ${info.run_name || runId}`;
    sections.head.replaceChildren(el("p", {}, el("span", { class: "badge", id: "run-status" }, info.status),
      info.lifecycle_stage === "deleted" ? el("span", { class: "badge deleted", id: "run-deleted" }, "deleted") : "",
      ` id ${runId} · experiment `, el("a", { href: `#/experiments/${info.experiment_id}` }, info.experiment_id),
      ` · started ${tsText(info.start_time)}`, info.end_time ? ` · ended ${tsText(info.end_time)}` : ""));
    sections.params.replaceChildren(kvTable("params", run.data.params || [], (p) => el("td", {}, p.value)));
    sections.metrics.replaceChildren(kvTable("metrics", run.data.metrics || [], (m) => el("td", { class: "num" },
      el("a", { href: `#/chart?runs=${runId}&metric=${encodeURIComponent(m.key)}`,
                "aria-label": `${fmt(m.value)}, chart of ${m.key}` }, fmt(m.value))),
      { header: "Step", cell: (m) => String(m.step) }));
    const userTags = (run.data.tags || []).filter((t) => !t.key.startsWith("mlflow."));
    sections.tags.replaceChildren(kvTable("tags", userTags, (t) => el("td", {}, t.value), { header: "Delete", cell: (t) =>
      actionButton({ id: `delete-tag-${userTags.indexOf(t)}`, label: `Delete ${t.key}`,
                     run: () => api("runs/delete-tag", { run_id: runId, key: t.key }, "POST"), done: refresh }) }));
    sections.inputs.replaceChildren(inputsTable(run));
    const lineage = await api(`runs/${runId}/lineage`, {}, "GET", UI_API);
    sections.lineage.replaceChildren(...lineageSection(lineage));
    deleteBox.replaceChildren(info.lifecycle_stage === "deleted"
      ? actionButton({ id: "restore-run", label: "Restore run", run: () => api("runs/restore", { run_id: runId }, "POST"), done: refresh })
      : actionButton({ id: "delete-run", label: "Delete run", run: () => api("runs/delete", { run_id: runId }, "POST"), done: refresh }));
    if (!rename.dataset.filled) { rename.querySelector("input").value = info.run_name || ""; rename.dataset.filled = "1"; }
    main().dataset.refreshed = String(Date.now());
  }

  const main = () => document.getElementById("main");
  const deleteBox = el("span", {});
  const rename = actionForm({ id: "rename-run", button: "Rename", fields: [{ name: "run_name", label: "Run name" }],
    submit: (v) => api("runs/update", { run_id: runId, run_name: v.run_name }, "POST"), done: refresh });
  const setTag = actionForm({ id: "set-tag", button: "Set tag", fields: [
    { name: "key", label: "Tag key" }, { name: "value", label: "Tag value" }],
    submit: (v) => api("runs/set-tag", { run_id: runId, key: v.key, value: v.value }, "POST"), done: refresh });

  setPage(`Run ${runId}`, sections.head,
    el("div", { class: "grid" },
      el("section", { "aria-labelledby": "h-params" }, el("h2", { id: "h-params" }, "Parameters"), sections.params),
      el("section", { "aria-labelledby": "h-metrics" }, el("h2", { id: "h-metrics" }, "Metrics"), sections.metrics),
      el("section", { "aria-labelledby": "h-tags" }, el("h2", { id: "h-tags" }, "Tags"), sections.tags)),
    el("div", { class: "grid" },
      el("section", { "aria-labelledby": "h-inputs" }, el("h2", { id: "h-inputs" }, "Inputs"), sections.inputs),
      el("section", { "aria-labelledby": "h-lineage" }, el("h2", { id: "h-lineage" }, "Lineage"), sections.lineage),
      el("section", { "aria-labelledby": "h-live" }, el("h2", { id: "h-live" }, "Live "), liveState, recent)),
    el("h2", {}, "Actions"), rename, setTag, el("div", { class: "toolbar" }, deleteBox),
    el("h2", {}, "Artifacts"), artifacts, preview);
  // Subscribe before the first read, so nothing that happens in between is missed.
  let timer = null;
  follow({ entity: `run/${runId}` }, (e) => {
    recent.prepend(el("li", { "data-type": e.type, "data-position": e.position }, `${tsText(e.time)} ${e.type} by ${e.actor}`));
    while (recent.children.length > KEEP_EVENTS) recent.lastChild.remove();
    clearTimeout(timer);
    timer = setTimeout(() => refresh().catch(() => {}), 200);
  }, (state) => { liveState.textContent = state; });
  await refresh();
  await listArtifacts(runId, "", artifacts, preview);
}
