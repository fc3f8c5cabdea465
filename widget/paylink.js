// "Send payment link": for an open request when the patient has left the call, email them
// a link to a page where they pay it with the same checkout. "Revoke link": while a link
// sent for the request is valid, stop it (and every session opened from it) at once.
import {formatDateTime, h} from "./dom.js";
import {looksLikeEmail} from "./email.js";
import {t} from "./i18n.js";
import {Modal} from "./modal.js";
import {money} from "./money.js";
import {OPEN} from "./status.js";

/**
 * The pay-link buttons of one request in the clinician's list.
 * @param {object} view the clinician's panel (api, book, announce, changed, flash)
 * @param {object} request the payment request as the API shows it
 * @returns {HTMLElement[]|null} "Send payment link", and "Revoke link" while one is valid
 */
export function payLinkAction(view, request) {
  if (!OPEN.has(request.status)) return null;
  const send = h("button", {type: "button", class: "pg-btn pg-btn-quiet pg-small",
    dataset: {payLinkFor: request.id},
    "aria-label": t("Send payment link for {reference}", {reference: request.reference}),
    onclick: () => new PayLinkDialog(view, request).open()}, t("Send payment link"));
  if (!linkStands(request)) return [send];
  const revoke = h("button", {type: "button", class: "pg-btn pg-btn-danger-quiet pg-small",
    "aria-label": t("Revoke payment link for {reference}", {reference: request.reference}),
    onclick: (event) => revokeLink(view, request, event.currentTarget)}, t("Revoke link"));
  return [send, revoke];
}

function linkStands(request) {
  return Boolean(request.pay_link_until) && new Date(request.pay_link_until) > new Date();
}

async function revokeLink(view, request, button) {
  if (button.getAttribute("aria-disabled") === "true") return;
  button.setAttribute("aria-disabled", "true");
  button.textContent = t("Revoking\u2026");
  try {
    const updated = await view.api.post(
      `/api/v1/payment-requests/${encodeURIComponent(request.id)}/pay-link/revoke`);
    const message = t("Payment link revoked: it no longer works.");
    view.announce(message);
    const note = h("div", {class: "pg-notice pg-notice-ok", role: "status",
      "data-testid": "pay-link-revoked"}, message);
    view.listEl.before(note);
    setTimeout(() => note.remove(), 8000);
    view.changed(view.book.apply(updated));
  } catch (err) {
    button.removeAttribute("aria-disabled");
    button.textContent = t("Revoke link");
    view.flash(err.message);
  }
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
      h("p", {class: "pg-hint"}, t("The link works for {hours} hours, and the request " +
        "stays payable until then.", {hours: this.view.options.pay_link_hours})),
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
      if (address && !looksLikeEmail(address)) {
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
      const message = t("Payment link sent to {email}. It works until {time}.",
        {email: sent.sent_to, time: formatDateTime(sent.expires_at)});
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
