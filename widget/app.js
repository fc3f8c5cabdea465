// One mounted widget: session, API, the call's live requests and the view for the role.
import {Api} from "./api.js";
import {ClinicianView} from "./clinician.js";
import {h, replace} from "./dom.js";
import {Events} from "./events.js";
import {PatientView} from "./patient.js";
import {CallSocket, RequestBook} from "./socket.js";
import {startSession} from "./session.js";

const CONNECTION = {connecting: "Connecting\u2026", live: "Live", reconnecting: "Reconnecting\u2026",
  refused: "Disconnected"};

export async function mountWidget(element, {launchToken = null, baseUrl, parentOrigins = [],
                                             ownsAddressBar = false} = {}) {
  element.classList.add("paygate");
  const main = h("div", {class: "pg-main"}, h("p", {class: "pg-loading"}, "Loading\u2026"));
  const status = h("span", {class: "pg-conn", "data-state": "connecting"}, CONNECTION.connecting);
  replace(element, main, h("footer", {class: "pg-footer"}, status,
    h("span", {class: "pg-brand"}, "Secure payments by paygate")));
  const events = new Events(element, parentOrigins);
  let session;
  try {
    session = await startSession(baseUrl, {launchToken, ownsAddressBar});
  } catch (err) {
    return fail(main, status, events, err);
  }
  const api = new Api(baseUrl, session.access_token);
  const callId = session.call_id;
  let options;
  try {
    options = await api.get(`/api/v1/calls/${encodeURIComponent(callId)}/payment-options`);
  } catch (err) {
    return fail(main, status, events, err);
  }
  const book = new RequestBook();
  const context = {root: main, api, session, options, events, book, callId};
  const view = session.role === "clinician" ? new ClinicianView(context)
    : session.role === "patient" ? new PatientView(context) : null;
  if (!view) {
    return fail(main, status, events, new Error("This panel is for the clinician and the " +
      "patient of a call."));
  }
  const socket = new CallSocket(baseUrl, callId, session.access_token, {
    onSnapshot: (list) => view.snapshot(book.snapshot(list)),
    onUpdate: (request) => view.changed(book.apply(request)),
    onState: (state) => {
      status.dataset.state = state;
      status.textContent = CONNECTION[state] || state;
    },
    onRefused: () => fail(main, status, events, new Error("Your session for this call has " +
      "ended. Close the panel and open it again from Apps & Tools.")),
  });
  socket.start();
  watchSize(element, events);
  events.emit("ready", {role: session.role, callId});
  return {role: session.role, unmount: () => { socket.stop(); element.replaceChildren(); }};
}

function fail(main, status, events, err) {
  status.dataset.state = "refused";
  status.textContent = CONNECTION.refused;
  replace(main, h("div", {class: "pg-card pg-ended", role: "alert"},
    h("h2", {class: "pg-title"}, "Payments are not available"),
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
