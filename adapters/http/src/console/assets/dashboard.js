// The dashboard: the statistics endpoint as number cards, and the daily series as charts over a range.

import { api, query } from "./api.js";
import { chart } from "./charts.js";
import { $, el, fmtNum } from "./dom.js";
import { has, t } from "./i18n.js";

function card(key, value, extra) {
  return el("div", { class: "stat", "data-stat": key }, el("span", { class: "label" }, has(key) ? t(key) : key),
    el("strong", {}, fmtNum(value)), extra ? el("small", {}, extra) : null);
}

function breakdown(entries, prefix) {
  return Object.entries(entries || {}).map(([k, n]) => `${t(`${prefix}_${k}`)} ${fmtNum(n)}`).join(" · ");
}

/** Cards for the user numbers plus every numeric figure of the other sections (chat, online...). */
function renderCards(stats) {
  const u = stats.users || {};
  const cards = [
    card("users_total", u.total, breakdown(u.by_role, "role")),
    card("users_new_today", u.new_today),
    card("users_active_24h", u.active_24h),
    card("users_deleted", u.deleted, breakdown(u.by_status, "status")),
  ];
  for (const [section, figures] of Object.entries(stats)) {
    if (section === "users" || !figures || typeof figures !== "object") continue;
    const first = ["online_users", "connections", "messages_today"];
    const keys = Object.keys(figures).sort((a, b) => (first.indexOf(a) + 1 || 99) - (first.indexOf(b) + 1 || 99));
    for (const k of keys) if (typeof figures[k] === "number") cards.push(card(k, figures[k]));
  }
  if (typeof stats.online_users === "number") cards.push(card("online_users", stats.online_users));
  $("#cards").replaceChildren(...cards);
}

function renderCharts(series) {
  const pts = series.points || [];
  const of = (f) => pts.map((p) => ({ label: p.day, value: f(p), raw: p }));
  const charts = [
    chart({ id: "chart-new-users", title: t("chart_new_users"), kind: "bar", points: of((p) => p.users_new) }),
    chart({ id: "chart-active-users", title: t("chart_active_users"), kind: "line", points: of((p) => p.users_active) }),
  ];
  if (pts.some((p) => typeof p.messages === "number")) {
    charts.push(chart({ id: "chart-messages", title: t("chart_messages"), kind: "bar", points: of((p) => p.messages ?? null) }));
  }
  if (pts.some((p) => typeof p.runs_succeeded === "number")) {
    const rate = (p) => {
      const done = (p.runs_succeeded || 0) + (p.runs_failed || 0);
      return done === 0 ? null : Math.round((1000 * p.runs_succeeded) / done) / 10;
    };
    charts.push(chart({
      id: "chart-success-rate", title: t("chart_success_rate"), kind: "line", points: of(rate), fixedMax: 100,
      format: (v) => `${Math.round(v)}%`,
      detail: (p) => t("runs_detail", { ok: p.raw.runs_succeeded, failed: p.raw.runs_failed }),
    }));
  }
  $("#charts").replaceChildren(...charts);
}

/** Loads and draws the dashboard for the selected range. */
export async function showDashboard() {
  const days = $("#range").value;
  const [stats, series] = await Promise.all([
    api("GET", "/api/v1/admin/stats"),
    api("GET", `/api/v1/admin/stats/daily${query({ days })}`),
  ]);
  renderCards(stats);
  renderCharts(series);
}
