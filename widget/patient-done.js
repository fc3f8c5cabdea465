// The patient's confirmation of a settled request: "Payment successful", or once the clinic
// refunds it "Payment refunded" / "Payment partly refunded" with what went back and when
// (and what is still paid). Redrawn when the socket brings a refund, and after a reload.
import {cardLabel, formatDateTime, h, reference, replace, typed} from "./dom.js";
import {N_, currentLocale, t} from "./i18n.js";
import {amountIn} from "./money.js";
import {receiptButton} from "./receipt-download.js";
import {sessionValue, setSessionValue} from "./session.js";

const TITLES = {paid: N_("Payment successful"), partially_refunded: N_("Payment partly refunded"),
  refunded: N_("Payment refunded")};

const money = (minor, r) => amountIn(minor, r.currency);

// A refunded request changes for nothing else, so its last change is its last refund.
function refundDate(r) {
  return new Intl.DateTimeFormat(currentLocale(), {dateStyle: "long", calendar: "gregory"})
    .format(new Date(r.updated_at));
}

/** "Refunded USD 15.50 on 3 December 2026. USD 30.00 is still paid." (null if not refunded) */
export function refundLine(r) {
  if (!r.amount_refunded || r.status === "paid") return null;
  const line = t("Refunded {amount} on {date}.", {amount: money(r.amount_refunded, r),
    date: refundDate(r)});
  const left = (r.amount_paid ?? r.amount) - r.amount_refunded;
  return left > 0 && r.status === "partially_refunded"
    ? `${line} ${t("{amount} is still paid.", {amount: money(left, r)})}` : line;
}

/** Draw the confirmation of `r` into the patient's view (a PatientView). */
export async function renderDone(view, r) {
  let email = sessionValue(view.session, "receipt:" + r.id, null);
  const refunded = refundLine(r);
  const facts = h("dl", {class: "pg-facts"});
  const fill = () => replace(facts,
    h("dt", {}, t("Amount")), h("dd", {class: "pg-strong"}, money(r.amount_paid ?? r.amount, r)),
    h("dt", {}, t("Paid to")), typed("dd", {}, r.clinic_name),
    h("dt", {}, t("Description")), typed("dd", {}, r.description),
    h("dt", {}, t("Reference")), h("dd", {}, reference(r.reference)),
    r.card_last4 ? [h("dt", {}, t("Card")), h("dd", {}, cardLabel(r.card_brand, r.card_last4))]
      : null,
    h("dt", {}, t("Date")), h("dd", {}, formatDateTime(r.paid_at)),
    email ? [h("dt", {}, t("Receipt sent to")), h("dd", {}, h("bdi", {}, email))] : null);
  fill();
  const title = t(TITLES[r.status] || TITLES.paid);
  replace(view.body, h("section", {class: `pg-card pg-done${refunded ? " pg-refunded" : ""}`,
    role: "status", "aria-label": title},
    h("div", {class: "pg-check", "aria-hidden": "true"}, refunded ? "\u21A9" : "\u2713"),
    h("h2", {class: "pg-title"}, title),
    refunded
      ? [h("p", {class: "pg-strong", "data-testid": "refund-line"}, refunded),
        h("p", {class: "pg-muted"}, t("The money goes back to the card you paid with. Your " +
          "bank may take a few days to show it."))]
      : h("p", {class: "pg-muted"}, t("Thank you. Your payment has been received.")),
    facts,
    receiptButton(view.api, r.id),
    h("button", {type: "button", class: "pg-btn pg-btn-quiet pg-wide", "data-focus-key": "done",
      onclick: () => view.go({name: "home"})}, t("Done"))));
  if (r.status === "paid" && view.announcedPaid !== r.id) {
    view.announcedPaid = r.id;
    view.announce(t("Payment successful: {amount} paid to {clinic}.",
      {amount: money(r.amount_paid ?? r.amount, r), clinic: r.clinic_name}));
    view.events.emit("payment-succeeded", {request: r});
  }
  if (!email) {
    try {
      const detail = await view.api.get(`/api/v1/payment-requests/${encodeURIComponent(r.id)}`);
      if (detail.receipt_email) {
        email = detail.receipt_email;
        setSessionValue(view.session, "receipt:" + r.id, email);
        fill();
      }
    } catch (err) { /* the receipt line is a nicety */ }
  }
}
