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

  // The words of this form in the languages the stand-in knows, keyed by the English text.
  // Stripe.js speaks many more (docs.stripe.com/js/appendix/supported_locales); the
  // stand-in has French besides English, and shows English for any other.
  const WORDS = {fr: {
    "TEST MODE": "MODE TEST", "Card number": "Numéro de carte",
    "Expiration date": "Date d'expiration", "Security code": "Code de sécurité",
    "ZIP / Postal code": "Code postal", "MM / YY": "MM / AA",
    "Your card number is incomplete.": "Votre numéro de carte est incomplet.",
    "Your card number is invalid.": "Votre numéro de carte est invalide.",
    "Your card number is incorrect.": "Votre numéro de carte est incorrect.",
    "Your card's expiration date is incomplete.":
      "La date d'expiration de votre carte est incomplète.",
    "Your card's expiration date is invalid.": "La date d'expiration de votre carte est invalide.",
    "Your card's expiration month is invalid.": "Le mois d'expiration de votre carte est invalide.",
    "Your card's expiration year is invalid.": "L'année d'expiration de votre carte est invalide.",
    "Your card's expiration year is in the past.":
      "L'année d'expiration de votre carte est déjà passée.",
    "Your card's security code is incomplete.":
      "Le code de sécurité de votre carte est incomplet.",
    "Your card's security code is invalid.": "Le code de sécurité de votre carte est invalide.",
    "Your postal code is incomplete.": "Votre code postal est incomplet.",
    "Your card was declined.": "Votre carte a été refusée.",
    "Your card has insufficient funds.": "Le solde de votre carte est insuffisant.",
    "Your card has expired.": "Votre carte a expiré.",
    "Your card's security code is incorrect.": "Le code de sécurité de votre carte est incorrect.",
    "An error occurred while processing your card. Try again in a little bit.":
      "Une erreur est survenue lors du traitement de votre carte. Réessayez dans un instant.",
    ["We are unable to authenticate your payment method. Please choose a different payment " +
      "method and try again."]: "Nous ne parvenons pas à authentifier votre moyen de paiement. " +
      "Veuillez choisir un autre moyen de paiement et réessayer.",
    "We could not reach Stripe. Please check your connection and try again.":
      "Impossible de joindre Stripe. Vérifiez votre connexion et réessayez.",
  }};
  // Stripe.js's locales (its documented list): "auto" takes the first of the browser's
  // languages on it, else English (Persian and Bengali are not on it).
  const STRIPE_LOCALES = new Set(("ar bg cs da de el en es et fi fil fr he hr hu id it ja " +
    "ko lt lv ms mt nb nl pl pt ro ru sk sl sv th tr vi zh").split(" "));
  function resolveLocale(given) {
    const wanted = given && given !== "auto" ? [given]
      : (navigator.languages && navigator.languages.length ? navigator.languages
        : [navigator.language || "en"]);
    for (const tag of wanted) {
      const language = String(tag).toLowerCase().split("-")[0];
      if (STRIPE_LOCALES.has(language)) return WORDS[language] ? language : "en";
    }
    return "en";
  }
  const LANG = resolveLocale(query.get("locale"));
  const tr = (text) => (WORDS[LANG] && WORDS[LANG][text]) || text;
  // A Stripe error in this form's language (the API's own words are English).
  const localized = (error) => error && error.message ? {...error, message: tr(error.message)}
    : error;

  document.documentElement.lang = LANG;
  for (const node of document.querySelectorAll("label, .test")) {
    node.textContent = tr(node.textContent);
  }
  for (const input of Object.values(fields)) input.placeholder = tr(input.placeholder);

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
      if (!n) {
        return {code: "incomplete_number", message: tr("Your card number is incomplete.")};
      }
      if (n.length < numberLength(n)) {
        return {code: "incomplete_number", message: tr("Your card number is incomplete.")};
      }
      if (!luhn(n)) return {code: "invalid_number", message: tr("Your card number is invalid.")};
    } else if (name === "expiry") {
      const e = parseExpiry();
      if (!e.complete) {
        return {code: "incomplete_expiry",
          message: tr("Your card's expiration date is incomplete.")};
      }
      if (e.month < 1 || e.month > 12) {
        return {code: "invalid_expiry_month",
          message: tr("Your card's expiration date is invalid.")};
      }
      const now = new Date();
      if (e.year < now.getFullYear() ||
          (e.year === now.getFullYear() && e.month < now.getMonth() + 1)) {
        return {code: "invalid_expiry_year_past",
          message: tr("Your card's expiration year is in the past.")};
      }
    } else if (name === "cvc") {
      const c = digits(fields.cvc.value);
      const want = brandOf(n) === "amex" ? 4 : 3;
      if (c.length < want) {
        return {code: "incomplete_cvc",
          message: tr("Your card's security code is incomplete.")};
      }
    } else if (name === "postal") {
      if (!fields.postal.value.trim()) {
        return {code: "incomplete_zip", message: tr("Your postal code is incomplete.")};
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
        message: tr("We could not reach Stripe. Please check your connection and try again.")}};
    }
    const json = await response.json();
    if (!response.ok) {
      const failed = localized(json.error);
      show(failed);
      return {error: failed};
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
    } else if (data.type === "localize") {
      post({type: "response", requestId: data.requestId, result: localized(data.error)});
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
  if (document.documentElement.hasAttribute("data-loaderror")) {
    // The sandbox's loaderror test mode: this form "failed to load", as a blocked network
    // or a wrong account makes Stripe's fail.
    document.body.replaceChildren();
    post({type: "loaderror", error: localized({type: "api_connection_error",
      message: "We could not reach Stripe. Please check your connection and try again."})});
  } else {
    post({type: "ready"});
  }
})();
