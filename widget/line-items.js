// Request Payment's optional receipt details: the date of service and line items (an item
// number such as a Medicare item, a short description, an amount, GST-free or taxable),
// which must add up to the amount. They stay in paygate: they go on the patient's receipt,
// never to Stripe.
import {h, replace} from "./dom.js";
import {t} from "./i18n.js";
import {formatMoney, parseMajor} from "./money.js";

/**
 * Today's date in the clinician's own time zone, as an ISO date (YYYY-MM-DD).
 * @returns {string}
 */
export function today() {
  const now = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** The receipt details part of the request form. */
export class LineItems {
  /**
   * @param {{items?: Array<{code: string, description: string, amount: string,
   *   gst: string}>, service_date?: string, open?: boolean, [other: string]: any}} draft
   *   the form's draft, with what was typed here so far
   * @param {() => void} changed called after every edit (to keep the draft)
   */
  constructor(draft, changed) {
    this.rows = (draft.items || []).map((item) => ({...item}));
    this.serviceDate = draft.service_date || today();
    this.open = Boolean(draft.open || this.rows.length);
    this.changed = changed;
    this.error = h("p", {id: "pg-items-error", class: "pg-field-error", role: "alert"});
    this.el = h("div", {class: "pg-items"});
    this.render();
  }

  /** What the draft keeps. */
  draft() {
    return {items: this.rows.map((row) => ({...row})), service_date: this.serviceDate,
      open: this.open};
  }

  render({focusLast = false} = {}) {
    if (!this.open) {
      replace(this.el, h("button", {type: "button", class: "pg-btn pg-btn-quiet",
        "aria-expanded": "false", onclick: () => {
          this.open = true;
          if (!this.rows.length) this.rows.push(blank());
          this.render({focusLast: true});
          this.changed();
        }}, t("Add receipt details (item numbers, date of service)")));
      return;
    }
    const date = h("input", {id: "pg-service-date", type: "date", class: "pg-input",
      value: this.serviceDate, max: today(), dir: "ltr"});
    date.addEventListener("input", () => { this.serviceDate = date.value; this.changed(); });
    const lines = this.rows.map((row, index) => this.line(row, index));
    replace(this.el,
      h("fieldset", {class: "pg-items-set", "aria-describedby": "pg-items-hint pg-items-error"},
        h("legend", {class: "pg-label"}, t("Receipt details")),
        h("label", {for: "pg-service-date", class: "pg-label"}, t("Date of service")), date,
        h("ol", {class: "pg-items-lines"}, lines),
        h("p", {id: "pg-items-hint", class: "pg-hint"}, t("The lines must add up to the " +
          "amount. They appear on the patient's receipt and are never sent to Stripe.")),
        this.error,
        h("button", {type: "button", class: "pg-btn pg-btn-quiet", onclick: () => {
          this.rows.push(blank());
          this.render({focusLast: true});
          this.changed();
        }}, t("Add a line"))));
    if (focusLast) {
      /** @type {HTMLInputElement | null} */ (
        this.el.querySelector(".pg-items-lines li:last-child input"))?.focus();
    }
  }

  line(row, index) {
    const n = index + 1;
    const field = (name, label, attrs) => {
      const input = h("input", {id: `pg-item-${n}-${name}`, class: "pg-input", value: row[name],
        ...attrs});
      input.addEventListener("input", () => {
        row[name] = input.value;
        this.error.textContent = "";
        this.changed();
      });
      return [h("label", {for: input.id, class: "pg-label"}, label), input];
    };
    const gst = h("select", {id: `pg-item-${n}-gst`, class: "pg-input"},
      h("option", {value: "free", selected: row.gst !== "taxable"}, t("GST-free")),
      h("option", {value: "taxable", selected: row.gst === "taxable"}, t("Taxable (incl. GST)")));
    gst.addEventListener("change", () => { row.gst = gst.value; this.changed(); });
    return h("li", {class: "pg-item-line", "aria-label": t("Line {n}", {n})},
      ...field("code", t("Item number (optional)"), {maxlength: 16, dir: "ltr",
        autocomplete: "off"}),
      ...field("description", t("Line description"), {maxlength: 200, dir: "auto"}),
      ...field("amount", t("Line amount"), {inputmode: "decimal", dir: "ltr",
        autocomplete: "off"}),
      h("label", {for: gst.id, class: "pg-label"}, t("GST")), gst,
      h("button", {type: "button", class: "pg-btn pg-btn-quiet",
        "aria-label": t("Remove line {n}", {n}), onclick: () => {
          this.rows.splice(index, 1);
          if (!this.rows.length) this.open = false;
          this.render();
          this.changed();
        }}, t("Remove")));
  }

  /**
   * The request body's `items` and `service_date`, or an error shown under the lines.
   * @param {number} total the amount in minor units
   * @param {{code: string, exponent: number}} currency
   * @returns {{items?: Array<object>, service_date?: string, error?: string}}
   */
  body(total, currency) {
    this.error.textContent = "";
    if (!this.open) return {};
    const filled = this.rows.filter((r) => r.description.trim() || r.amount.trim() ||
      r.code.trim());
    if (!filled.length) return {service_date: this.serviceDate || undefined};
    const items = [];
    let sum = 0;
    for (const [index, row] of filled.entries()) {
      const parsed = parseMajor(row.amount, currency.code, currency.exponent);
      if (!row.description.trim() || !row.amount.trim() || parsed.error) {
        return this.fail(t("Line {n} needs a description and an amount.", {n: index + 1}));
      }
      sum += parsed.minor;
      items.push({code: row.code.trim() || undefined, description: row.description.trim(),
        amount: parsed.minor, gst: row.gst === "taxable" ? "taxable" : "free"});
    }
    if (sum !== total) {
      const money = (minor) => formatMoney(minor, currency.code, currency.exponent);
      return this.fail(t("The lines add up to {sum}, not the amount of {amount}.",
        {sum: money(sum), amount: money(total)}));
    }
    return {items, service_date: this.serviceDate || undefined};
  }

  /** Shows a message from the server (422 on items or service_date). */
  show(message) {
    if (!this.open) {
      this.open = true;
      this.render();
    }
    this.error.textContent = message;
  }

  fail(message) {
    this.error.textContent = message;
    return {error: message};
  }
}

function blank() {
  return {code: "", description: "", amount: "", gst: "free"};
}
