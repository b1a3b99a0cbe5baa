// The console's own words in zh-CN (default) and en. Errors are not here: they come localized from the API.
// Language choice follows the API: `?lang=` first, then the operator's last choice, then the browser's.

const STRINGS = {
  "zh-CN": {
    title: "管理后台", nav_dashboard: "仪表盘", nav_users: "用户", nav_settings: "系统设置", nav_audit: "审计日志",
    nav_push: "推送", nav_cron: "定时任务 ↗", logout: "退出", login_title: "管理员登录", login_name: "用户名或邮箱",
    password: "密码", login: "登录", not_admin: "需要管理员权限。", signed_out: "登录已过期，请重新登录。",
    range: "时间范围", days_7: "最近 7 天", days_30: "最近 30 天", days_92: "最近 92 天",
    users_total: "用户总数", users_new_today: "今日新增", users_active_24h: "24 小时活跃", users_deleted: "已删除",
    online_users: "在线用户", online: "在线用户", connections: "在线连接", messages_today: "今日消息",
    chart_new_users: "每日新增用户", chart_active_users: "每日活跃用户", chart_messages: "每日消息数",
    chart_success_rate: "任务成功率", no_data: "暂无数据", runs_detail: "成功 {ok} / 失败 {failed}",
    by_role: "按角色", by_status: "按状态",
    create_user: "新建用户", search: "搜索", search_hint: "用户名或邮箱", role: "角色", status: "状态", deleted: "已删除",
    all: "全部", role_user: "普通用户", role_admin: "管理员", role_super_admin: "超级管理员", status_active: "正常",
    status_disabled: "已禁用", deleted_exclude: "不含已删除", deleted_only: "仅已删除", deleted_include: "包含已删除",
    sort: "排序", order: "顺序", desc: "降序", asc: "升序", page_size: "每页", username: "用户名", email: "邮箱",
    created_at: "注册时间", last_login: "最近登录", updated_at: "更新时间", deleted_at: "删除时间", locale: "语言",
    id: "ID", page: "第 {page} / {pages} 页，共 {total} 条", back: "← 返回列表", change_role: "修改角色", save: "保存",
    account: "账号", disable: "禁用", enable: "启用", delete: "删除", restore: "恢复", reset_password: "重置密码",
    new_password: "新密码", reset: "重置", reset_hint: "用户将在所有设备上退出登录。", recent_audit: "相关审计记录",
    create: "创建", never: "—", is_deleted: "已删除", yes: "是", no: "否",
    confirm: "确定", cancel: "取消",
    confirm_disable: "禁用用户 {name}？其所有会话会立即失效。", confirm_enable: "启用用户 {name}？",
    confirm_delete: "删除用户 {name}？账号会被隐藏并立即退出登录，之后可以恢复。", confirm_restore: "恢复用户 {name}？",
    confirm_role: "把 {name} 的角色改为「{role}」？", confirm_password: "重置 {name} 的密码？其所有会话会立即失效。",
    confirm_reset_setting: "把「{name}」恢复为默认值 {value}？", confirm_push_online: "向所有在线用户发送这条通知？",
    done_disable: "已禁用 {name}。", done_enable: "已启用 {name}。", done_delete: "已删除 {name}。",
    done_restore: "已恢复 {name}。", done_role: "已修改 {name} 的角色。", done_password: "已重置 {name} 的密码。",
    done_create: "已创建用户 {name}。", done_settings: "设置已保存。", done_reset_setting: "已恢复默认值。",
    settings_default: "默认值：{value}", settings_changed_by: "{who} 于 {at} 修改", reset_default: "恢复默认",
    nothing_changed: "没有修改。", on: "开启", off: "关闭",
    s_site_name: "站点名称", s_site_name_hint: "显示在页面标题与通知邮件中。",
    s_auth_registration_open: "开放注册", s_auth_registration_open_hint: "关闭后新用户无法自行注册。",
    s_i18n_default_locale: "默认语言", s_i18n_default_locale_hint: "新账号的语言，以及请求未指定语言时使用。",
    s_rate_limit_auth_per_minute: "登录接口限流（每 IP 每分钟）", s_rate_limit_auth_per_minute_hint: "注册、登录、刷新令牌等接口。",
    s_rate_limit_api_per_minute_ip: "API 限流（每 IP 每分钟）", s_rate_limit_api_per_minute_ip_hint: "除登录外的所有 API。",
    s_rate_limit_api_per_minute_user: "API 限流（每用户每分钟）", s_rate_limit_api_per_minute_user_hint: "已登录用户的请求。",
    s_rate_limit_login_failures: "登录失败锁定次数", s_rate_limit_login_failures_hint: "同一账号与 IP 在 15 分钟内允许的失败次数。",
    s_chat_group_member_limit: "群成员上限", s_chat_group_member_limit_hint: "一个群组最多的成员数。",
    s_users_purge_after_days: "已删除用户保留天数", s_users_purge_after_days_hint: "超过后由定时任务彻底清除。",
    v_required: "必填。", v_range: "应在 {min} 到 {max} 之间。", v_length: "长度应在 {min} 到 {max} 个字符之间。",
    v_integer: "请输入整数。", v_email: "请输入有效的邮箱地址。", v_pattern: "只能包含字母、数字、下划线或中日韩文字。",
    v_uuid: "请输入有效的 ID（UUID）。",
    action: "操作", target: "对象", actor_id: "操作者 ID", from: "开始于", to: "早于", time: "时间", actor: "操作者",
    changes: "变更", export_csv: "导出 CSV", exported: "已导出 {n} 条记录。", export_truncated: "已导出前 {n} 条（共 {total} 条）。",
    field: "字段", before: "之前", after: "之后", system: "系统",
    a_user_create: "创建用户", a_user_role: "修改角色", a_user_disable: "禁用用户", a_user_enable: "启用用户",
    a_user_delete: "删除用户", a_user_restore: "恢复用户", a_user_reset_password: "重置密码",
    a_setting_update: "修改设置", a_setting_reset: "恢复默认设置", a_chat_push: "发送通知",
    push_title: "发送系统通知", push_scope: "发送给", scope_user: "一个用户", scope_group: "一个群组",
    scope_online: "所有在线用户", push_target: "用户或群组 ID", push_text: "内容", send: "发送",
    pushed: "已送达 {n} 个连接。",
  },
  en: {
    title: "Admin console", nav_dashboard: "Dashboard", nav_users: "Users", nav_settings: "Settings", nav_audit: "Audit log",
    nav_push: "Push", nav_cron: "Scheduled tasks ↗", logout: "Sign out", login_title: "Administrator sign-in",
    login_name: "Username or e-mail", password: "Password", login: "Sign in", not_admin: "Administrator rights are required.",
    signed_out: "Your session ended; please sign in again.",
    range: "Range", days_7: "Last 7 days", days_30: "Last 30 days", days_92: "Last 92 days",
    users_total: "Users", users_new_today: "New today", users_active_24h: "Active (24 h)", users_deleted: "Deleted",
    online_users: "Online users", online: "Online users", connections: "Connections", messages_today: "Messages today",
    chart_new_users: "New users per day", chart_active_users: "Active users per day", chart_messages: "Messages per day",
    chart_success_rate: "Task success rate", no_data: "No data yet", runs_detail: "{ok} succeeded / {failed} failed",
    by_role: "By role", by_status: "By status",
    create_user: "New user", search: "Search", search_hint: "Username or e-mail", role: "Role", status: "Status",
    deleted: "Deleted", all: "All", role_user: "User", role_admin: "Admin", role_super_admin: "Super admin",
    status_active: "Active", status_disabled: "Disabled", deleted_exclude: "Not deleted", deleted_only: "Deleted only",
    deleted_include: "Deleted too", sort: "Sort", order: "Order", desc: "Descending", asc: "Ascending",
    page_size: "Per page", username: "Username", email: "E-mail", created_at: "Registered", last_login: "Last sign-in",
    updated_at: "Updated", deleted_at: "Deleted at", locale: "Language", id: "ID",
    page: "Page {page} of {pages}, {total} in all", back: "← Back to the list", change_role: "Change role", save: "Save",
    account: "Account", disable: "Disable", enable: "Enable", delete: "Delete", restore: "Restore",
    reset_password: "Reset password", new_password: "New password", reset: "Reset",
    reset_hint: "The user is signed out everywhere.", recent_audit: "Audit entries for this user", create: "Create",
    never: "—", is_deleted: "deleted", yes: "yes", no: "no", confirm: "Confirm", cancel: "Cancel",
    confirm_disable: "Disable {name}? Every session of theirs ends at once.", confirm_enable: "Enable {name}?",
    confirm_delete: "Delete {name}? The account is hidden and signed out; you can restore it later.",
    confirm_restore: "Restore {name}?", confirm_role: "Make {name} “{role}”?",
    confirm_password: "Reset the password of {name}? Every session of theirs ends at once.",
    confirm_reset_setting: "Reset “{name}” to its default, {value}?", confirm_push_online: "Send this notice to everyone online?",
    done_disable: "{name} is disabled.", done_enable: "{name} is enabled.", done_delete: "{name} is deleted.",
    done_restore: "{name} is restored.", done_role: "The role of {name} changed.", done_password: "The password of {name} was reset.",
    done_create: "User {name} created.", done_settings: "Settings saved.", done_reset_setting: "Reset to the default.",
    settings_default: "Default: {value}", settings_changed_by: "changed by {who} at {at}", reset_default: "Reset to default",
    nothing_changed: "Nothing changed.", on: "On", off: "Off",
    s_site_name: "Site name", s_site_name_hint: "Shown in page titles and notification e-mails.",
    s_auth_registration_open: "Registration open", s_auth_registration_open_hint: "When off, people cannot sign up themselves.",
    s_i18n_default_locale: "Default language", s_i18n_default_locale_hint: "For new accounts and requests that name no language.",
    s_rate_limit_auth_per_minute: "Sign-in rate limit (per IP per minute)", s_rate_limit_auth_per_minute_hint: "Register, sign in, refresh.",
    s_rate_limit_api_per_minute_ip: "API rate limit (per IP per minute)", s_rate_limit_api_per_minute_ip_hint: "Every other API route.",
    s_rate_limit_api_per_minute_user: "API rate limit (per user per minute)", s_rate_limit_api_per_minute_user_hint: "Requests of signed-in users.",
    s_rate_limit_login_failures: "Failed sign-ins before lockout", s_rate_limit_login_failures_hint: "Per account and IP within 15 minutes.",
    s_chat_group_member_limit: "Group member limit", s_chat_group_member_limit_hint: "Most members one group may have.",
    s_users_purge_after_days: "Days deleted users are kept", s_users_purge_after_days_hint: "Then the purge task removes them for good.",
    v_required: "Required.", v_range: "Must be from {min} to {max}.", v_length: "Must be {min} to {max} characters long.",
    v_integer: "Enter a whole number.", v_email: "Enter a valid e-mail address.",
    v_pattern: "Letters, digits, underscores or CJK characters only.", v_uuid: "Enter a valid id (UUID).",
    action: "Action", target: "Target", actor_id: "Actor id", from: "From", to: "Before", time: "Time", actor: "Actor",
    changes: "Changes", export_csv: "Export CSV", exported: "Exported {n} entries.",
    export_truncated: "Exported the first {n} of {total} entries.", field: "Field", before: "Before", after: "After",
    system: "system",
    a_user_create: "create user", a_user_role: "change role", a_user_disable: "disable user", a_user_enable: "enable user",
    a_user_delete: "delete user", a_user_restore: "restore user", a_user_reset_password: "reset password",
    a_setting_update: "change setting", a_setting_reset: "reset setting", a_chat_push: "system notice",
    push_title: "Send a system notice", push_scope: "Send to", scope_user: "One user", scope_group: "One group",
    scope_online: "Everyone online", push_target: "User or group id", push_text: "Text", send: "Send",
    pushed: "Delivered to {n} connections.",
  },
};

/** Every action code the audit log knows, for its filter. */
export const ACTIONS = [
  "user.create", "user.role", "user.disable", "user.enable", "user.delete", "user.restore", "user.reset_password",
  "setting.update", "setting.reset", "chat.push",
];

const pick = (tag) => {
  const t = (tag || "").toLowerCase();
  return t.startsWith("en") ? "en" : t.startsWith("zh") ? "zh-CN" : null;
};

const fromQuery = pick(new URLSearchParams(location.search).get("lang"));
// A language named in the address is remembered, like a click on the switch.
if (fromQuery) localStorage.setItem("console.lang", fromQuery);

/** The current language. */
export const lang = {
  current: fromQuery || pick(localStorage.getItem("console.lang")) || pick(navigator.language) || "zh-CN",
};

/** Switches the language and remembers the choice. */
export function setLang(next) {
  lang.current = next;
  localStorage.setItem("console.lang", next);
  document.documentElement.lang = next;
}

/** The string `key` in the current language with `{name}` placeholders filled. */
export function t(key, vars) {
  let s = STRINGS[lang.current][key] ?? STRINGS["zh-CN"][key] ?? key;
  for (const [k, v] of Object.entries(vars || {})) s = s.replaceAll(`{${k}}`, String(v));
  return s;
}

/** Whether a translation exists (settings without a name fall back to their key). */
export function has(key) {
  return key in STRINGS[lang.current];
}

/** Re-labels every element carrying `data-i18n` / `data-i18n-placeholder`. */
export function translatePage() {
  document.documentElement.lang = lang.current;
  document.title = `exchange ${t("title")}`;
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of document.querySelectorAll("[data-i18n-placeholder]")) node.placeholder = t(node.dataset.i18nPlaceholder);
  document.getElementById("lang-toggle").textContent = lang.current === "en" ? "中文" : "English";
}
