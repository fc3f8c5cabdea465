// The standalone page a payment link opens (/pay/{token}): the patient's in-call checkout
// and confirmation for that one request, on a session the link gives for that request only
// (no call list, no call socket: the page asks for its request now and then instead).
import {Api} from "./api.js";
import {h, replace} from "./dom.js";
import {Events} from "./events.js";
import {currentLocale, setLocale, t} from "./i18n.js";
import {PatientView} from "./patient.js";
import {RequestBook} from "./socket.js";
import {ENDED, OPEN as PAYABLE} from "./status.js";

const BASE = new URL("../..", import.meta.url).toString().replace(/\/$/, "");
const STORE = "paygate.paylink.";
const POLL_MS = 4000;

/** The in-call patient view, narrowed to one request: no list to go back to. */
export class PayLinkView extends PatientView {
  /**
   * @param {import("./types.js").ViewContext} context
   * @param {string} requestId the one request the link is for
   */
  constructor(context, requestId) {
    super(context);
    this.requestId = requestId;
  }

  renderHome() {
    const r = this.book.get(this.requestId);
    if (!r) return replace(this.body, h("p", {class: "pg-loading"}, t("Loading\u2026")));
    if (PAYABLE.has(r.status)) return this.go({name: "checkout", id: r.id});
    if (r.status === "paid") return this.go({name: "done", id: r.id});
    if (ENDED.has(r.status)) {
      return this.go({name: "ended", id: r.id});
    }
    return replace(this.body, h("section", {class: "pg-card pg-done", role: "status"},
      h("h2", {class: "pg-title"}, t("This payment has already been made")),
      h("p", {class: "pg-muted"}, t("Thank you. There is nothing more to pay."))));
  }

  renderCheckout(request) {
    const drawn = super.renderCheckout(request);
    this.body.querySelector(".pg-back")?.remove();
    return drawn;
  }

  renderDone(request) {
    const drawn = super.renderDone(request);
    this.body.querySelector(".pg-done > .pg-btn")?.remove();
    return drawn;
  }

  renderEnded(request) {
    super.renderEnded(request);
    this.body.querySelector(".pg-ended > .pg-btn")?.remove();
  }
}

function stored(key) {
  try {
    const value = JSON.parse(sessionStorage.getItem(STORE + key) || "null");
    if (value && new Date(value.expires_at) > new Date()) return value;
  } catch (err) { /* sign in again */ }
  return null;
}

function store(key, value) {
  try { sessionStorage.setItem(STORE + key, JSON.stringify(value)); } catch (err) { /* */ }
}

/**
 * Follow the one request while it is open (a payment still processing, a cancel, a revoked
 * link); a 401 means the link's session has ended, and the page says why.
 * @returns {function} stops following
 */
export function follow(api, requestId, view, book, root) {
  let timer = null;
  const tick = async () => {
    try {
      const fresh = await api.get(`/api/v1/payment-requests/${encodeURIComponent(requestId)}`);
      view.changed(book.apply(fresh));
      if (!PAYABLE.has(fresh.status)) return;  // final: nothing more to hear
    } catch (err) {
      if (err.status === 401) return fail(root, err);
    }
    timer = setTimeout(tick, POLL_MS);
  };
  timer = setTimeout(tick, POLL_MS);
  return () => clearTimeout(timer);
}

function fail(root, err) {
  replace(root, h("section", {class: "pg-card pg-ended", role: "alert"},
    h("h2", {class: "pg-title"}, t("Payments are not available")),
    h("p", {class: "pg-muted"}, err.message)));
}

/**
 * Mount the pay page's checkout in `root` (the page's [data-paygate-pay] element, with
 * data-request-id and data-token).
 * @param {HTMLElement} root
 * @returns {Promise<PayLinkView | null>} null when the link's session could not start
 */
export async function mountPayLink(root) {
  const embedded = document.getElementById("paygate-i18n");
  try { setLocale(JSON.parse(embedded.textContent)); } catch (err) { /* English */ }
  const requestId = root.dataset.requestId;
  // One stored session per link (not per request): a new link after a revoked one works.
  const key = `${requestId}.${root.dataset.token.slice(-16)}`;
  let session = stored(key);
  try {
    if (!session) {
      const issued = await new Api(BASE).post("/api/v1/pay-links/session",
        {token: root.dataset.token, locale: currentLocale()});
      session = {...issued, key: "paylink." + key, started_at: new Date().toISOString()};
      store(key, session);
    }
    const api = new Api(BASE, session.access_token);
    const callId = session.call_id;
    const [options, request] = await Promise.all([
      api.get(`/api/v1/calls/${encodeURIComponent(callId)}/payment-options`),
      api.get(`/api/v1/payment-requests/${encodeURIComponent(requestId)}`)]);
    const book = new RequestBook();
    book.apply(request);
    const main = h("div", {class: "pg-main"});
    replace(root, main);
    const view = new PayLinkView({root: main, api, session, options, book,
      events: new Events(root)}, requestId);
    view.snapshot();
    if (PAYABLE.has(request.status)) follow(api, requestId, view, book, root);
    return view;
  } catch (err) {
    fail(root, err);
    return null;
  }
}

/** @type {HTMLElement | null} */
const root = document.querySelector("[data-paygate-pay]");
if (root) mountPayLink(root);
