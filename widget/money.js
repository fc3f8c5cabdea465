// Money as integer minor units. Amounts typed in major units are converted with the
// currency's exponent without ever going through a float.

export function parseMajor(text, currency, exponent) {
  const value = String(text ?? "").trim().replace(/,/g, ".");
  const match = /^(\d{1,12})(?:\.(\d+))?$/.exec(value);
  if (!match) return {error: "Enter the amount as a number, for example 25.00."};
  const [, whole, frac = ""] = match;
  const significant = frac.replace(/0+$/, "");
  if (significant.length > exponent) {
    const places = exponent === 0 ? "no decimals" : `at most ${exponent} decimals`;
    return {error: `${currency.toUpperCase()} amounts take ${places}.`};
  }
  const padded = (significant + "0".repeat(exponent)).slice(0, exponent);
  return {minor: Number(BigInt(whole) * 10n ** BigInt(exponent) + BigInt(padded || "0"))};
}

// "USD 1,234.50", "JPY 500", "KWD 5.250": the same text as receipts and the API.
export function formatMoney(minor, currency, exponent) {
  const negative = minor < 0;
  const digits = String(Math.abs(minor)).padStart(exponent + 1, "0");
  const whole = exponent ? digits.slice(0, -exponent) : digits;
  const frac = exponent ? "." + digits.slice(-exponent) : "";
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${currency.toUpperCase()} ${negative ? "-" : ""}${grouped}${frac}`;
}

// The exponent Stripe uses for a currency (the API's payment-options lists them too).
const ZERO = new Set("bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf".split(" "));
const THREE = new Set("bhd jod kwd omr tnd".split(" "));
export function exponentOf(currency) {
  const code = currency.toLowerCase();
  return ZERO.has(code) ? 0 : THREE.has(code) ? 3 : 2;
}
