// One mounted widget: session, locale, API, the call's live requests and the view for the role.
import {Api} from "./api.js";
import {ClinicianView} from "./clinician.js";
import {h, replace} from "./dom.js";
import {Events} from "./events.js";
import {N_, currentDir, currentLocale, loadLocale, setLocale, t} from "./i18n.js";
import {PatientView} from "./patient.js";
import {CallSocket, RequestBook} from "./socket.js";
import {startSession} from "./session.js";

const CONNECTION = {connecting: N_("Connecting\u2026"), live: N_("Live"),
  reconnecting: N_("Reconnecting\u2026"), refused: N_("Disconnected")};

/**
 * What a mounted widget hands back (PayGate.mount resolves to it).
 * @typedef {object} Mounted
 * @property {"clinician" | "patient"} role
 * @property {string} locale the locale it speaks
 * @property {() => void} unmount closes its socket and empties the element
 */

/**
 * @typedef {object} MountOptions
 * @property {string} baseUrl paygate's origin
 * @property {string | null} [launchToken] the host's launch token (else ?launch= on the
 *   frame page)
 * @property {string[]} [parentOrigins] where paygate:* events are posted when framed
 * @property {boolean} [ownsAddressBar] the widget is the page (the /widget/frame page)
 * @property {string | null} [locale] used when the launch token has no locale claim
 * @property {import("./i18n.js").Catalog | null} [catalog] the catalog the page carries
 */

/**
 * Mount the widget in `element`: session, locale, the call's requests, the role's view.
 * @param {HTMLElement} element
 * @param {MountOptions} options
 * @returns {Promise<Mounted | null>} null when payments are not available (it says why)
 */
export async function mountWidget(element, {launchToken = null, baseUrl, parentOrigins = [],
                                             ownsAddressBar = false, locale = null,
                                             catalog = null}) {
  element.classList.add("paygate");
  if (catalog) setLocale(catalog);
  if (catalog) applyLocale(element, ownsAddressBar);
  const main = h(ownsAddressBar ? "main" : "div", {class: "pg-main"},
    h("p", {class: "pg-loading"}, t("Loading\u2026")));
  const status = h("span", {class: "pg-conn", "data-state": "connecting", role: "status"},
    t(CONNECTION.connecting));
  const brand = h("span", {class: "pg-brand"}, t("Secure payments by paygate"));
  replace(element, main, h("footer", {class: "pg-footer"}, status, brand));
  const events = new Events(element, parentOrigins);
  let loaded = Boolean(catalog);
  const speak = async (wanted) => {
    const language = wanted ? wanted.split(/[-_]/)[0].toLowerCase() : null;
    if (!loaded || (language && language !== currentLocale())) await loadLocale(baseUrl, wanted);
    loaded = true;
    applyLocale(element, ownsAddressBar);
    brand.textContent = t("Secure payments by paygate");
    status.textContent = t(CONNECTION[status.dataset.state] || status.dataset.state);
  };
  let session;
  try {
    session = await startSession(baseUrl, {launchToken, ownsAddressBar});
  } catch (err) {
    await speak(locale);
    return fail(main, status, events, err);
  }
  // The token's locale claim first; without one the server goes by the browser's languages.
  await speak(session.locale || locale);
  const api = new Api(baseUrl, session.access_token);
  const callId = session.call_id;
  let options;
  try {
    options = await api.get(`/api/v1/calls/${encodeURIComponent(callId)}/payment-options`);
    // (read again on "options.changed": rereadOptions below)
  } catch (err) {
    return fail(main, status, events, err);
  }
  const book = new RequestBook();
  const context = {root: main, api, session, options, events, book, callId};
  const view = session.role === "clinician" ? new ClinicianView(context)
    : session.role === "patient" ? new PatientView(context) : null;
  if (!view) {
    return fail(main, status, events, new Error(t("This panel is for the clinician and the " +
      "patient of a call.")));
  }
  // The clinic's options changed (Stripe paused or resumed its card payments), or they may
  // have while the socket was down: the clinician's panel reads them again.
  const optionsPath = `/api/v1/calls/${encodeURIComponent(callId)}/payment-options`;
  const rereadOptions = async () => {
    if (!(view instanceof ClinicianView)) return;
    try {
      view.optionsChanged(await api.get(optionsPath));
    } catch (err) { /* the next snapshot or notice tries again */ }
  };
  let snapshots = 0;
  const socket = new CallSocket(baseUrl, callId, session.access_token, {
    onSnapshot: (list) => {
      view.snapshot(book.snapshot(list));
      if (snapshots++ > 0) rereadOptions();  // a reconnect: news may have been missed
    },
    onOptions: rereadOptions,
    onUpdate: (request) => view.changed(book.apply(request)),
    onCheckout: (notice) => { if (view instanceof ClinicianView) view.checkoutNotice(notice); },
    onState: (state) => {
      status.dataset.state = state;
      status.textContent = t(CONNECTION[state] || state);
    },
    onRefused: () => fail(main, status, events, new Error(t("Your session for this call has " +
      "ended. Close the panel and open it again from Apps & Tools."))),
  });
  socket.start();
  watchSize(element, events);
  events.emit("ready", {role: session.role, callId, locale: currentLocale()});
  return {role: session.role, locale: currentLocale(),
    unmount: () => { socket.stop(); element.replaceChildren(); }};
}

// The panel's language and direction; the whole document's when the panel is the page.
function applyLocale(element, ownsAddressBar) {
  const target = ownsAddressBar ? document.documentElement : element;
  target.lang = currentLocale();
  target.dir = currentDir();
  if (ownsAddressBar) {
    element.removeAttribute("lang");
    element.removeAttribute("dir");
    document.title = t("Payments");
  }
}

function fail(main, status, events, err) {
  status.dataset.state = "refused";
  status.textContent = t(CONNECTION.refused);
  replace(main, h("div", {class: "pg-card pg-ended", role: "alert"},
    h("h2", {class: "pg-title"}, t("Payments are not available")),
    h("p", {class: "pg-muted"}, err.message)));
  events.emit("error", {code: err.code || "error", message: err.message});
  return null;
}

function watchSize(element, events) {
  if (!window.ResizeObserver) return;
  let last = 0;
  new ResizeObserver(() => {
    const height = Math.ceil(element.getBoundingClientRect().height);
    if (Math.abs(height - last) > 2) {
      last = height;
      events.emit("resize", {height});
    }
  }).observe(element);
}
