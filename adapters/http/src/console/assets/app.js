// The admin console: sign-in, hash routing between the views, language switch, the link to the cron page.
// Served by `exchange serve` at /admin with every asset embedded; it talks only to this server's API.

import { api, login, logout, signedIn, whenSignedOut } from "./api.js";
import { bindAudit, showAudit, translateActions } from "./audit.js";
import { showDashboard } from "./dashboard.js";
import { $, clearMessages, showError } from "./dom.js";
import { loadHints } from "./hints.js";
import { lang, setLang, t, translatePage } from "./i18n.js";
import { bindPush, showPush } from "./push.js";
import { bindSettings, showSettings } from "./settings.js";
import { bindUser, bindUsers, showUser, showUsers } from "./users.js";

let info = null;

/** Runs a step of the page, showing the API's localized error if it fails. */
async function reload(step) {
  clearMessages();
  document.body.classList.add("busy");
  try {
    await step();
  } catch (err) {
    if (err.status !== 401) showError(err);
  } finally {
    document.body.classList.remove("busy");
  }
}

function routeOf(hash) {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean);
  if (parts[0] === "users" && parts[1] === "new") return { view: "create", nav: "users" };
  if (parts[0] === "users" && parts[1]) return { view: "user", nav: "users", id: decodeURIComponent(parts[1]) };
  const view = ["dashboard", "users", "settings", "audit", "push"].includes(parts[0]) ? parts[0] : "dashboard";
  return { view, nav: view };
}

async function route() {
  if (!signedIn()) return showLogin();
  const r = routeOf(location.hash);
  for (const section of document.querySelectorAll(".view")) section.hidden = section.id !== `view-${r.view}`;
  for (const a of document.querySelectorAll("#nav a[data-view]")) a.classList.toggle("active", a.dataset.view === r.nav);
  document.body.dataset.view = r.view;
  document.body.dataset.ready = "";
  await reload(async () => {
    if (r.view === "dashboard") await showDashboard();
    else if (r.view === "users") await showUsers(false);
    else if (r.view === "user") await showUser(r.id);
    else if (r.view === "settings") await showSettings();
    else if (r.view === "audit") await showAudit(false);
    else if (r.view === "push") showPush();
  });
  document.body.dataset.ready = r.view;
}

function cronLink() {
  const link = $("#cron-link");
  let url = info && info.cron_page_url;
  if (!url && info && info.cron_port) url = `${location.protocol}//${location.hostname}:${info.cron_port}/`;
  link.hidden = !url;
  if (url) link.href = url;
}

async function enter() {
  info = await api("GET", "/api/v1/admin/console");
  $("#who").textContent = `${info.me.username} · ${t(`role_${info.me.role}`)}`;
  cronLink();
  $("#login-view").hidden = true;
  $("#app-view").hidden = false;
  $("#nav").hidden = false;
  $("#logout").hidden = false;
  await route();
}

function showLogin(message) {
  info = null;
  document.body.dataset.view = "login";
  $("#app-view").hidden = true;
  $("#nav").hidden = true;
  $("#logout").hidden = true;
  $("#who").textContent = "";
  $("#login-view").hidden = false;
  $("#login-error").textContent = message || "";
  $("#login-username").focus();
}

$("#login-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  $("#login-error").textContent = "";
  const username = $("#login-username").value.trim();
  const password = $("#login-password").value;
  try {
    await login(username, password);
    $("#login-password").value = "";
    await enter();
  } catch (err) {
    // A non-admin gets 403 from the console endpoint: end that session at once.
    if (err.status === 403) await logout();
    $("#login-error").textContent = err.status === 403 ? t("not_admin") : err.message;
    if (err.code) $("#login-error").dataset.code = err.code;
    if (!signedIn()) showLogin($("#login-error").textContent);
  }
});

$("#logout").addEventListener("click", async () => {
  await logout();
  location.hash = "";
  showLogin();
});

$("#lang-toggle").addEventListener("click", async () => {
  setLang(lang.current === "en" ? "zh-CN" : "en");
  translatePage();
  translateActions();
  if (signedIn() && info) {
    $("#who").textContent = `${info.me.username} · ${t(`role_${info.me.role}`)}`;
    await route();
  }
});

$("#range").addEventListener("change", () => reload(showDashboard));
whenSignedOut(() => showLogin(t("signed_out")));
window.addEventListener("hashchange", route);

bindUsers(reload);
bindUser(reload);
bindSettings(reload);
bindAudit(reload);
bindPush(reload);
translatePage();
loadHints();
if (signedIn()) {
  reload(async () => {
    try {
      await enter();
    } catch (err) {
      if (err.status !== 403) throw err;
      await logout();
      showLogin(t("not_admin"));
    }
  });
} else showLogin();
