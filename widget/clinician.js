// The clinician's panel: request a payment, follow each request live, and a
// "Payment received" pop-up that stays until dismissed.
import {cardLabel, formatTime, h, replace} from "./dom.js";
import {exponentOf, formatMoney, parseMajor} from "./money.js";
import {sessionValue, setSessionValue} from "./session.js";

const STATUS = {
  requested: ["Waiting for patient", "pending"],
  processing: ["Processing", "pending"],
  paid: ["Paid", "ok"],
  failed: ["Payment failed", "bad"],
  cancelled: ["Cancelled", "muted"],
  expired: ["Expired", "muted"],
  refunded: ["Refunded", "muted"],
  partially_refunded: ["Partly refunded", "muted"],
};
const OPEN = new Set(["requested", "processing", "failed"]);

export function statusLabel(status) {
  return (STATUS[status] || [status, "muted"])[0];
}

export function money(request) {
  return formatMoney(request.amount, request.currency, exponentOf(request.currency));
}

export class ClinicianView {
  constructor({root, api, session, options, events, book, callId}) {
    Object.assign(this, {root, api, session, options, events, book, callId});
    this.formOpen = sessionValue(session, "formOpen", false);
    this.draft = sessionValue(session, "draft", {amount: "", currency: options.default_currency,
      description: ""});
    this.dismissed = new Set(sessionValue(session, "dismissed", []));
    this.alerts = [];
    this.busy = false;
    this.build();
  }

  build() {
    this.listEl = h("ul", {class: "pg-list", "aria-label": "Payment requests in this call"});
    this.formSlot = h("div");
    this.liveEl = h("p", {class: "pg-sr", "aria-live": "polite"});
    this.dialogSlot = h("div");
    replace(this.root,
      h("div", {class: "pg-toolbar"},
        h("h2", {class: "pg-title"}, "Payments"),
        h("span", {class: "pg-subtitle"}, this.options.clinic_name)),
      this.notReady(),
      this.formSlot,
      h("h3", {class: "pg-section"}, "Requests in this call"),
      this.listEl, this.liveEl, this.dialogSlot);
    this.renderForm();
    this.renderList();
  }

  notReady() {
    if (this.options.ready) return null;
    return h("div", {class: "pg-notice pg-notice-warn", role: "status"},
      this.options.not_ready_reason);
  }

  // -- the request form ---------------------------------------------------------------
  renderForm() {
    if (!this.options.ready) { replace(this.formSlot); return; }
    if (!this.formOpen) {
      replace(this.formSlot, h("button", {type: "button", class: "pg-btn pg-btn-primary pg-wide",
        onclick: () => this.openForm()}, "Request Payment"));
      return;
    }
    const currencies = this.options.currencies.map((c) => c.code);
    const currency = h("select", {id: "pg-currency", name: "currency", class: "pg-currency",
      "aria-label": "Currency"},
      currencies.map((code) => h("option", {value: code, selected: code === this.draft.currency},
        code.toUpperCase())));
    const amount = h("input", {id: "pg-amount", name: "amount", class: "pg-input",
      inputmode: "decimal", autocomplete: "off", required: true, placeholder: "0.00",
      value: this.draft.amount, "aria-describedby": "pg-amount-hint pg-amount-error"});
    const description = h("textarea", {id: "pg-description", name: "description",
      class: "pg-input", rows: 3, required: true, maxlength: this.options.description_max,
      "aria-describedby": "pg-description-hint pg-description-error"});
    description.value = this.draft.description;
    const amountHint = h("p", {id: "pg-amount-hint", class: "pg-hint"});
    const amountError = h("p", {id: "pg-amount-error", class: "pg-field-error", role: "alert"});
    const descriptionError = h("p", {id: "pg-description-error", class: "pg-field-error",
      role: "alert"});
    const formError = h("div", {class: "pg-form-error", role: "alert"});
    const submit = h("button", {type: "submit", class: "pg-btn pg-btn-primary"},
      "Request Payment");
    const limits = () => {
      const code = currency.value;
      const info = this.options.currencies.find((c) => c.code === code);
      const parts = [`Minimum ${formatMoney(info.minimum, code, info.exponent)}`];
      if (this.options.max_amount && code === this.options.default_currency) {
        parts.push(`maximum ${formatMoney(this.options.max_amount, code, info.exponent)}`);
      }
      amountHint.textContent = parts.join(", ") + ".";
      amount.placeholder = info.exponent ? `0.${"0".repeat(info.exponent)}` : "0";
    };
    const saveDraft = () => {
      this.draft = {amount: amount.value, currency: currency.value,
        description: description.value};
      setSessionValue(this.session, "draft", this.draft);
    };
    currency.addEventListener("change", () => { limits(); saveDraft(); });
    amount.addEventListener("input", () => { amountError.textContent = ""; saveDraft(); });
    description.addEventListener("input", () => { descriptionError.textContent = ""; saveDraft(); });
    limits();

    const form = h("form", {class: "pg-card pg-form", novalidate: true,
      "aria-label": "Request a payment"},
      h("h3", {class: "pg-card-title"}, "Request a payment"),
      h("label", {for: "pg-amount", class: "pg-label"}, "Amount"),
      h("div", {class: "pg-amount-row"}, currency, amount),
      amountHint, amountError,
      h("label", {for: "pg-description", class: "pg-label"}, "Payment description"),
      description,
      h("p", {id: "pg-description-hint", class: "pg-hint"},
        "What the payment is for, e.g. \u201cConsultation fee\u201d. The patient sees it on " +
        "their receipt: don\u2019t include clinical details or diagnoses."),
      descriptionError, formError,
      h("div", {class: "pg-actions"},
        h("button", {type: "button", class: "pg-btn pg-btn-quiet",
          onclick: () => this.closeForm()}, "Cancel"),
        submit));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (this.busy) return;
      formError.textContent = "";
      const code = currency.value;
      const info = this.options.currencies.find((c) => c.code === code);
      const parsed = parseMajor(amount.value, code, info.exponent);
      let bad = false;
      if (parsed.error) {
        amountError.textContent = parsed.error;
        bad = true;
      } else if (parsed.minor < info.minimum) {
        amountError.textContent = `The minimum amount is ${formatMoney(info.minimum, code, info.exponent)}.`;
        bad = true;
      } else if (this.options.max_amount && code === this.options.default_currency &&
                 parsed.minor > this.options.max_amount) {
        amountError.textContent = `The maximum amount is ${formatMoney(this.options.max_amount, code, info.exponent)}.`;
        bad = true;
      }
      if (!description.value.trim()) {
        descriptionError.textContent = "Enter a description of what the payment is for.";
        bad = true;
      }
      if (bad) {
        (amountError.textContent ? amount : description).focus();
        return;
      }
      this.busy = true;
      submit.disabled = true;
      submit.textContent = "Requesting\u2026";
      try {
        const created = await this.api.post(
          `/api/v1/calls/${encodeURIComponent(this.callId)}/payment-requests`,
          {amount: parsed.minor, currency: code, description: description.value.trim()});
        this.book.apply(created);
        this.events.emit("request-created", {request: created});
        this.announce(`Payment of ${money(created)} requested.`);
        this.draft = {amount: "", currency: code, description: ""};
        setSessionValue(this.session, "draft", this.draft);
        this.closeForm();
        this.renderList();
      } catch (err) {
        const target = err.field === "description" ? descriptionError
          : err.field === "amount" || err.code === "invalid_amount" ? amountError : formError;
        target.textContent = err.message;
        submit.disabled = false;
        submit.textContent = "Request Payment";
      } finally {
        this.busy = false;
      }
    });
    replace(this.formSlot, form);
    amount.focus();
  }

  openForm() {
    this.formOpen = true;
    setSessionValue(this.session, "formOpen", true);
    this.renderForm();
  }

  closeForm() {
    this.formOpen = false;
    setSessionValue(this.session, "formOpen", false);
    this.renderForm();
  }

  // -- the live list ------------------------------------------------------------------
  renderList() {
    const requests = this.book.list();
    if (!requests.length) {
      replace(this.listEl, h("li", {class: "pg-empty"}, "No payment requests in this call yet."));
      return;
    }
    replace(this.listEl, requests.map((r) => this.item(r)));
  }

  item(r) {
    const [label, tone] = STATUS[r.status] || [r.status, "muted"];
    const detail = r.status === "failed" && r.failure_message
      ? h("p", {class: "pg-item-note pg-bad"},
        `Last attempt failed: ${r.failure_message} The patient can try again.`)
      : r.status === "paid" && r.card_last4
        ? h("p", {class: "pg-item-note"}, `Paid with ${cardLabel(r.card_brand, r.card_last4)}`)
        : null;
    return h("li", {class: "pg-item", dataset: {requestId: r.id, status: r.status}},
      h("div", {class: "pg-item-top"},
        h("span", {class: "pg-item-amount"}, money(r)),
        h("span", {class: `pg-pill pg-pill-${tone}`, "data-testid": "status"}, label)),
      h("p", {class: "pg-item-desc"}, r.description),
      h("p", {class: "pg-item-meta"}, `${r.reference} \u00b7 ${formatTime(r.created_at)}`),
      detail,
      OPEN.has(r.status)
        ? h("button", {type: "button", class: "pg-btn pg-btn-danger-quiet pg-small",
          onclick: (event) => this.cancel(r, event.currentTarget)}, "Cancel request")
        : null);
  }

  async cancel(request, button) {
    button.disabled = true;
    button.textContent = "Cancelling\u2026";
    try {
      const updated = await this.api.post(
        `/api/v1/payment-requests/${encodeURIComponent(request.id)}/cancel`);
      this.changed(this.book.apply(updated));
    } catch (err) {
      button.disabled = false;
      button.textContent = "Cancel request";
      this.flash(err.message);
    }
  }

  flash(message) {
    const note = h("div", {class: "pg-notice pg-notice-error", role: "alert"}, message);
    this.listEl.before(note);
    setTimeout(() => note.remove(), 8000);
  }

  announce(text) { this.liveEl.textContent = text; }

  // -- what the socket says -----------------------------------------------------------
  snapshot(changes) {
    const started = this.session.started_at || "";
    for (const {before, after} of changes) {
      // Paid while this panel was away (e.g. a reload): still worth the pop-up.
      if (after.status === "paid" && !this.dismissed.has(after.id) &&
          (before ? before.status !== "paid" : (after.paid_at || "") >= started)) {
        this.paymentReceived(after);
      }
    }
    this.renderList();
  }

  changed(change) {
    if (!change) return;
    const {before, after} = change;
    this.renderList();
    this.events.emit("request-updated", {request: after});
    if (before && before.status === after.status) return;
    this.announce(`${money(after)} ${after.description}: ${statusLabel(after.status)}.`);
    if (after.status === "paid" && !this.dismissed.has(after.id)) this.paymentReceived(after);
  }

  paymentReceived(r) {
    if (this.alerts.some((a) => a.id === r.id)) return;
    this.alerts.push(r);
    this.events.emit("payment-received", {request: r});
    this.renderDialog();
  }

  renderDialog() {
    const r = this.alerts[0];
    if (!r) { replace(this.dialogSlot); return; }
    const dismiss = h("button", {type: "button", class: "pg-btn pg-btn-primary pg-wide",
      onclick: () => {
        this.dismissed.add(r.id);
        setSessionValue(this.session, "dismissed", [...this.dismissed]);
        this.alerts.shift();
        this.renderDialog();
      }}, "Dismiss");
    replace(this.dialogSlot,
      h("div", {class: "pg-overlay"},
        h("div", {class: "pg-dialog", role: "alertdialog", "aria-modal": "true",
          "aria-labelledby": "pg-received-title", "aria-describedby": "pg-received-body"},
          h("div", {class: "pg-check", "aria-hidden": "true"}, "\u2713"),
          h("h2", {id: "pg-received-title", class: "pg-dialog-title"}, "Payment received"),
          h("dl", {id: "pg-received-body", class: "pg-facts"},
            h("dt", {}, "Amount"), h("dd", {class: "pg-strong"}, money(r)),
            h("dt", {}, "Description"), h("dd", {}, r.description),
            h("dt", {}, "Reference"), h("dd", {class: "pg-mono"}, r.reference),
            r.card_last4 ? [h("dt", {}, "Card"), h("dd", {}, cardLabel(r.card_brand, r.card_last4))]
              : null),
          dismiss)));
    dismiss.focus();
  }
}
