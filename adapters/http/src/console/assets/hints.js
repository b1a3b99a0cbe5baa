// Form hints from the API's own document (/openapi.json): the bounds and patterns the server enforces,
// stated once on its domain types, so the console restates no rule. Lengths count code points, as the
// server and JSON Schema do (the browser's own minlength and maxlength count UTF-16 units).

import { t } from "./i18n.js";

let schemas = {};

/** Reads the document once; without it the page still works and the API's own refusal is shown. */
export async function loadHints() {
  try {
    const resp = await fetch("/openapi.json");
    if (resp.ok) schemas = (await resp.json()).components?.schemas || {};
  } catch (_) {
    schemas = {};
  }
}

/** The schema of `Schema.field`, e.g. `CreateUserRequest.username`. */
function schemaOf(ref) {
  const [name, field] = (ref || "").split(".");
  return schemas[name]?.properties?.[field] || {};
}

/** What an input with `data-schema="Schema.field"` breaks, in the page's language; "" when nothing. */
export function problem(input) {
  const s = schemaOf(input.dataset.schema);
  const length = [...input.value].length;
  if (!length) return input.required ? t("v_required") : "";
  if ((s.minLength && length < s.minLength) || (s.maxLength && length > s.maxLength)) {
    return t("v_length", { min: s.minLength || 1, max: s.maxLength });
  }
  if (input.type === "email" && input.validity.typeMismatch) return t("v_email");
  if (s.pattern) {
    try {
      if (!new RegExp(s.pattern, "u").test(input.value)) return t("v_pattern");
    } catch (_) {
      return "";
    }
  }
  return "";
}
