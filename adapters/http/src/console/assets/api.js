// Talking to the API with the admin's PASETO tokens: the same login, refresh and logout as any client.
// Tokens live in sessionStorage (gone with the tab) and travel only in the Authorization header or a
// JSON body, never in a URL. An expired access token is refreshed once, by one request at a time: the
// refresh token rotates, and presenting a spent one would end the session.

import { lang } from "./i18n.js";

const KEY = "console.tokens";

/** Failure of an API call, carrying the API's stable code, localized message and details. */
export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.code = body && body.code;
    this.details = (body && body.details) || {};
  }
}

let tokens = JSON.parse(sessionStorage.getItem(KEY) || "null");
let refreshing = null;
let onSignedOut = () => {};

function store(next) {
  tokens = next;
  if (next) sessionStorage.setItem(KEY, JSON.stringify(next));
  else sessionStorage.removeItem(KEY);
}

/** Whether tokens are held. */
export const signedIn = () => tokens !== null;

/** Called when the session is gone (refresh refused, logout). */
export function whenSignedOut(callback) {
  onSignedOut = callback;
}

async function send(method, path, body, auth) {
  const headers = { Accept: "application/json", "Accept-Language": lang.current };
  if (auth && tokens) headers.Authorization = `Bearer ${tokens.access_token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  return fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "omit",
    cache: "no-store",
  });
}

async function refresh() {
  if (!refreshing) {
    refreshing = (async () => {
      const resp = await send("POST", "/api/v1/auth/refresh", { refresh_token: tokens.refresh_token }, false);
      if (!resp.ok) return false;
      store(await resp.json());
      return true;
    })().finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

/** A raw authenticated response (refreshing once on an expired token); errors become `ApiError`. */
export async function request(method, path, body) {
  if (!tokens) throw new ApiError(401, null);
  let resp = await send(method, path, body, true);
  if (resp.status === 401) {
    const err = await resp.clone().json().catch(() => null);
    if (err && err.code === "auth.token_expired" && (await refresh())) {
      resp = await send(method, path, body, true);
    }
  }
  if (resp.status === 401) {
    const err = new ApiError(401, await resp.json().catch(() => null));
    store(null);
    onSignedOut(err);
    throw err;
  }
  if (!resp.ok) throw new ApiError(resp.status, await resp.json().catch(() => null));
  return resp;
}

/** An authenticated JSON call. */
export async function api(method, path, body) {
  const resp = await request(method, path, body);
  return resp.status === 204 ? null : resp.json();
}

/** A query string from an object, leaving out empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== "" && v !== null && v !== undefined) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : "";
}

/** Signs in; throws `ApiError` with the API's localized message when refused. */
export async function login(username, password) {
  const resp = await send("POST", "/api/v1/auth/login", { username, password }, false);
  const body = await resp.json().catch(() => null);
  if (!resp.ok) throw new ApiError(resp.status, body);
  store(body);
}

/** Ends the session on the server, then forgets the tokens. */
export async function logout() {
  if (tokens) await send("POST", "/api/v1/auth/logout", undefined, true).catch(() => null);
  store(null);
}
