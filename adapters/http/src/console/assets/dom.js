// Small DOM helpers: element building (text only, never HTML strings), banners, the confirmation dialog.

import { lang, t } from "./i18n.js";

/** `document.querySelector`. */
export const $ = (sel, root) => (root || document).querySelector(sel);

/** Builds an element; children are nodes or text (never parsed as HTML). */
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k.startsWith("data-") || k.startsWith("aria-") || k === "role" || k === "for") node.setAttribute(k, v);
    else node[k] = v;
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) node.append(c instanceof Node ? c : String(c));
  return node;
}

/** An SVG element with attributes. */
export function svg(tag, attrs, ...children) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

/** A date-time in the reader's language, or a dash. */
export const fmtTime = (iso) => (iso ? new Date(iso).toLocaleString(lang.current) : t("never"));

/** A number with thousands separators. */
export const fmtNum = (n) => (n === null || n === undefined ? "—" : Number(n).toLocaleString(lang.current));

let noticeTimer = null;

/** Shows an error (the API's localized message) until the next view or action. */
export function showError(err) {
  const b = $("#banner");
  const text = err ? (err.message || String(err)) : "";
  b.textContent = text;
  b.hidden = !text;
  if (err && err.code) b.dataset.code = err.code;
  else delete b.dataset.code;
}

/** Shows a success message for a few seconds. */
export function showNotice(text) {
  const n = $("#notice");
  n.textContent = text;
  n.hidden = !text;
  clearTimeout(noticeTimer);
  if (text) noticeTimer = setTimeout(() => { n.hidden = true; }, 6000);
}

/** Clears both banners. */
export function clearMessages() {
  showError(null);
  showNotice("");
}

/**
 * Asks before a destructive action. `run` is called on "confirm"; if it throws, the API's localized error
 * is shown in the dialog (and the banner) and the dialog stays open. Resolves true once `run` succeeded.
 */
export function confirmThen(text, run) {
  const dialog = $("#confirm-dialog");
  const ok = $("#confirm-ok");
  const cancel = $("#confirm-cancel");
  const error = $("#confirm-error");
  $("#confirm-text").textContent = text;
  error.textContent = "";
  delete error.dataset.code;
  return new Promise((resolve) => {
    const close = (result) => {
      ok.onclick = null;
      cancel.onclick = null;
      dialog.close();
      resolve(result);
    };
    cancel.onclick = (e) => { e.preventDefault(); close(false); };
    ok.onclick = async (e) => {
      e.preventDefault();
      ok.disabled = true;
      try {
        await run();
        close(true);
      } catch (err) {
        error.textContent = err.message || String(err);
        if (err.code) error.dataset.code = err.code;
        showError(err);
      } finally {
        ok.disabled = false;
      }
    };
    dialog.onclose = () => resolve(false);
    dialog.showModal();
  });
}

/** Puts a message under a form field (or clears it) and marks the field invalid. */
export function fieldError(input, message) {
  const slot = input.parentElement.querySelector(".field-error");
  if (slot) slot.textContent = message || "";
  input.setAttribute("aria-invalid", message ? "true" : "false");
}
