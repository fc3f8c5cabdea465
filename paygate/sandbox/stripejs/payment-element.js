// Card fields of the sandbox's Payment Element. Runs on the sandbox's origin inside an
// iframe; the host page talks to it only through postMessage and never sees card data.
(function () {
  "use strict";

  const query = new URLSearchParams(window.location.search);
  const ID = query.get("id");
  const HOST = query.get("origin");
  const KEY = query.get("key");
  const ACCOUNT = query.get("account");
  const $ = (id) => document.getElementById(id);
  const fields = {number: $("number"), expiry: $("expiry"), cvc: $("cvc"), postal: $("postal")};
  const errorBox = $("error");
  const touched = new Set();

  try {
    const appearance = JSON.parse(decodeURIComponent(window.location.hash.slice(1)) || "{}");
    const vars = appearance.variables || {};
    const root = document.documentElement.style;
    if (vars.colorPrimary) root.setProperty("--primary", vars.colorPrimary);
    if (vars.colorText) root.setProperty("--text", vars.colorText);
    if (vars.colorDanger) root.setProperty("--danger", vars.colorDanger);
    if (vars.colorBackground) root.setProperty("--bg", vars.colorBackground);
    if (vars.borderRadius) root.setProperty("--radius", vars.borderRadius);
    if (vars.fontFamily) root.setProperty("--font", vars.fontFamily);
  } catch (err) { /* appearance is cosmetic */ }

  function post(message) {
    window.parent.postMessage({...message, id: ID}, HOST);
  }

  const digits = (s) => s.replace(/\D/g, "");
  const brandOf = (n) => n.startsWith("4") ? "visa" : /^3[47]/.test(n) ? "amex"
    : /^(5[1-5]|2[2-7])/.test(n) ? "mastercard" : /^6(011|5)/.test(n) ? "discover" : "unknown";

  function luhn(n) {
    let sum = 0;
    for (let i = 0; i < n.length; i++) {
      let d = Number(n[n.length - 1 - i]);
      if (i % 2) { d *= 2; if (d > 9) d -= 9; }
      sum += d;
    }
    return sum % 10 === 0;
  }

  function numberLength(n) { return brandOf(n) === "amex" ? 15 : 16; }

  function parseExpiry() {
    const d = digits(fields.expiry.value);
    return {month: Number(d.slice(0, 2)), year: 2000 + Number(d.slice(2, 4)), complete: d.length >= 4};
  }

  // Stripe.js's own wording and codes for client-side validation errors.
  function check(name) {
    const n = digits(fields.number.value);
    if (name === "number") {
      if (!n) return {code: "incomplete_number", message: "Your card number is incomplete."};
      if (n.length < numberLength(n)) {
        return {code: "incomplete_number", message: "Your card number is incomplete."};
      }
      if (!luhn(n)) return {code: "invalid_number", message: "Your card number is invalid."};
    } else if (name === "expiry") {
      const e = parseExpiry();
      if (!e.complete) {
        return {code: "incomplete_expiry", message: "Your card's expiration date is incomplete."};
      }
      if (e.month < 1 || e.month > 12) {
        return {code: "invalid_expiry_month",
          message: "Your card's expiration date is invalid."};
      }
      const now = new Date();
      if (e.year < now.getFullYear() ||
          (e.year === now.getFullYear() && e.month < now.getMonth() + 1)) {
        return {code: "invalid_expiry_year_past",
          message: "Your card's expiration year is in the past."};
      }
    } else if (name === "cvc") {
      const c = digits(fields.cvc.value);
      const want = brandOf(n) === "amex" ? 4 : 3;
      if (c.length < want) {
        return {code: "incomplete_cvc", message: "Your card's security code is incomplete."};
      }
    } else if (name === "postal") {
      if (!fields.postal.value.trim()) {
        return {code: "incomplete_zip", message: "Your postal code is incomplete."};
      }
    }
    return null;
  }

  function firstError(all) {
    for (const name of Object.keys(fields)) {
      if (!all && !touched.has(name)) continue;
      const err = check(name);
      fields[name].setAttribute("aria-invalid", err && (all || touched.has(name)) ? "true" : "false");
      if (err) return err;
    }
    return null;
  }

  function show(err) {
    errorBox.textContent = err ? err.message : "";
  }

  function emitChange() {
    const empty = Object.values(fields).every((f) => !f.value.trim());
    const complete = Object.keys(fields).every((name) => !check(name));
    const err = firstError(false);
    show(err);
    const message = {type: "change", complete, empty};
    if (err) message.error = {type: "validation_error", code: err.code, message: err.message};
    post(message);
  }

  fields.number.addEventListener("input", () => {
    const n = digits(fields.number.value).slice(0, 19);
    const groups = brandOf(n) === "amex" ? [4, 6, 5] : [4, 4, 4, 4, 3];
    const parts = [];
    let i = 0;
    for (const g of groups) { if (i < n.length) parts.push(n.slice(i, i + g)); i += g; }
    fields.number.value = parts.join(" ");
    if (n.length >= numberLength(n)) touched.add("number");
  });
  fields.expiry.addEventListener("input", (event) => {
    let d = digits(fields.expiry.value).slice(0, 4);
    if (d.length === 1 && d > "1") d = "0" + d;
    const deleting = event.inputType && event.inputType.startsWith("delete");
    fields.expiry.value = d.length > 2 || (d.length === 2 && !deleting)
      ? `${d.slice(0, 2)} / ${d.slice(2)}` : d;
    if (d.length === 4) touched.add("expiry");
  });
  fields.cvc.addEventListener("input", () => {
    fields.cvc.value = digits(fields.cvc.value).slice(0, 4);
  });
  for (const [name, input] of Object.entries(fields)) {
    input.addEventListener("input", emitChange);
    input.addEventListener("blur", () => {
      if (input.value.trim()) touched.add(name);
      emitChange();
      post({type: "blur"});
    });
    input.addEventListener("focus", () => post({type: "focus"}));
  }

  async function createPaymentMethod(billing) {
    const err = firstError(true);
    if (err) {
      show(err);
      return {error: {type: "validation_error", code: err.code, message: err.message}};
    }
    const e = parseExpiry();
    const body = new URLSearchParams({
      type: "card", "card[number]": digits(fields.number.value), "card[cvc]": digits(fields.cvc.value),
      "card[exp_month]": String(e.month), "card[exp_year]": String(e.year),
      "billing_details[address][postal_code]": fields.postal.value.trim(), key: KEY,
    });
    if (ACCOUNT) body.set("_stripe_account", ACCOUNT);
    const add = (prefix, value) => {
      if (value === null || value === undefined) return;
      if (typeof value === "object") {
        for (const [k, v] of Object.entries(value)) add(`${prefix}[${k}]`, v);
      } else if (!body.has(prefix)) {
        body.set(prefix, String(value));
      }
    };
    add("billing_details", billing);
    let response;
    try {
      response = await fetch("/v1/payment_methods", {method: "POST", body});
    } catch (error) {
      return {error: {type: "api_connection_error",
        message: "We could not reach Stripe. Please check your connection and try again."}};
    }
    const json = await response.json();
    if (!response.ok) {
      show(json.error);
      return {error: json.error};
    }
    return {paymentMethod: json.id};
  }

  window.addEventListener("message", async (event) => {
    if (event.origin !== HOST || event.source !== window.parent) return;
    const data = event.data || {};
    if (data.id !== ID) return;
    if (data.type === "createPaymentMethod") {
      post({type: "response", requestId: data.requestId,
        result: await createPaymentMethod(data.billing_details)});
    } else if (data.type === "validate") {
      const err = firstError(true);
      show(err);
      post({type: "response", requestId: data.requestId, result: err
        ? {error: {type: "validation_error", code: err.code, message: err.message}} : {}});
    } else if (data.type === "focus") {
      fields.number.focus();
    } else if (data.type === "blur") {
      document.activeElement && document.activeElement.blur();
    } else if (data.type === "clear") {
      for (const input of Object.values(fields)) input.value = "";
      touched.clear();
      emitChange();
    }
  });

  new ResizeObserver(() => post({type: "resize", height: document.body.scrollHeight + 4}))
    .observe(document.body);
  post({type: "ready"});
})();
