// Users: the searchable, filterable, sortable, paged table; one user's detail with every admin action
// (role, disable/enable, delete/restore, password reset), each confirmed first; creating an account.

import { api, query } from "./api.js";
import { auditTable } from "./audit.js";
import { $, el, fmtTime, confirmThen, fieldError, showNotice } from "./dom.js";
import { problem } from "./hints.js";
import { t } from "./i18n.js";

const list = { page: 1, pages: 1 };

function userRow(u) {
  const status = u.deleted_at ? "deleted" : u.status;
  return el("tr", { "data-id": u.id, "data-username": u.username, "data-status": status, tabIndex: 0,
    onclick: () => { location.hash = `#/users/${u.id}`; },
    onkeydown: (e) => { if (e.key === "Enter") location.hash = `#/users/${u.id}`; } },
  el("td", {}, el("a", { href: `#/users/${u.id}` }, u.username)),
  el("td", {}, u.email),
  el("td", {}, t(`role_${u.role}`)),
  el("td", {}, el("span", { class: `pill ${status}` }, u.deleted_at ? t("is_deleted") : t(`status_${u.status}`))),
  el("td", {}, fmtTime(u.created_at)),
  el("td", {}, fmtTime(u.last_login_at)));
}

/** Loads the page of users the filters select. */
export async function showUsers(resetPage) {
  if (resetPage) list.page = 1;
  const size = Number($("#user-size").value);
  const params = {
    page: list.page, size, search: $("#user-search").value.trim(), role: $("#user-filter-role").value,
    status: $("#user-filter-status").value, deleted: $("#user-filter-deleted").value, sort: $("#user-sort").value,
    order: $("#user-order").value,
  };
  const found = await api("GET", `/api/v1/admin/users${query(params)}`);
  list.pages = Math.max(1, Math.ceil(found.total / found.size));
  $("#users tbody").replaceChildren(...found.items.map(userRow));
  $("#users-page").textContent = t("page", { page: found.page, pages: list.pages, total: found.total });
  $("#users-prev").disabled = list.page <= 1;
  $("#users-next").disabled = list.page >= list.pages;
}

/** Wires the filters and the pager once. */
export function bindUsers(reload) {
  let timer = null;
  $("#user-search").addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => reload(() => showUsers(true)), 250);
  });
  $("#user-filters").addEventListener("submit", (e) => { e.preventDefault(); reload(() => showUsers(true)); });
  for (const id of ["#user-filter-role", "#user-filter-status", "#user-filter-deleted", "#user-sort", "#user-order", "#user-size"]) {
    $(id).addEventListener("change", () => reload(() => showUsers(true)));
  }
  $("#users-prev").addEventListener("click", () => { list.page -= 1; reload(() => showUsers(false)); });
  $("#users-next").addEventListener("click", () => { list.page += 1; reload(() => showUsers(false)); });
  $("#user-new").addEventListener("click", () => { location.hash = "#/users/new"; });
  bindCreate(reload);
}

let current = null;

function detailRows(u) {
  const rows = [
    ["id", u.id], ["username", u.username], ["email", u.email], ["role", t(`role_${u.role}`)],
    ["status", t(`status_${u.status}`)], ["locale", u.locale], ["created_at", fmtTime(u.created_at)],
    ["last_login", fmtTime(u.last_login_at)], ["deleted_at", u.deleted_at ? fmtTime(u.deleted_at) : t("no")],
  ];
  return rows.flatMap(([k, v]) => [el("dt", {}, t(k)), el("dd", { "data-field": k }, v ?? t("never"))]);
}

function renderUser(u) {
  current = u;
  $("#user-title").textContent = u.username;
  $("#user-detail").replaceChildren(...detailRows(u));
  $("#detail-role").value = u.role;
  const deleted = Boolean(u.deleted_at);
  $(".act-disable").hidden = deleted || u.status === "disabled";
  $(".act-enable").hidden = deleted || u.status !== "disabled";
  $(".act-delete").hidden = deleted;
  $(".act-restore").hidden = !deleted;
  $("#view-user").dataset.status = deleted ? "deleted" : u.status;
}

/** Loads one user and the audit entries about them. */
export async function showUser(id) {
  const [user, audit] = await Promise.all([
    api("GET", `/api/v1/admin/users/${encodeURIComponent(id)}`),
    api("GET", `/api/v1/admin/audit${query({ target: `user:${id}`, size: 10 })}`),
  ]);
  renderUser(user);
  $("#user-audit tbody").replaceChildren(...auditTable(audit.items));
}

async function act(kind, method, suffix, body) {
  const u = current;
  const ok = await confirmThen(t(`confirm_${kind}`, { name: u.username, role: body && body.role ? t(`role_${body.role}`) : "" }), async () => {
    const path = `/api/v1/admin/users/${u.id}${suffix}`;
    renderUser(await api(method, path, body));
  });
  if (ok) {
    showNotice(t(`done_${kind}`, { name: u.username }));
    await showUser(u.id);
  }
  return ok;
}

/** Wires the detail page's actions once. */
export function bindUser(reload) {
  $(".act-disable").addEventListener("click", () => reload(() => act("disable", "PUT", "/status", { status: "disabled" })));
  $(".act-enable").addEventListener("click", () => reload(() => act("enable", "PUT", "/status", { status: "active" })));
  $(".act-delete").addEventListener("click", () => reload(() => act("delete", "DELETE", "")));
  $(".act-restore").addEventListener("click", () => reload(() => act("restore", "POST", "/restore")));
  $("#role-form").addEventListener("submit", (e) => {
    e.preventDefault();
    reload(() => act("role", "PUT", "/role", { role: $("#detail-role").value }));
  });
  $("#password-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const input = $("#detail-password");
    const refused = problem(input);
    if (refused) {
      input.setCustomValidity(refused);
      input.reportValidity();
      input.setCustomValidity("");
      return;
    }
    reload(async () => {
      if (await act("password", "PUT", "/password", { password: input.value })) input.value = "";
    });
  });
}

/** Client-side checks from the API's document; the API checks again and its message wins. */
function checkCreate(form) {
  let ok = true;
  for (const input of form.querySelectorAll("input")) {
    const msg = problem(input);
    fieldError(input, msg);
    ok = ok && !msg;
  }
  return ok;
}

function bindCreate(reload) {
  const form = $("#create-form");
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (!checkCreate(form)) return;
    reload(async () => {
      const body = Object.fromEntries(new FormData(form).entries());
      try {
        const user = await api("POST", "/api/v1/admin/users", body);
        form.reset();
        showNotice(t("done_create", { name: user.username }));
        location.hash = `#/users/${user.id}`;
      } catch (err) {
        const field = err.details && err.details.field;
        const input = field && form.querySelector(`[name="${CSS.escape(field)}"]`);
        if (input) fieldError(input, err.message);
        throw err;
      }
    });
  });
}
