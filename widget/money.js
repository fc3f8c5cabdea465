// Money as integer minor units. Amounts typed in major units are converted with the
// currency's exponent without ever going through a float.
import {currentLocale, formatMoney, t} from "./i18n.js";

export {formatMoney};

// Persian, Arabic-Indic and Bengali digits, and the Arabic decimal separator, as typed on
// those keyboards.
/** @type {Record<string, number>} */
const DIGITS = {"۰": 0, "٠": 0, "০": 0};
for (const zeroChar of ["۰", "٠", "০"]) {
  for (let i = 1; i < 10; i += 1) DIGITS[String.fromCharCode(zeroChar.charCodeAt(0) + i)] = i;
}

/** @param {string} text */
function asciiDigits(text) {
  return text.replace(/[۰-۹٠-٩০-৯]/g, (c) => String(DIGITS[c])).replace(/[٫,]/g, ".");
}

/**
 * An amount typed in major units ("25.00", "۲۵٫۵") as integer minor units.
 * @param {unknown} text what was typed
 * @param {string} currency ISO 4217 code (for the error message)
 * @param {number} exponent the currency's decimals
 * @returns {{minor: number, error?: undefined} | {error: string, minor?: undefined}}
 */
export function parseMajor(text, currency, exponent) {
  const value = asciiDigits(String(text ?? "").trim());
  const match = /^(\d{1,12})(?:\.(\d+))?$/.exec(value);
  if (!match) return {error: t("Enter the amount as a number, for example 25.00.")};
  const [, whole, frac = ""] = match;
  const significant = frac.replace(/0+$/, "");
  if (significant.length > exponent) {
    return {error: exponent === 0
      ? t("{currency} amounts take no decimals.", {currency: currency.toUpperCase()})
      : t("{currency} amounts take at most {places} decimals.",
        {currency: currency.toUpperCase(),
          places: new Intl.NumberFormat(currentLocale()).format(exponent)})};
  }
  const padded = (significant + "0".repeat(exponent)).slice(0, exponent);
  return {minor: Number(BigInt(whole) * 10n ** BigInt(exponent) + BigInt(padded || "0"))};
}

// The exponent Stripe uses for a currency (the API's payment-options lists them too).
const ZERO = new Set("bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf".split(" "));
const THREE = new Set("bhd jod kwd omr tnd".split(" "));
/**
 * @param {string} currency ISO 4217 code, any case
 * @returns {number} its decimals: 0 (JPY), 3 (KWD) or 2
 */
export function exponentOf(currency) {
  const code = currency.toLowerCase();
  return ZERO.has(code) ? 0 : THREE.has(code) ? 3 : 2;
}

/**
 * `minor` units of `currency` as the locale writes them ("$15.50").
 * @param {number} minor integer minor units
 * @param {string} currency ISO 4217 code
 * @returns {string}
 */
export function amountIn(minor, currency) {
  return formatMoney(minor, currency, exponentOf(currency));
}

/**
 * A payment request's amount as the locale writes it ("$45.50"): what was charged once
 * paid (`amount_paid`), else what is asked or held.
 * @param {{amount: number, currency: string, amount_paid?: number | null}} request
 * @returns {string}
 */
export function money(request) {
  // What was charged, once paid: a hold charged in part shows what it was charged.
  const minor = request.amount_paid ?? request.amount;
  return amountIn(minor, request.currency);
}
