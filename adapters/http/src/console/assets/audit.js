// The audit log: filters, a paged list whose before/after states show as a field-by-field diff, and the
// CSV export (fetched with the token in a header, then saved from a blob: the token stays out of URLs).

import { api, query, request } from "./api.js";
import { $, el, fmtTime, showNotice } from "./dom.js";
import { ACTIONS, has, t } from "./i18n.js";

const list = { page: 1, pages: 1 };

const show = (v) => (v === undefined ? "" : typeof v === "string" ? v : JSON.stringify(v));

/** Field-by-field comparison of two JSON states: rows of [field, before, after, kind]. */
export function diff(before, after) {
  const isObj = (v) => v && typeof v === "object" && !Array.isArray(v);
  if (!isObj(before) && !isObj(after)) {
    return show(before) === show(after) ? [] : [["", before, after, before === undefined ? "added" : after === undefined ? "removed" : "changed"]];
  }
  const b = isObj(before) ? before : {};
  const a = isObj(after) ? after : {};
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].sort();
  return keys.map((k) => {
    const kind = !(k in b) ? "added" : !(k in a) ? "removed" : show(b[k]) === show(a[k]) ? "same" : "changed";
    return [k, b[k], a[k], kind];
  });
}

function diffTable(entry) {
  const rows = diff(entry.before ?? undefined, entry.after ?? undefined);
  const changed = rows.filter((r) => r[3] !== "same");
  const shown = changed.length ? changed : rows;
  if (!shown.length) return el("span", { class: "muted" }, "—");
  return el("table", { class: "diff" },
    el("thead", {}, el("tr", {}, el("th", {}, t("field")), el("th", {}, t("before")), el("th", {}, t("after")))),
    el("tbody", {}, shown.map(([k, b, a, kind]) => el("tr", { class: kind, "data-field": k },
      el("td", {}, k), el("td", { class: "old" }, show(b)), el("td", { class: "new" }, show(a))))));
}

const actionName = (code) => {
  const key = `a_${code.replaceAll(".", "_")}`;
  return has(key) ? t(key) : code;
};

/** A user target links to that user's page; other targets are shown as they are. */
function targetCell(target) {
  const user = /^user:([0-9a-f-]{36})$/i.exec(target);
  return user ? el("a", { href: `#/users/${user[1]}` }, target) : target;
}

/** Table rows for audit entries (also used on a user's page). */
export function auditTable(items) {
  return items.map((e) => el("tr", { "data-action": e.action, "data-target": e.target },
    el("td", {}, fmtTime(e.at)),
    el("td", {}, e.actor_name || t("system")),
    el("td", {}, el("span", { class: "pill", title: e.action }, actionName(e.action))),
    el("td", { class: "mono" }, targetCell(e.target)),
    el("td", {}, diffTable(e))));
}

const isoOf = (id) => {
  const v = $(id).value;
  return v ? new Date(v).toISOString() : "";
};

function filters() {
  return {
    action: $("#audit-filter-action").value, target: $("#audit-filter-target").value.trim(),
    actor_id: $("#audit-filter-actor").value.trim(), from: isoOf("#audit-filter-from"), to: isoOf("#audit-filter-to"),
  };
}

/** Loads the page of entries the filters select. */
export async function showAudit(resetPage) {
  if (resetPage) list.page = 1;
  const found = await api("GET", `/api/v1/admin/audit${query({ ...filters(), page: list.page, size: 20 })}`);
  list.pages = Math.max(1, Math.ceil(found.total / found.size));
  $("#audit tbody").replaceChildren(...auditTable(found.items));
  $("#audit-page").textContent = t("page", { page: found.page, pages: list.pages, total: found.total });
  $("#audit-prev").disabled = list.page <= 1;
  $("#audit-next").disabled = list.page >= list.pages;
}

async function exportCsv() {
  const resp = await request("GET", `/api/v1/admin/audit/export${query(filters())}`);
  const blob = await resp.blob();
  const name = (resp.headers.get("content-disposition") || "").match(/filename="([^"]+)"/);
  const link = el("a", { href: URL.createObjectURL(blob), download: name ? name[1] : "audit.csv", hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  const total = Number(resp.headers.get("x-total-count") || 0);
  const truncated = resp.headers.get("x-truncated") === "true";
  showNotice(truncated ? t("export_truncated", { n: Math.min(total, 10000), total }) : t("exported", { n: total }));
}

/** Fills the action filter's options in the current language. */
export function translateActions() {
  const select = $("#audit-filter-action");
  const chosen = select.value;
  select.replaceChildren(el("option", { value: "" }, t("all")), ...ACTIONS.map((a) => el("option", { value: a }, `${actionName(a)} (${a})`)));
  select.value = chosen;
}

/** Wires the filters, pager and export once. */
export function bindAudit(reload) {
  translateActions();
  for (const id of ["#audit-filter-action", "#audit-filter-from", "#audit-filter-to"]) {
    $(id).addEventListener("change", () => reload(() => showAudit(true)));
  }
  for (const id of ["#audit-filter-target", "#audit-filter-actor"]) {
    let timer = null;
    $(id).addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => reload(() => showAudit(true)), 300); });
  }
  $("#audit-filters").addEventListener("submit", (e) => { e.preventDefault(); reload(() => showAudit(true)); });
  $("#audit-prev").addEventListener("click", () => { list.page -= 1; reload(() => showAudit(false)); });
  $("#audit-next").addEventListener("click", () => { list.page += 1; reload(() => showAudit(false)); });
  $("#audit-export").addEventListener("click", () => reload(exportCsv));
}
