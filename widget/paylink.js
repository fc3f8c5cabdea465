// "Send payment link": for an open request when the patient has left the call, email them
// a link to a page where they pay it with the same checkout.
import {money} from "./clinician.js";
import {formatTime, h} from "./dom.js";
import {t} from "./i18n.js";
import {Modal} from "./modal.js";

const OPEN = new Set(["requested", "processing", "failed"]);
const EMAIL = /^[^@\s<>"',;]+@[^@\s<>"',;]+\.[^@\s<>"',;]+$/;

export function payLinkAction(view, request) {
  if (!OPEN.has(request.status)) return null;
  return h("button", {type: "button", class: "pg-btn pg-btn-quiet pg-small",
    dataset: {payLinkFor: request.id},
    "aria-label": t("Send payment link for {reference}", {reference: request.reference}),
    onclick: () => new PayLinkDialog(view, request).open()}, t("Send payment link"));
}

class PayLinkDialog {
  constructor(view, request) {
    this.view = view;
    this.request = request;
    this.busy = false;
  }

  open() {
    const id = this.request.id;
    this.modal = new Modal(this.view.root, {labelledBy: "pg-link-title",
      trigger: () => this.view.root.querySelector(`[data-pay-link-for="${CSS.escape(id)}"]`)});
    this.form();
  }

  form(error = null, value = "") {
    const email = h("input", {id: "pg-link-email", class: "pg-input", type: "email",
      autocomplete: "off", dir: "ltr", value, "data-autofocus": "",
      "aria-describedby": "pg-link-hint pg-link-error",
      "aria-invalid": error ? "true" : null});
    const send = h("button", {type: "submit", class: "pg-btn pg-btn-primary"},
      t("Send link"));
    const form = h("form", {class: "pg-form", novalidate: true},
      h("p", {}, t("Has the patient left the call? Email them a link to pay {amount} for " +
        "\u201c{description}\u201d on a secure page.",
      {amount: money(this.request), description: this.request.description})),
      h("p", {class: "pg-hint"}, t("The link works until the request expires, at {time}.",
        {time: formatTime(this.request.expires_at)})),
      h("label", {for: "pg-link-email", class: "pg-label"}, t("Patient's email address")),
      email,
      h("p", {id: "pg-link-hint", class: "pg-hint"}, t("Leave it empty to use the address " +
        "the patient gave, if any.")),
      h("p", {id: "pg-link-error", class: "pg-field-error", role: "alert"}, error || ""),
      h("div", {class: "pg-actions"},
        h("button", {type: "button", class: "pg-btn pg-btn-quiet",
          onclick: () => this.modal.close()}, t("Cancel")), send));
    email.addEventListener("input", () => {
      email.removeAttribute("aria-invalid");
      form.querySelector("#pg-link-error").textContent = "";
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const address = email.value.trim();
      if (address && !EMAIL.test(address)) {
        return this.form(t("Enter a valid email address."), email.value);
      }
      this.submit(address, send, email.value);
    });
    this.modal.show(h("h2", {id: "pg-link-title", class: "pg-dialog-title"},
      t("Send payment link")), form);
  }

  async submit(address, button, typed) {
    if (this.busy) return;
    this.busy = true;
    button.setAttribute("aria-disabled", "true");
    button.textContent = t("Sending\u2026");
    try {
      const sent = await this.view.api.post(
        `/api/v1/payment-requests/${encodeURIComponent(this.request.id)}/pay-link`,
        address ? {email: address} : {});
      this.modal.close();
      const message = t("Payment link sent to {email}.", {email: sent.sent_to});
      this.view.announce(message);
      const note = h("div", {class: "pg-notice pg-notice-ok", role: "status",
        "data-testid": "pay-link-sent"}, message);
      this.view.listEl.before(note);
      setTimeout(() => note.remove(), 8000);
    } catch (err) {
      this.busy = false;
      this.form(err.message, typed);
    }
  }
}
