// The clinician's actions on a hold (a request made with "Hold now, charge at the end"):
// Charge... (the held amount prefilled, editable down, a review step, then the capture)
// and Release hold. Only Stripe's answer marks it paid; the list follows the socket.
import {h, reference} from "./dom.js";
import {decimalString, t} from "./i18n.js";
import {Modal} from "./modal.js";
import {exponentOf, formatMoney, parseMajor} from "./money.js";

/**
 * Charge... and Release hold for an authorised hold; null for any other request.
 * @param {import("./clinician.js").ClinicianView} view
 * @param {import("./types.js").PaymentRequest} request
 * @returns {HTMLElement[] | null}
 */
export function holdActions(view, request) {
  if (request.status !== "authorized") return null;
  return [
    h("button", {type: "button", class: "pg-btn pg-btn-primary pg-small",
      dataset: {chargeFor: request.id},
      "aria-label": t("Charge payment {reference}", {reference: request.reference}),
      onclick: () => new HoldDialog(view, request, "charge").open()}, t("Charge\u2026")),
    h("button", {type: "button", class: "pg-btn pg-btn-quiet pg-small",
      dataset: {releaseFor: request.id},
      "aria-label": t("Release hold {reference}", {reference: request.reference}),
      onclick: () => new HoldDialog(view, request, "release").open()}, t("Release hold")),
  ];
}

class HoldDialog {
  /**
   * @param {import("./clinician.js").ClinicianView} view
   * @param {import("./types.js").PaymentRequest} request
   * @param {"charge" | "release"} kind
   */
  constructor(view, request, kind) {
    this.view = view;
    this.request = request;
    this.kind = kind;
    this.exponent = exponentOf(request.currency);
    /** @type {string} what the amount field holds */
    this.amount = decimalString(request.amount, this.exponent);
    this.busy = false;
  }

  money(minor) { return formatMoney(minor, this.request.currency, this.exponent); }

  open() {
    const id = this.request.id;
    const attr = this.kind === "charge" ? "charge-for" : "release-for";
    this.modal = new Modal(this.view.root, {labelledBy: "pg-hold-title",
      trigger: () => this.view.root.querySelector(`[data-${attr}="${CSS.escape(id)}"]`)});
    if (this.kind === "charge") this.form(); else this.confirmRelease();
  }

  title() {
    return h("h2", {id: "pg-hold-title", class: "pg-dialog-title"},
      this.kind === "charge" ? t("Charge the held card") : t("Release the hold"));
  }

  facts() {
    return h("dl", {class: "pg-facts"},
      h("dt", {}, t("Held")), h("dd", {}, this.money(this.request.amount), " \u00b7 ",
        reference(this.request.reference)));
  }

  cancel() {
    return h("button", {type: "button", class: "pg-btn pg-btn-quiet",
      onclick: () => this.modal.close()}, t("Cancel"));
  }

  form(error = "") {
    const amount = h("input", {id: "pg-charge-amount", class: "pg-input", inputmode: "decimal",
      autocomplete: "off", dir: "ltr", value: this.amount, "data-autofocus": "",
      "aria-describedby": "pg-charge-amount-hint pg-charge-amount-error",
      "aria-invalid": error ? "true" : null});
    const form = h("form", {class: "pg-form", novalidate: true}, this.facts(),
      h("label", {for: "pg-charge-amount", class: "pg-label"},
        t("Amount to charge ({currency})", {currency: this.request.currency.toUpperCase()})),
      amount,
      h("p", {id: "pg-charge-amount-hint", class: "pg-hint"},
        t("At most {amount}; the rest of the hold is released.",
          {amount: this.money(this.request.amount)})),
      h("p", {id: "pg-charge-amount-error", class: "pg-field-error", role: "alert"}, error),
      h("div", {class: "pg-actions"}, this.cancel(),
        h("button", {type: "submit", class: "pg-btn pg-btn-primary"}, t("Review charge"))));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.amount = amount.value;
      const parsed = parseMajor(amount.value, this.request.currency, this.exponent);
      if (parsed.error) return this.form(parsed.error);
      if (parsed.minor <= 0 || parsed.minor > this.request.amount) {
        return this.form(t("Charge more than zero and at most {amount}.",
          {amount: this.money(this.request.amount)}));
      }
      this.review(parsed.minor);
    });
    this.modal.show(this.title(), form);
  }

  review(minor, error = "") {
    const confirm = h("button", {type: "button", class: "pg-btn pg-btn-primary",
      onclick: () => this.send(`/capture`, {amount: minor}, confirm,
        (message) => this.review(minor, message))},
    t("Charge {amount}", {amount: this.money(minor)}));
    this.modal.show(this.title(),
      h("p", {}, t("Charge {amount} to the patient's card? This cannot be undone here; " +
        "a refund can follow.", {amount: this.money(minor)})),
      error ? h("div", {class: "pg-form-error", role: "alert"}, error) : null,
      h("div", {class: "pg-actions"},
        h("button", {type: "button", class: "pg-btn pg-btn-quiet",
          onclick: () => this.form()}, t("Back")), confirm));
  }

  confirmRelease(error = "") {
    const release = h("button", {type: "button", class: "pg-btn pg-btn-danger",
      onclick: () => this.send(`/cancel`, null, release, (m) => this.confirmRelease(m))},
    t("Release hold"));
    this.modal.show(this.title(), this.facts(),
      h("p", {}, t("The patient is not charged and the hold on their card is released.")),
      error ? h("div", {class: "pg-form-error", role: "alert"}, error) : null,
      h("div", {class: "pg-actions"}, this.cancel(), release));
  }

  async send(action, body, button, again) {
    if (this.busy) return;
    this.busy = true;
    button.disabled = true;
    const path = `/api/v1/payment-requests/${encodeURIComponent(this.request.id)}${action}`;
    try {
      const updated = await this.view.api.post(path, body || {});
      this.modal.close();
      this.view.changed(this.view.book.apply(updated));
    } catch (err) {
      this.busy = false;
      again(err.message);
    }
  }
}
