// The clinician's "Cancel request" on an open request: a confirmation step first (the
// patient can no longer pay it, and there is no undo), with "Keep request" as the default.
import {h, reference, typed} from "./dom.js";
import {t} from "./i18n.js";
import {Modal} from "./modal.js";
import {money} from "./money.js";
import {OPEN} from "./status.js";

/**
 * The list item's "Cancel request" button; null when the request is no longer open.
 * @param {import("./clinician.js").ClinicianView} view
 * @param {import("./types.js").PaymentRequest} request
 * @returns {HTMLElement | null}
 */
export function cancelAction(view, request) {
  if (!OPEN.has(request.status)) return null;
  return h("button", {type: "button", class: "pg-btn pg-btn-danger-quiet pg-small",
    dataset: {cancelFor: request.id},
    "aria-label": t("Cancel request {reference}", {reference: request.reference}),
    onclick: () => new CancelDialog(view, request).open()}, t("Cancel request"));
}

/** "Cancel this payment request?": the confirmation, then the cancel. */
export class CancelDialog {
  /**
   * @param {import("./clinician.js").ClinicianView} view
   * @param {import("./types.js").PaymentRequest} request
   */
  constructor(view, request) {
    this.view = view;
    this.request = request;
    this.busy = false;
  }

  open() {
    const id = this.request.id;
    const view = this.view;
    // Back to the same button, or to the list's heading once the request is cancelled.
    this.modal = new Modal(view.root, {labelledBy: "pg-cancel-title",
      trigger: () => view.root.querySelector(`[data-cancel-for="${CSS.escape(id)}"]`) ||
        view.listTitle,
      onClose: () => { if (view.cancelling === this) view.cancelling = null; }});
    view.cancelling = this;
    this.show();
  }

  show(error = null) {
    const r = this.request;
    const go = h("button", {type: "button", class: "pg-btn pg-btn-danger",
      onclick: () => this.submit(go)}, t("Cancel request"));
    this.modal.show(
      h("h2", {id: "pg-cancel-title", class: "pg-dialog-title"},
        t("Cancel this payment request?")),
      h("dl", {class: "pg-facts"},
        h("dt", {}, t("Amount")), h("dd", {class: "pg-strong"},
          money(r)),
        h("dt", {}, t("Description")), typed("dd", {}, r.description),
        h("dt", {}, t("Reference")), h("dd", {}, reference(r.reference))),
      h("p", {class: "pg-hint"}, t("The patient will no longer be able to pay it. This " +
        "cannot be undone: to ask again, request a new payment.")),
      error ? h("div", {class: "pg-form-error", role: "alert"}, error) : null,
      h("div", {class: "pg-actions"},
        h("button", {type: "button", class: "pg-btn pg-btn-quiet", "data-autofocus": "",
          onclick: () => this.modal.close()}, t("Keep request")),
        go));
  }

  /** The request changed meanwhile (e.g. the patient paid it): nothing left to confirm. */
  changed(request) {
    if (this.view.cancelling === this && !OPEN.has(request.status)) this.modal.close();
  }

  async submit(button) {
    // aria-disabled keeps keyboard focus here until the dialog closes.
    if (this.busy) return;
    this.busy = true;
    button.setAttribute("aria-disabled", "true");
    button.textContent = t("Cancelling\u2026");
    try {
      const updated = await this.view.api.post(
        `/api/v1/payment-requests/${encodeURIComponent(this.request.id)}/cancel`);
      this.view.changed(this.view.book.apply(updated));
      if (this.view.cancelling === this) this.modal.close();
    } catch (err) {
      this.busy = false;
      if (this.view.cancelling === this) this.show(err.message);
    }
  }
}
