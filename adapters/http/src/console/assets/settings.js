// Settings: a form generated from the typed settings the API lists (bool, integer, text, locale, with their
// bounds), labelled by translated names. Checked here first with the same bounds, then by the API, whose
// localized message is shown under the field it names. Only changed values are sent, all or nothing.

import { api } from "./api.js";
import { $, el, fmtTime, confirmThen, fieldError, showNotice } from "./dom.js";
import { has, t } from "./i18n.js";

let loaded = [];
const names = new Map();

const slug = (key) => key.replaceAll(".", "_");
const label = (key) => (has(`s_${slug(key)}`) ? t(`s_${slug(key)}`) : key);
const hint = (key) => (has(`s_${slug(key)}_hint`) ? t(`s_${slug(key)}_hint`) : "");
const shown = (s, v) => (s.type === "bool" ? (v ? t("on") : t("off")) : String(v));

function input(s) {
  const common = { id: `setting-${slug(s.key)}`, name: s.key, "data-key": s.key, "data-type": s.type };
  switch (s.type) {
    case "bool":
      return el("input", { ...common, type: "checkbox", checked: Boolean(s.value) });
    case "integer":
      return el("input", { ...common, type: "number", step: 1, min: s.min, max: s.max, value: s.value, required: true, inputMode: "numeric" });
    case "locale":
      return el("select", { ...common }, (s.options || []).map((o) => el("option", { value: o, selected: o === s.value }, o)));
    default:
      return el("input", { ...common, type: "text", minLength: s.min, maxLength: s.max, value: s.value, required: true });
  }
}

function field(s) {
  const control = input(s);
  const meta = [t("settings_default", { value: shown(s, s.default) })];
  if (s.updated_at) {
    const who = s.updated_by ? names.get(s.updated_by) || s.updated_by : t("system");
    meta.push(t("settings_changed_by", { who, at: fmtTime(s.updated_at) }));
  }
  const changed = JSON.stringify(s.value) !== JSON.stringify(s.default);
  const reset = el("button", { type: "button", class: "link reset-setting", hidden: !changed, "data-key": s.key,
    onclick: () => resetSetting(s) }, t("reset_default"));
  return el("div", { class: `setting ${s.type}`, "data-key": s.key },
    el("label", { for: control.id }, el("span", { class: "name" }, label(s.key)), el("small", { class: "hint" }, hint(s.key))),
    el("div", { class: "control" }, control, el("small", { class: "field-error" })),
    el("small", { class: "meta" }, meta.join(" · "), " ", reset));
}

/** The value an input holds, or a localized problem with it (the same bounds the API applies). */
function read(s, control) {
  if (s.type === "bool") return { value: control.checked };
  if (s.type === "locale") return { value: control.value };
  if (s.type === "integer") {
    const raw = control.value.trim();
    if (!raw) return { problem: t("v_required") };
    if (!/^-?\d+$/.test(raw)) return { problem: t("v_integer") };
    const n = Number(raw);
    if (n < s.min || n > s.max) return { problem: t("v_range", { min: s.min, max: s.max }) };
    return { value: n };
  }
  const text = control.value.trim();
  const len = [...text].length;
  if (len < s.min || len > s.max) return { problem: len === 0 ? t("v_required") : t("v_length", { min: s.min, max: s.max }) };
  return { value: text };
}

/** Looks up the usernames of the admins who changed settings (ids the page has not seen yet). */
async function learnNames(settings) {
  const unknown = [...new Set(settings.map((s) => s.updated_by).filter((id) => id && !names.has(id)))];
  await Promise.all(unknown.map(async (id) => {
    const user = await api("GET", `/api/v1/admin/users/${encodeURIComponent(id)}`).catch(() => null);
    names.set(id, user ? user.username : id);
  }));
}

async function render(settings) {
  await learnNames(settings);
  loaded = settings;
  const form = $("#settings-form");
  form.replaceChildren(...settings.map(field),
    el("div", { class: "buttons" }, el("button", { type: "submit", class: "primary", id: "settings-save" }, t("save"))));
}

/** Loads the settings and builds the form. */
export async function showSettings() {
  await render(await api("GET", "/api/v1/admin/settings"));
}

async function save() {
  const form = $("#settings-form");
  const values = {};
  let ok = true;
  for (const s of loaded) {
    const control = form.querySelector(`[data-key="${CSS.escape(s.key)}"][name]`);
    const { value, problem } = read(s, control);
    fieldError(control, problem);
    if (problem) ok = false;
    else if (JSON.stringify(value) !== JSON.stringify(s.value)) values[s.key] = value;
  }
  if (!ok) return;
  if (Object.keys(values).length === 0) {
    showNotice(t("nothing_changed"));
    return;
  }
  try {
    await render(await api("PATCH", "/api/v1/admin/settings", { values }));
    showNotice(t("done_settings"));
  } catch (err) {
    const key = ((err.details && err.details.field) || "").replace(/^settings\./, "");
    const control = key && form.querySelector(`[data-key="${CSS.escape(key)}"][name]`);
    if (control) fieldError(control, err.message);
    throw err;
  }
}

async function resetSetting(s) {
  const done = await confirmThen(t("confirm_reset_setting", { name: label(s.key), value: shown(s, s.default) }), async () => {
    await render(await api("DELETE", `/api/v1/admin/settings/${encodeURIComponent(s.key)}`));
  });
  if (done) showNotice(t("done_reset_setting"));
}

/** Wires the form once. */
export function bindSettings(reload) {
  $("#settings-form").addEventListener("submit", (e) => {
    e.preventDefault();
    reload(save);
  });
}
