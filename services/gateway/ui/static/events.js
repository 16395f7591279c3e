// Live events page: the event stream over Server-Sent Events, filterable by subject and entity.
import { el, tsText } from "./lib.js";

const KEEP = 500;
let source = null;

function summary(payload) {
  return Object.entries(payload || {}).filter(([k]) => k !== "@type")
    .map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : v}`).join(" ").slice(0, 200);
}

export function eventsPage(setPage, query) {
  if (source) source.close();
  const subject = el("input", { id: "subject", type: "text", value: query.get("subject") || "",
                                placeholder: "mlledger.registry.>" });
  const entity = el("input", { id: "entity", type: "text", value: query.get("entity") || "",
                               placeholder: "model_version/<model id>/1" });
  const state = el("span", { id: "stream-state", class: "muted", role: "status" }, "connecting…");
  const body = el("tbody", {});
  const form = el("form", { class: "toolbar" }, el("label", { for: "subject" }, "Subject", subject),
    el("label", { for: "entity" }, "Entity", entity), el("button", { type: "submit" }, "Apply"), state);
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    location.hash = `#/events?subject=${encodeURIComponent(subject.value)}&entity=${encodeURIComponent(entity.value)}`;
  });
  setPage("Live events", form, el("div", { class: "scroll" }, el("table", { id: "events" }, el("thead", {}, el("tr", {},
    ...["Position", "Time", "Type", "Entity", "Actor", "Payload"].map((h) => el("th", { scope: "col" }, h)))), body)));
  const qs = new URLSearchParams({ subject: subject.value, entity: entity.value });
  source = new EventSource(`/ui-api/events?${qs}`);
  source.onopen = () => { state.textContent = "live"; };
  source.onerror = () => { state.textContent = "reconnecting…"; };
  source.addEventListener("caught_up", () => { state.textContent = "live"; });
  source.addEventListener("failure", (ev) => { state.textContent = JSON.parse(ev.data).message; });
  source.onmessage = (ev) => {
    const e = JSON.parse(ev.data);
    body.prepend(el("tr", { "data-position": e.position, "data-type": e.type }, el("td", { class: "num" }, e.position),
      el("td", {}, tsText(e.time)), el("td", {}, e.type), el("td", {}, e.entity), el("td", {}, e.actor),
      el("td", {}, summary(e.payload))));
    while (body.children.length > KEEP) body.lastChild.remove();
  };
  const mine = source;
  window.addEventListener("hashchange", () => { mine.close(); if (source === mine) source = null; }, { once: true });
}
