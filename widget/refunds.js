// The clinician's Refund action on a paid request: amount (all that is left by default),
// reason and an optional note, then a confirmation step before anything is refunded.
import {h, reference} from "./dom.js";
import {N_, decimalString, t} from "./i18n.js";
import {Modal} from "./modal.js";
import {exponentOf, formatMoney, parseMajor} from "./money.js";
import {REFUNDABLE} from "./status.js";

/** The refund reasons paygate takes (paygate/domain/refunds.py: Reason), with labels. */
export const REASONS = [
  ["requested_by_patient", N_("Requested by the patient")],
  ["duplicate", N_("Duplicate payment")],
  ["service_not_provided", N_("Service not provided")],
  ["amount_error", N_("Wrong amount charged")],
  ["fraudulent", N_("Fraudulent payment")],
  ["other", N_("Other (say why in the note)")],
];

function newKey() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The "Refund..." button for the request list; null when the request cannot be refunded.
 * @param {import("./clinician.js").ClinicianView} view
 * @param {import("./types.js").PaymentRequest} request
 * @returns {HTMLElement | null}
 */
export function refundAction(view, request) {
  if (!REFUNDABLE.has(request.status)) return null;
  return h("button", {type: "button", class: "pg-btn pg-btn-danger-quiet pg-small",
    dataset: {refundFor: request.id},
    "aria-label": t("Refund payment {reference}", {reference: request.reference}),
    onclick: () => new RefundDialog(view, request).open()}, t("Refund\u2026"));
}

class RefundDialog {
  constructor(view, request) {
    this.view = view;
    this.request = request;
    this.key = newKey();  // one refund attempt: a retry after a lost answer is the same one
    this.exponent = exponentOf(request.currency);
    this.values = {amount: "", reason: "", note: ""};
    this.busy = false;
  }

  money(minor) { return formatMoney(minor, this.request.currency, this.exponent); }

  path() {
    return `/api/v1/payment-requests/${encodeURIComponent(this.request.id)}/refunds`;
  }

  async open() {
    const id = this.request.id;
    this.modal = new Modal(this.view.root, {labelledBy: "pg-refund-title",
      trigger: () => this.view.root.querySelector(`[data-refund-for="${CSS.escape(id)}"]`)});
    this.modal.show(h("h2", {id: "pg-refund-title", class: "pg-dialog-title"},
      t("Refund payment")), h("p", {class: "pg-loading"}, t("Loading\u2026")));
    try {
      this.state = await this.view.api.get(this.path());
    } catch (err) {
      return this.modal.show(this.title(), h("p", {class: "pg-form-error", role: "alert"},
        err.message), this.closeButton(t("Close")));
    }
    this.values.amount = decimalString(this.state.remaining, this.exponent);
    this.form();
  }

  title() {
    return h("h2", {id: "pg-refund-title", class: "pg-dialog-title"},
      t("Refund payment"));
  }

  closeButton(label) {
    return h("button", {type: "button", class: "pg-btn pg-btn-quiet",
      onclick: () => this.modal.close()}, label);
  }

  facts() {
    const s = this.state;
    return h("dl", {class: "pg-facts"},
      h("dt", {}, t("Paid")), h("dd", {}, this.money(s.amount), " \u00b7 ",
        reference(this.request.reference)),
      s.amount_refunded ? [h("dt", {}, t("Already refunded")),
        h("dd", {}, this.money(s.amount_refunded))] : null,
      h("dt", {}, t("Left to refund")), h("dd", {class: "pg-strong"},
        this.money(s.remaining)));
  }

  form(error = null, field = null) {
    const amount = h("input", {id: "pg-refund-amount", class: "pg-input", inputmode: "decimal",
      autocomplete: "off", dir: "ltr", value: this.values.amount, "data-autofocus": "",
      "aria-describedby": "pg-refund-amount-error",
      "aria-invalid": field === "amount" ? "true" : null});
    const reason = h("select", {id: "pg-refund-reason", class: "pg-input",
      "aria-describedby": "pg-refund-reason-error",
      "aria-invalid": field === "reason" ? "true" : null},
      h("option", {value: ""}, t("Choose a reason\u2026")),
      REASONS.map(([code, label]) => h("option", {value: code,
        selected: code === this.values.reason}, t(label))));
    const note = h("textarea", {id: "pg-refund-note", class: "pg-input", rows: 2,
      maxlength: 500, dir: "auto", "aria-describedby": "pg-refund-note-hint",
      "aria-invalid": field === "note" ? "true" : null});
    note.value = this.values.note;
    // A corrected field is no longer wrong: its message goes as soon as it is edited.
    /** @type {[string, HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement][]} */
    const fields = [["amount", amount], ["reason", reason], ["note", note]];
    for (const [name, input] of fields) {
      input.addEventListener(name === "reason" ? "change" : "input", () => {
        input.removeAttribute("aria-invalid");
        const message = this.modal.box.querySelector(`#pg-refund-${name}-error`);
        if (message) message.textContent = "";
      });
    }
    const err = (name) => h("p", {id: `pg-refund-${name}-error`, class: "pg-field-error",
      role: "alert"}, field === name ? error : "");
    const form = h("form", {class: "pg-form", novalidate: true},
      this.facts(),
      h("label", {for: "pg-refund-amount", class: "pg-label"},
        t("Amount to refund ({currency})", {currency: this.request.currency.toUpperCase()})),
      amount, err("amount"),
      h("label", {for: "pg-refund-reason", class: "pg-label"}, t("Reason")),
      reason, err("reason"),
      h("label", {for: "pg-refund-note", class: "pg-label"}, t("Note (optional)")),
      note,
      h("p", {id: "pg-refund-note-hint", class: "pg-hint"}, t("For your clinic's records: " +
        "not sent to Stripe or to the patient.")),
      err("note"),
      field === null && error ? h("div", {class: "pg-form-error", role: "alert"}, error) : null,
      h("div", {class: "pg-actions"}, this.closeButton(t("Cancel")),
        h("button", {type: "submit", class: "pg-btn pg-btn-primary"}, t("Review refund"))));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.values = {amount: amount.value, reason: reason.value, note: note.value.trim()};
      const parsed = parseMajor(amount.value, this.request.currency, this.exponent);
      if (parsed.error) return this.form(parsed.error, "amount");
      if (parsed.minor <= 0) return this.form(t("The refund amount must be greater than zero."),
        "amount");
      if (parsed.minor > this.state.remaining) {
        return this.form(t("You can refund at most {amount}.",
          {amount: this.money(this.state.remaining)}), "amount");
      }
      if (!reason.value) return this.form(t("Choose a reason for the refund."), "reason");
      if (reason.value === "other" && !this.values.note) {
        return this.form(t("Say in the note why this payment is refunded."), "note");
      }
      this.confirm(parsed.minor);
    });
    this.modal.show(this.title(), form);
    if (field) {
      /** @type {HTMLElement | null} */ (this.modal.box.querySelector(`#pg-refund-${field}`))
        ?.focus();
    }
  }

  confirm(minor, error = null) {
    const label = REASONS.find(([code]) => code === this.values.reason)[1];
    const go = h("button", {type: "button", class: "pg-btn pg-btn-danger", "data-autofocus": "",
      onclick: () => this.submit(minor, go)},
      t("Confirm refund of {amount}", {amount: this.money(minor)}));
    this.modal.show(
      h("h2", {id: "pg-refund-title", class: "pg-dialog-title"},
        t("Refund {amount}?", {amount: this.money(minor)})),
      h("dl", {class: "pg-facts"},
        h("dt", {}, t("Refund")), h("dd", {class: "pg-strong"}, this.money(minor)),
        h("dt", {}, t("Still paid afterwards")),
        h("dd", {}, this.money(this.state.remaining - minor)),
        h("dt", {}, t("Reason")), h("dd", {}, t(label)),
        this.values.note ? [h("dt", {}, t("Note")), h("dd", {}, h("bdi", {},
          this.values.note))] : null),
      h("p", {class: "pg-hint"}, t("The money goes back to the patient's card. A refund " +
        "cannot be undone. The patient gets an email if they gave an address for their " +
        "receipt.")),
      error ? h("div", {class: "pg-form-error", role: "alert"}, error) : null,
      h("div", {class: "pg-actions"},
        h("button", {type: "button", class: "pg-btn pg-btn-quiet",
          onclick: () => this.form()}, t("Back")), go));
  }

  async submit(minor, button) {
    if (this.busy) return;
    this.busy = true;
    button.setAttribute("aria-disabled", "true");
    button.textContent = t("Refunding\u2026");
    try {
      const result = await this.view.api.request("POST", this.path(), {amount: minor,
        reason: this.values.reason, note: this.values.note}, {"Idempotency-Key": this.key});
      // The list is redrawn first, so focus returns to the new Refund button.
      this.view.changed(this.view.book.apply(result.payment_request));
      this.modal.close();
      this.view.announce(t("Refunded {amount}.", {amount: this.money(minor)}));
    } catch (err) {
      this.busy = false;
      if (err.status === 400) return this.form(err.message, err.field);
      this.confirm(minor, err.message);
    }
  }
}
