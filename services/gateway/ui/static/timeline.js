// Registry timeline: every transition and alias move of a model, and the model "as of" a chosen moment.
import { api, el, follow, table, tsText, UI_API } from "./lib.js";

const STAGE = { STAGE_NONE: "None", STAGE_STAGING: "Staging", STAGE_PRODUCTION: "Production", STAGE_ARCHIVED: "Archived" };

// What an event did, in words; `moves` says whether it is a stage or alias move (the timeline's focus).
function describe(e) {
  const p = e.payload || {};
  const v = p.version;
  switch (e.type) {
    case "model_version.stage_transitioned":
      return { moves: true, text: `version ${v}: ${STAGE[p.fromStage] || p.fromStage} → ${STAGE[p.toStage] || p.toStage}`
        + (p.archivedVersions ? ` (archived ${p.archivedVersions.join(", ")})` : "")
        + (p.archivedByVersion ? ` (archived by version ${p.archivedByVersion})` : "") };
    case "alias.set":
      return { moves: true, text: `@${p.alias} → version ${v}` + (p.previousVersion ? ` (was version ${p.previousVersion})` : "") };
    case "alias.deleted": return { moves: true, text: `@${p.alias} removed (was version ${v})` };
    case "model_version.created": return { moves: false, text: `version ${v} registered${p.runId ? ` from run ${p.runId.slice(0, 8)}` : ""}` };
    case "model_version.deleted": return { moves: false, text: `version ${v} deleted` };
    case "registered_model.created": return { moves: false, text: `model ${p.name} created` };
    case "registered_model.renamed": return { moves: false, text: `renamed ${p.oldName} → ${p.newName}` };
    default: return { moves: false, text: e.type + (v ? ` (version ${v})` : "") };
  }
}

// A datetime-local value (the browser's local time) for a moment in milliseconds, to the second.
function localInput(ms) {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60000);
  return d.toISOString().slice(0, 19);
}

export async function timelinePage(name, setPage, query) {
  const data = await api(`models/${encodeURIComponent(name)}/timeline`, {}, "GET", UI_API);
  const all = el("input", { id: "all-events", type: "checkbox" });
  all.checked = query.get("all") === "1";
  const body = el("tbody", {});
  const momentInput = el("input", { id: "as-of-time", type: "datetime-local", step: "1" });
  const asOfBox = el("div", { id: "as-of", "aria-live": "polite" });
  const asOfError = el("span", { id: "as-of-time-error", class: "field-error", role: "alert" });
  momentInput.setAttribute("aria-describedby", asOfError.id);

  function render() {
    const rows = data.events.map((e) => ({ e, d: describe(e) })).filter(({ d }) => all.checked || d.moves);
    body.replaceChildren(...rows.map(({ e, d }) => {
      const pick = el("button", { type: "button", "data-as-of": e.position, "aria-label": `show the model as of ${tsText(e.time)}` }, "As of this");
      pick.addEventListener("click", () => { momentInput.value = localInput(e.time); showAsOf({ position: e.position }); });
      return el("tr", { "data-type": e.type, "data-position": e.position }, el("td", { class: "num" }, e.position),
        el("td", {}, tsText(e.time)), el("td", {}, d.text), el("td", {}, e.actor), el("td", {}, pick));
    }));
    if (!rows.length) body.append(el("tr", {}, el("td", { colspan: "5", class: "muted" }, "No stage or alias moves yet.")));
  }

  async function showAsOf(point) {
    asOfError.textContent = "";
    momentInput.removeAttribute("aria-invalid");
    try {
      const s = await api(`models/${encodeURIComponent(name)}/as-of`, point, "GET", UI_API);
      const when = point.position ? `registry event ${point.position}` : tsText(point.time);
      asOfBox.replaceChildren(
        el("p", { id: "as-of-summary" }, `As of ${when} (last change ${tsText(s.time)}, event ${s.position}), `,
          el("strong", {}, s.name), ` had ${s.versions.length} version${s.versions.length === 1 ? "" : "s"}:`),
        table("as-of-versions", ["Version", "Stage then", "Aliases then", "Status then"], s.versions.map((v) =>
          el("tr", { "data-version": v.version }, el("td", {}, v.version), el("td", { class: "stage" }, v.stage),
            el("td", { class: "aliases" }, v.aliases.map((a) => `@${a}`).join(" ")), el("td", {}, v.status)))));
      asOfBox.dataset.position = String(s.position);
    } catch (err) {
      asOfBox.replaceChildren();
      asOfError.textContent = err.message;
      momentInput.setAttribute("aria-invalid", "true");
    }
  }

  const form = el("form", { class: "toolbar", id: "as-of-form" },
    el("label", { for: "as-of-time" }, "Moment (your local time)", momentInput, asOfError), el("button", { type: "submit" }, "Show as of"));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    if (!momentInput.value) { asOfError.textContent = "Choose a moment."; return; }
    showAsOf({ time: new Date(momentInput.value).getTime() + 999 }); // the whole chosen second
  });
  all.addEventListener("change", render);
  render();
  // New moves of this model join the timeline as they happen (as-of positions are registry log positions).
  const liveState = el("span", { id: "timeline-live", class: "muted", role: "status" }, "connecting…");
  follow({ subject: "mlledger.registry.>" }, (e) => {
    if (e.entity !== `registered_model/${data.model_id}` && !e.entity.startsWith(`model_version/${data.model_id}/`)) return;
    data.events.push({ ...e, position: e.log_position });
    render();
  }, (state) => { liveState.textContent = state; });
  const latest = data.events.length ? data.events[data.events.length - 1].time : Date.now();
  momentInput.value = localInput(latest);
  setPage(`Timeline of ${name}`,
    el("p", {}, el("a", { href: `#/models/${encodeURIComponent(name)}` }, `Back to ${name}`),
      ` · ${data.total} registry events${data.total > data.events.length ? ` (the newest ${data.events.length} shown)` : ""}`),
    el("h2", {}, "As of a moment"), form, asOfBox,
    el("h2", {}, "Stage transitions and alias moves "), liveState,
    el("label", { for: "all-events", class: "inline" }, all, " Show every event of the model"),
    el("div", { class: "scroll" }, el("table", { id: "timeline" }, el("thead", {}, el("tr", {},
      ...["Position", "Time (UTC)", "What happened", "Actor", "View"].map((h) => el("th", { scope: "col" }, h)))), body)));
  await showAsOf(data.events.length ? { position: data.events[data.events.length - 1].position } : { time: latest });
}
