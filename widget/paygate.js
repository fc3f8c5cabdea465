// paygate's in-call widget. As a script on a host page:
//   <script type="module" src="https://paygate.example/widget/static/paygate.js"></script>
//   PayGate.mount(document.querySelector("#payments"), {launchToken});
// It dispatches paygate:* events (ready, request-created, request-updated,
// payment-received, payment-succeeded, payment-failed, resize, error) on the element.
// The /widget/frame page uses the same code, mounted from its own address bar.
import {mountWidget} from "./app.js";

const BASE = new URL("../..", import.meta.url).toString().replace(/\/$/, "");

export function mount(element, {launchToken, baseUrl = BASE} = {}) {
  if (!(element instanceof Element)) throw new TypeError("PayGate.mount needs an element.");
  if (!launchToken) throw new TypeError("PayGate.mount needs {launchToken}.");
  addStylesheet(baseUrl);
  return mountWidget(element, {launchToken, baseUrl});
}

function addStylesheet(baseUrl) {
  if (document.querySelector("link[data-paygate-css]")) return;
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = `${baseUrl}/widget/static/paygate.css`;
  link.dataset.paygateCss = "";
  document.head.append(link);
}

window.PayGate = Object.freeze({mount, version: "1"});

const frame = document.querySelector("[data-paygate-frame]");
if (frame) {
  const origins = (frame.dataset.parentOrigins || "").split(" ").filter(Boolean);
  mountWidget(frame, {baseUrl: BASE, parentOrigins: origins, ownsAddressBar: true});
}
