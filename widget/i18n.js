// The widget's words and formats in one locale. The server picks the locale (the launch
// token's, else the browser's languages, else English) and sends the `widget` catalog;
// amounts reach Intl as exact decimal strings built from integer minor units, never floats.

/**
 * A locale's catalog as GET /widget/i18n/{tag}.json sends it (paygate/web/widget.py).
 * @typedef {object} Catalog
 * @property {string} locale
 * @property {"ltr" | "rtl"} dir
 * @property {string} stripe_locale
 * @property {"symbol" | "narrowSymbol" | "code" | "name"} currency_display
 * @property {Record<string, string>} [messages]
 */

/**
 * @type {{locale: string, dir: string, stripeLocale: string,
 *   currencyDisplay: Catalog["currency_display"], messages: Record<string, string>}}
 */
const state = {locale: "en", dir: "ltr", stripeLocale: "en", currencyDisplay: "symbol",
  messages: {}};

/**
 * Marks a string for the catalog without translating it yet (tables built at import time).
 * @param {string} text
 * @returns {string}
 */
export const N_ = (text) => text;

/**
 * `text` in the current locale, with {name} parameters filled in.
 * @param {string} text the English message, the catalog's key
 * @param {Record<string, unknown>} [params]
 * @returns {string}
 */
export function t(text, params) {
  const template = state.messages[text] || text;
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name) =>
    Object.hasOwn(params, name) ? String(params[name]) : whole);
}

/**
 * t() for element content: parameters that are DOM nodes (e.g. <bdi> around a reference)
 * stay nodes.
 * @param {string} text
 * @param {Record<string, unknown>} params
 * @returns {unknown[]} children for h()
 */
export function tx(text, params) {
  const template = state.messages[text] || text;
  return template.split(/(\{\w+\})/).filter(Boolean).map((part) => {
    const name = /^\{(\w+)\}$/.exec(part)?.[1];
    return name && Object.hasOwn(params, name) ? params[name] : part;
  });
}

/**
 * Fetch and use the catalog for `wanted` (a locale tag), else the browser's languages.
 * @param {string} base paygate's origin
 * @param {string | null} [wanted]
 */
export async function loadLocale(base, wanted = null) {
  const tag = wanted ? encodeURIComponent(wanted) : "auto";
  try {
    const response = await fetch(`${base}/widget/i18n/${tag}.json`,
      {credentials: "omit", headers: {Accept: "application/json"}});
    if (response.ok) setLocale(await response.json());
  } catch (err) { /* unreachable: the panel stays in English */ }
  return state;
}

/** @param {Catalog} catalog the locale to use from now on */
export function setLocale({locale, dir, stripe_locale: stripeLocale, currency_display: display,
                           messages}) {
  Object.assign(state, {locale, dir, stripeLocale, currencyDisplay: display,
    messages: messages || {}});
}

/** @returns {string} the locale in use ("fr") */
export function currentLocale() { return state.locale; }
/** @returns {string} its direction, "ltr" or "rtl" */
export function currentDir() { return state.dir; }
/** @returns {string} what to pass to Stripe.js as `locale` */
export function stripeLocale() { return state.stripeLocale; }

/**
 * 4550, 2 -> "45.50"; 500, 0 -> "500". Integer arithmetic on digits only.
 * @param {number} minor integer minor units
 * @param {number} exponent the currency's decimals
 * @returns {`${number}`} exact, for Intl.NumberFormat
 */
export function decimalString(minor, exponent) {
  const negative = minor < 0;
  const digits = String(Math.abs(minor)).padStart(exponent + 1, "0");
  const whole = exponent ? digits.slice(0, -exponent) : digits;
  return /** @type {`${number}`} */ (
    (negative ? "-" : "") + whole + (exponent ? "." + digits.slice(-exponent) : ""));
}

/**
 * An amount as the locale writes it, with the currency's own exponent for the decimals:
 * "$45.50", "A$45.50", "SGD 45.50" in English (CLDR's plain `en` symbols, the form
 * paygate.i18n.format_money gives emails and pages too), "45,50 $US" in French.
 * @param {number} minor integer minor units
 * @param {string} currency ISO 4217 code
 * @param {number} exponent paygate's (Stripe's) decimals for the currency
 * @returns {string}
 */
export function formatMoney(minor, currency, exponent) {
  return new Intl.NumberFormat(state.locale, {style: "currency", currency: currency.toUpperCase(),
    currencyDisplay: state.currencyDisplay, minimumFractionDigits: exponent,
    maximumFractionDigits: exponent}).format(decimalString(minor, exponent));
}

/**
 * The amount field's placeholder: "0.00", "0,00", "۰٫۰۰", "০.০০".
 * @param {number} exponent
 * @returns {string}
 */
export function zero(exponent) {
  return new Intl.NumberFormat(state.locale, {minimumFractionDigits: exponent,
    maximumFractionDigits: exponent, useGrouping: false}).format("0");
}

/**
 * A date and time as the locale writes it, in the Gregorian calendar everywhere, like the
 * emailed receipt and Stripe's records.
 * @param {string | null | undefined} iso ISO 8601
 * @returns {string} "" for none
 */
export function formatDateTime(iso) {
  if (!iso) return "";
  return new Intl.DateTimeFormat(state.locale, {dateStyle: "long", timeStyle: "short",
    calendar: "gregory"}).format(new Date(iso));
}

/**
 * @param {string | null | undefined} iso ISO 8601
 * @returns {string} the hour and minute, "" for none
 */
export function formatTime(iso) {
  if (!iso) return "";
  return new Intl.DateTimeFormat(state.locale, {hour: "2-digit", minute: "2-digit"})
    .format(new Date(iso));
}
