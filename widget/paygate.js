// paygate's in-call widget. As a script on a host page:
//   <script type="module" src="https://paygate.example/widget/static/paygate.js"></script>
//   PayGate.mount(document.querySelector("#payments"), {launchToken});
// It dispatches paygate:* events (ready, request-created, request-updated,
// payment-received, payment-succeeded, payment-failed, resize, error) on the element.
// The /widget/frame page uses the same code, mounted from its own address bar.
import {mountWidget} from "./app.js";

const BASE = new URL("../..", import.meta.url).toString().replace(/\/$/, "");

/**
 * @typedef {object} PayGateOptions
 * @property {string} launchToken the host platform's launch token for this person and call
 * @property {string} [baseUrl] paygate's origin (by default the one this script came from)
 * @property {string | null} [locale] ("fr", "fa-IR", ...) used when the launch token has no
 *   locale claim; without either the widget follows the browser's languages
 */

/**
 * Mount the widget in `element` (PayGate.mount on a host page).
 * @param {Element} element where the panel goes; paygate:* events are dispatched on it
 * @param {PayGateOptions} options
 * @returns {Promise<import("./app.js").Mounted | null>} null when payments are not
 *   available (the panel says why)
 */
export function mount(element, {launchToken, baseUrl = BASE, locale = null}) {
  if (!(element instanceof Element)) throw new TypeError("PayGate.mount needs an element.");
  if (!launchToken) throw new TypeError("PayGate.mount needs {launchToken}.");
  addStylesheet(baseUrl);
  return mountWidget(/** @type {HTMLElement} */ (element), {launchToken, baseUrl, locale});
}

function addStylesheet(baseUrl) {
  if (document.querySelector("link[data-paygate-css]")) return;
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = `${baseUrl}/widget/static/paygate.css`;
  link.dataset.paygateCss = "";
  document.head.append(link);
}

/**
 * The one global a host page uses: `PayGate.mount(element, {launchToken})`.
 * @typedef {Readonly<{mount: typeof mount, version: string}>} PayGateGlobal
 */
/** @type {Window & {PayGate?: PayGateGlobal}} */ (window).PayGate =
  Object.freeze({mount, version: "1"});

/** @type {HTMLElement | null} */
const frame = document.querySelector("[data-paygate-frame]");
if (frame) {
  const origins = (frame.dataset.parentOrigins || "").split(" ").filter(Boolean);
  // The frame page carries the catalog the server picked for it: no flash of English.
  const embedded = document.getElementById("paygate-i18n");
  let catalog = null;
  try { catalog = embedded ? JSON.parse(embedded.textContent) : null; } catch (err) { /* */ }
  mountWidget(frame, {baseUrl: BASE, parentOrigins: origins, ownsAddressBar: true, catalog,
    locale: catalog ? catalog.locale : null});
}
