// "Download receipt (PDF)" on the patient's confirmation (in the call and on a pay link's
// page): the receipt is fetched with the session's token (a plain link could not carry
// it) and saved under the name the server gives it, in the widget's language.
import {h} from "./dom.js";
import {currentLocale, t} from "./i18n.js";

/**
 * The receipt PDF of a paid request, as a Blob and its file name.
 * @param {import("./api.js").Api} api
 * @param {string} id the payment request's id
 * @returns {Promise<{blob: Blob, filename: string}>}
 */
export async function fetchReceipt(api, id) {
  const path = `/api/v1/payment-requests/${encodeURIComponent(id)}/receipt.pdf` +
    `?locale=${encodeURIComponent(currentLocale())}`;
  const response = await fetch(api.base + path, {credentials: "omit",
    headers: api.token ? {"Authorization": `Bearer ${api.token}`} : {}});
  if (!response.ok) throw new Error(`receipt ${response.status}`);
  const named = /filename="([^"]+)"/.exec(response.headers.get("content-disposition") || "");
  return {blob: await response.blob(), filename: named ? named[1] : "receipt.pdf"};
}

/**
 * The button; a failure says so beside it (role=alert) and the patient can try again.
 * @param {import("./api.js").Api} api
 * @param {string} id
 * @returns {HTMLElement}
 */
export function receiptButton(api, id) {
  const problem = h("p", {class: "pg-notice pg-notice-warn", role: "alert", hidden: ""});
  const button = /** @type {HTMLButtonElement} */ (h("button", {type: "button",
    class: "pg-btn pg-btn-quiet pg-wide", "data-testid": "download-receipt"},
  t("Download receipt (PDF)")));
  button.addEventListener("click", async () => {
    button.disabled = true;
    problem.hidden = true;
    try {
      const {blob, filename} = await fetchReceipt(api, id);
      const url = URL.createObjectURL(blob);
      const link = /** @type {HTMLAnchorElement} */ (h("a", {href: url, download: filename}));
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (err) {
      problem.textContent = t("The receipt could not be downloaded. Please try again.");
      problem.hidden = false;
    } finally {
      button.disabled = false;
    }
  });
  return h("div", {class: "pg-receipt"}, button, problem);
}
