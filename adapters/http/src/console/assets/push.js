// Push: a system notice to one user, one group, or everyone online (`POST /api/v1/admin/push`).

import { api } from "./api.js";
import { $, confirmThen, fieldError, showNotice } from "./dom.js";
import { t } from "./i18n.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function syncTarget() {
  const online = $("#push-scope").value === "online";
  $("#push-target-label").hidden = online;
  if (online) fieldError($("#push-target"), "");
}

/** Resets the form's dependent parts when the view opens. */
export function showPush() {
  syncTarget();
  $("#push-result").textContent = "";
}

async function send() {
  const scope = $("#push-scope").value;
  const target = $("#push-target");
  const text = $("#push-text");
  const targetProblem = scope === "online" ? "" : !target.value.trim() ? t("v_required") : UUID.test(target.value.trim()) ? "" : t("v_uuid");
  const textProblem = text.value.trim() ? "" : t("v_required");
  fieldError(target, targetProblem);
  fieldError(text, textProblem);
  if (targetProblem || textProblem) return;
  const body = { scope, text: text.value.trim() };
  if (scope !== "online") body.target_id = target.value.trim();
  const post = async () => {
    const reply = await api("POST", "/api/v1/admin/push", body);
    $("#push-result").textContent = t("pushed", { n: reply.delivered });
    $("#push-result").dataset.delivered = reply.delivered;
    showNotice(t("pushed", { n: reply.delivered }));
    text.value = "";
  };
  if (scope === "online") await confirmThen(t("confirm_push_online"), post);
  else await post();
}

/** Wires the form once. */
export function bindPush(reload) {
  $("#push-scope").addEventListener("change", syncTarget);
  $("#push-form").addEventListener("submit", (e) => {
    e.preventDefault();
    reload(send);
  });
}
