// The cron page: admin login (same tokens as the API), tasks, run history with filters, instances.
// No framework and no network but this server, so it works offline. Strings in zh-CN (default) and en.
"use strict";

const I18N = {
  "zh-CN": {
    title: "定时任务", logout: "退出", login_title: "管理员登录", username: "用户名或邮箱", password: "密码", login: "登录",
    tasks: "任务", name: "名称", schedule: "计划", next_run: "下次运行", last_status: "最近状态",
    success_rate: "成功率（7 天）", durations: "平均 / P95 耗时", state: "状态", actions: "操作", history: "运行历史",
    task: "任务", status: "状态", trigger: "触发", from: "开始于", to: "早于", all: "全部", fire_time: "触发时间",
    attempt: "次数", duration: "耗时", instance: "实例", error: "错误 / 原因", instances: "实例", host: "主机",
    version: "版本", started: "启动于", last_seen: "最后心跳", runs_started: "已运行", liveness: "存活",
    run_now: "立即运行", pause: "暂停", resume: "恢复", show_runs: "历史", paused: "已暂停", active: "运行中",
    alive: "存活", dead: "已失联", stopped: "已停止", never: "—", page: "第 {page} 页，共 {total} 条",
    not_admin: "需要管理员权限。", run_started: "已开始运行 {task}。", paused_by: "由 {who} 暂停",
    s_running: "运行中", s_succeeded: "成功", s_failed: "失败", s_timed_out: "超时", s_skipped: "跳过", s_cancelled: "已取消",
    t_schedule: "计划", t_manual: "手动", t_retry: "重试",
    every_seconds: "每 {n} 秒", every_second: "每秒", every_minutes: "每 {n} 分钟", every_minute: "每分钟",
    hourly_at: "每小时第 {m} 分", daily_at: "每天 {hm} (UTC)", custom: "自定义",
  },
  en: {
    title: "Scheduled tasks", logout: "Sign out", login_title: "Administrator sign-in", username: "Username or e-mail",
    password: "Password", login: "Sign in", tasks: "Tasks", name: "Name", schedule: "Schedule", next_run: "Next run",
    last_status: "Last status", success_rate: "Success rate (7 d)", durations: "Avg / p95 duration", state: "State",
    actions: "Actions", history: "Run history", task: "Task", status: "Status", trigger: "Trigger", from: "From",
    to: "Before", all: "All", fire_time: "Fire time", attempt: "Attempt", duration: "Duration", instance: "Instance",
    error: "Error / reason", instances: "Instances", host: "Host", version: "Version", started: "Started",
    last_seen: "Last heartbeat", runs_started: "Runs", liveness: "Liveness", run_now: "Run now", pause: "Pause",
    resume: "Resume", show_runs: "History", paused: "Paused", active: "Active", alive: "alive", dead: "dead",
    stopped: "stopped", never: "—", page: "Page {page}, {total} in all", not_admin: "Administrator rights are required.",
    run_started: "Started {task}.", paused_by: "paused by {who}",
    s_running: "running", s_succeeded: "succeeded", s_failed: "failed", s_timed_out: "timed out", s_skipped: "skipped",
    s_cancelled: "cancelled", t_schedule: "schedule", t_manual: "manual", t_retry: "retry",
    every_seconds: "every {n} seconds", every_second: "every second", every_minutes: "every {n} minutes",
    every_minute: "every minute", hourly_at: "hourly at minute {m}", daily_at: "daily at {hm} UTC", custom: "custom",
  },
};
const STATUSES = ["running", "succeeded", "failed", "timed_out", "skipped", "cancelled"];
const TRIGGERS = ["schedule", "manual", "retry"];

// Language: `?lang=` (as on the API), then the last choice, then the browser's, zh-CN by default.
const queryLang = new URLSearchParams(location.search).get("lang");
const pickLang = (tag) => (tag && tag.toLowerCase().startsWith("en") ? "en" : tag && tag.toLowerCase().startsWith("zh") ? "zh-CN" : null);
const state = {
  lang: pickLang(queryLang) || localStorage.getItem("cron.lang") || pickLang(navigator.language) || "zh-CN",
  token: sessionStorage.getItem("cron.token"),
  page: 1, size: 20, total: 0, timer: null,
};

const $ = (sel) => document.querySelector(sel);
const t = (key, vars) => {
  let s = (I18N[state.lang] && I18N[state.lang][key]) || I18N["zh-CN"][key] || key;
  for (const [k, v] of Object.entries(vars || {})) s = s.replace(`{${k}}`, v);
  return s;
};
const el = (tag, attrs, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v; else if (k.startsWith("data-")) node.setAttribute(k, v); else node[k] = v;
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c));
  return node;
};
const fmtTime = (iso) => (iso ? new Date(iso).toLocaleString(state.lang) : t("never"));
const fmtMs = (ms) => (ms === null || ms === undefined ? "—" : ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`);

// Schedule in words for the shapes the task API's helpers produce; anything else is shown as "custom".
function describe(expr) {
  const f = expr.split(" ");
  if (f.length < 6) return t("custom");
  const [s, m, h, dom, mon, dow] = f;
  const rest = dom === "*" && mon === "*" && dow === "*" && (f.length === 6 || f[6] === "*");
  if (!rest) return t("custom");
  const step = (x) => (x === "*" ? 1 : /^\*\/\d+$/.test(x) ? Number(x.slice(2)) : null);
  if (m === "*" && h === "*" && step(s)) return step(s) === 1 ? t("every_second") : t("every_seconds", { n: step(s) });
  if (s === "0" && h === "*" && step(m) && m !== "*") return step(m) === 1 ? t("every_minute") : t("every_minutes", { n: step(m) });
  if (s === "0" && m === "*" && h === "*") return t("every_minute");
  if (s === "0" && /^\d+$/.test(m) && h === "*") return t("hourly_at", { m });
  if (s === "0" && /^\d+$/.test(m) && /^\d+$/.test(h)) return t("daily_at", { hm: `${h.padStart(2, "0")}:${m.padStart(2, "0")}` });
  return t("custom");
}

function banner(text) {
  const b = $("#banner");
  b.textContent = text || "";
  b.hidden = !text;
}

async function api(method, path, body) {
  const headers = { "Accept-Language": state.lang, Accept: "application/json" };
  if (state.token) headers.Authorization = `Bearer ${state.token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const resp = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const data = await resp.json().catch(() => null);
  if (resp.status === 401 && path !== "/api/v1/auth/login") {
    signOut();
    throw new Error((data && data.message) || "401");
  }
  if (!resp.ok) {
    const err = new Error((data && data.message) || `HTTP ${resp.status}`);
    err.code = data && data.code;
    throw err;
  }
  return data;
}

function statusCell(status) {
  return el("span", { class: `status status-${status}`, "data-status": status }, t(`s_${status}`));
}

function renderTasks(tasks) {
  const body = $("#tasks tbody");
  body.replaceChildren();
  for (const task of tasks) {
    const rate = task.stats.success_rate === null || task.stats.success_rate === undefined
      ? "—" : `${(task.stats.success_rate * 100).toFixed(1)}% (${task.stats.succeeded}/${task.stats.succeeded + task.stats.failed + task.stats.timed_out + task.stats.cancelled})`;
    const runNow = el("button", { class: "run-now", type: "button", onclick: () => act(task.name, "run") }, t("run_now"));
    const toggle = task.paused
      ? el("button", { class: "resume", type: "button", onclick: () => act(task.name, "resume") }, t("resume"))
      : el("button", { class: "pause", type: "button", onclick: () => act(task.name, "pause") }, t("pause"));
    const history = el("button", { class: "history", type: "button", onclick: () => { $("#filter-task").value = task.name; state.page = 1; refreshRuns(); } }, t("show_runs"));
    const stateCell = task.paused
      ? el("span", { class: "paused", title: t("paused_by", { who: task.paused_by || "?" }) }, t("paused"))
      : el("span", { class: "muted" }, t("active"));
    body.append(el("tr", { "data-task": task.name },
      el("td", {}, el("strong", {}, task.name), el("div", { class: "muted" }, task.description)),
      el("td", {}, describe(task.schedule), el("div", {}, el("code", {}, task.schedule))),
      el("td", {}, fmtTime(task.next_fire)),
      el("td", {}, task.last_run ? statusCell(task.last_run.status) : t("never"), task.last_run ? el("div", { class: "muted" }, fmtTime(task.last_run.fire_time)) : null),
      el("td", {}, rate),
      el("td", {}, `${fmtMs(task.stats.avg_duration_ms)} / ${fmtMs(task.stats.p95_duration_ms)}`),
      el("td", {}, stateCell),
      el("td", {}, el("div", { class: "actions" }, runNow, toggle, history)),
    ));
  }
  const select = $("#filter-task");
  const chosen = select.value;
  select.replaceChildren(el("option", { value: "" }, t("all")), ...tasks.map((x) => el("option", { value: x.name }, x.name)));
  select.value = chosen;
}

function renderRuns(page) {
  const body = $("#runs tbody");
  body.replaceChildren();
  for (const r of page.items) {
    body.append(el("tr", { "data-run-id": r.id, "data-trigger": r.trigger, "data-task": r.task },
      el("td", {}, r.task),
      el("td", {}, fmtTime(r.fire_time)),
      el("td", {}, t(`t_${r.trigger}`)),
      el("td", {}, r.attempt),
      el("td", {}, statusCell(r.status)),
      el("td", {}, fmtMs(r.duration_ms)),
      el("td", { class: "muted" }, r.instance),
      el("td", { class: "err" }, r.error || ""),
    ));
  }
  state.total = page.total;
  $("#page-info").textContent = t("page", { page: page.page, total: page.total });
  $("#prev").disabled = page.page <= 1;
  $("#next").disabled = page.page * page.size >= page.total;
}

function renderInstances(list) {
  const body = $("#instances tbody");
  body.replaceChildren();
  for (const i of list) {
    const live = i.alive ? el("span", { class: "alive" }, t("alive")) : el("span", { class: "dead" }, i.left_at ? t("stopped") : t("dead"));
    body.append(el("tr", { "data-instance": i.id },
      el("td", {}, i.id), el("td", {}, i.host), el("td", {}, i.pid), el("td", {}, i.version),
      el("td", {}, fmtTime(i.started_at)), el("td", {}, fmtTime(i.last_seen)), el("td", {}, i.tasks_run), el("td", {}, live)));
  }
}

function runsQuery() {
  const q = new URLSearchParams({ page: state.page, size: state.size });
  for (const [key, id] of [["task", "#filter-task"], ["status", "#filter-status"], ["trigger", "#filter-trigger"]]) {
    if ($(id).value) q.set(key, $(id).value);
  }
  for (const [key, id] of [["from", "#filter-from"], ["to", "#filter-to"]]) {
    if ($(id).value) q.set(key, new Date($(id).value).toISOString());
  }
  return q;
}

async function refreshRuns() {
  renderRuns(await api("GET", `/api/v1/cron/runs?${runsQuery()}`));
}

async function refresh() {
  try {
    const [tasks, instances] = await Promise.all([api("GET", "/api/v1/cron/tasks"), api("GET", "/api/v1/cron/instances")]);
    renderTasks(tasks);
    renderInstances(instances);
    await refreshRuns();
    banner("");
  } catch (e) {
    if (state.token) banner(e.message);
  }
}

async function act(name, action) {
  try {
    await api("POST", `/api/v1/cron/tasks/${encodeURIComponent(name)}/${action}`);
    if (action === "run") banner(""), setTimeout(refresh, 300);
    await refresh();
  } catch (e) {
    banner(e.message);
  }
}

function applyLanguage() {
  document.documentElement.lang = state.lang;
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  $("#lang-toggle").textContent = state.lang === "en" ? "中文" : "English";
  const fill = (id, values, prefix) => {
    const select = $(id);
    const chosen = select.value;
    select.replaceChildren(el("option", { value: "" }, t("all")), ...values.map((v) => el("option", { value: v }, t(prefix + v))));
    select.value = chosen;
  };
  fill("#filter-status", STATUSES, "s_");
  fill("#filter-trigger", TRIGGERS, "t_");
}

function show(view) {
  $("#login-view").hidden = view !== "login";
  $("#app-view").hidden = view !== "app";
  $("#logout").hidden = view !== "app";
}

function signOut() {
  state.token = null;
  sessionStorage.removeItem("cron.token");
  clearInterval(state.timer);
  show("login");
}

async function start() {
  show("app");
  await refresh();
  clearInterval(state.timer);
  state.timer = setInterval(refresh, 3000);
}

$("#login-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  $("#login-error").textContent = "";
  try {
    const tokens = await api("POST", "/api/v1/auth/login", { username: $("#login-username").value, password: $("#login-password").value });
    state.token = tokens.access_token;
    sessionStorage.setItem("cron.token", state.token);
    try {
      await api("GET", "/api/v1/cron/instances");
    } catch (e) {
      $("#login-error").textContent = e.code === "auth.forbidden" ? t("not_admin") : e.message;
      state.token = null;
      sessionStorage.removeItem("cron.token");
      return;
    }
    await start();
  } catch (e) {
    $("#login-error").textContent = e.message;
  }
});
$("#logout").addEventListener("click", async () => {
  try { await api("POST", "/api/v1/auth/logout"); } catch (_) { /* signing out anyway */ }
  signOut();
});
$("#lang-toggle").addEventListener("click", () => {
  state.lang = state.lang === "en" ? "zh-CN" : "en";
  localStorage.setItem("cron.lang", state.lang);
  applyLanguage();
  if (state.token) refresh();
});
$("#filters").addEventListener("change", () => { state.page = 1; refreshRuns().catch((e) => banner(e.message)); });
$("#prev").addEventListener("click", () => { state.page = Math.max(1, state.page - 1); refreshRuns(); });
$("#next").addEventListener("click", () => { state.page += 1; refreshRuns(); });

applyLanguage();
if (state.token) start(); else show("login");
