// Turning the host's launch token into an access token, once, and keeping it for this tab
// so that reloading the panel keeps the person in their call.
import {Api, ApiError} from "./api.js";
import {t} from "./i18n.js";

const PREFIX = "paygate.session.";
const URL_PARAM = "session";

function slot(launchToken) {
  // Long enough to tell launch tokens apart; the access token is stored beside it anyway.
  return launchToken.slice(-24).replace(/[^A-Za-z0-9_-]/g, "");
}

function load(key) {
  try {
    const stored = JSON.parse(sessionStorage.getItem(PREFIX + key) || "null");
    if (stored && new Date(stored.expires_at) > new Date()) return stored;
  } catch (err) { /* unreadable storage: sign in again */ }
  return null;
}

function save(key, session) {
  try { sessionStorage.setItem(PREFIX + key, JSON.stringify(session)); } catch (err) { /* */ }
}

/**
 * A value this tab kept for the session (a draft, the open screen), else `fallback`.
 * @template T
 * @param {{key: string}} session
 * @param {string} name
 * @param {T} fallback
 * @returns {T}
 */
export function sessionValue(session, name, fallback) {
  try {
    const raw = sessionStorage.getItem(`${PREFIX}${session.key}.${name}`);
    return raw === null ? fallback : JSON.parse(raw);
  } catch (err) { return fallback; }
}

/**
 * Keep `value` (JSON) for the session in this tab.
 * @param {{key: string}} session
 * @param {string} name
 * @param {unknown} value
 */
export function setSessionValue(session, name, value) {
  try {
    sessionStorage.setItem(`${PREFIX}${session.key}.${name}`, JSON.stringify(value));
  } catch (err) { /* storage full or blocked: the value lives until the page goes */ }
}

/**
 * The person's session: from {launchToken} given by the host, or from ?launch= when this
 * page is the panel itself; kept for the tab, so a reload stays in the call.
 * @param {string} base paygate's origin
 * @param {{launchToken?: string | null, ownsAddressBar?: boolean}} [options]
 * @returns {Promise<import("./types.js").Session>} ApiError when there is none
 */
export async function startSession(base, {launchToken = null, ownsAddressBar = false} = {}) {
  const url = new URL(window.location.href);
  let token = launchToken || (ownsAddressBar ? url.searchParams.get("launch") : null);
  let key = token ? slot(token) : (ownsAddressBar ? url.searchParams.get(URL_PARAM) : null);
  let session = key ? load(key) : null;
  if (token && !session) {
    try {
      const issued = await new Api(base).post("/api/v1/sessions", {launch_token: token});
      session = {...issued, key, started_at: new Date().toISOString()};
      save(key, session);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      throw new ApiError(err.status, err.code, err.code === "token_expired"
        ? t("This payment panel was opened from an old link. Close it and open it again " +
          "from Apps & Tools.")
        : err.message);
    }
  }
  if (ownsAddressBar && (url.searchParams.has("launch") || (session && !url.searchParams.has(URL_PARAM)))) {
    url.searchParams.delete("launch");
    if (session) url.searchParams.set(URL_PARAM, key);
    window.history.replaceState(null, "", url.toString());
  }
  if (!session) {
    throw new ApiError(401, "not_authenticated", t("This payment panel needs to be opened " +
      "from your video call\u2019s Apps & Tools."));
  }
  return session;
}
