// A tiny element builder: h("button", {class: "pg-btn", onclick}, "Pay now").
import {t, tx} from "./i18n.js";
import {amountIn} from "./money.js";

export {formatDateTime, formatTime} from "./i18n.js";

/**
 * An element with attributes (`on*` functions become listeners, `dataset` fills data-*,
 * true is a bare attribute, false/null/undefined none) and children (nested arrays,
 * strings and nodes; null is skipped).
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, any> | null} [attrs]
 * @param {...unknown} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (key.startsWith("on") && typeof value === "function") {
      node.addEventListener(key.slice(2), value);
    } else if (key === "class") {
      node.className = value;
    } else if (key === "dataset") {
      Object.assign(node.dataset, value);
    } else if (value === true) {
      node.setAttribute(key, "");
    } else {
      node.setAttribute(key, String(value));
    }
  }
  append(node, children);
  return node;
}

/** @param {Element} node @param {unknown[]} children */
function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/**
 * Replace `node`'s children with `children` (as h() takes them).
 * @param {Element} node
 * @param {...unknown} children
 */
export function replace(node, ...children) {
  node.replaceChildren();
  append(node, children);
}

/**
 * Text someone typed (a description, a clinic's name) in any script: isolated in a <bdi>
 * so it keeps its own direction while the element stays aligned with the panel.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, any> | null} attrs
 * @param {string | null | undefined} text
 * @returns {HTMLElementTagNameMap[K]}
 */
export function typed(tag, attrs, text) {
  return h(tag, attrs, h("bdi", {}, text));
}

const BRANDS = {visa: "Visa", mastercard: "Mastercard", amex: "American Express",
  discover: "Discover", diners: "Diners Club", jcb: "JCB", unionpay: "UnionPay"};

/**
 * "Visa ending in 4242" as children for h(), the digits isolated for right-to-left text.
 * @param {string | null | undefined} brand
 * @param {string | null | undefined} last4
 * @returns {unknown[] | null} null without a card
 */
export function cardLabel(brand, last4) {
  if (!last4) return null;
  const name = BRANDS[(brand || "").toLowerCase()] || (brand ? brand[0].toUpperCase() +
    brand.slice(1) : t("Card"));
  return tx("{brand} ending in {last4}", {brand: name, last4: h("bdi", {}, last4)});
}

/**
 * "USD 15.50 refunded" under a partly or fully refunded request (null if none is).
 * @param {{amount_refunded: number, currency: string}} request
 * @returns {HTMLElement | null}
 */
export function refundNote(request) {
  if (!request.amount_refunded) return null;
  return h("p", {class: "pg-item-note", "data-testid": "refunded"},
    t("{amount} refunded", {amount: amountIn(request.amount_refunded, request.currency)}));
}

/**
 * A reference such as PAY-7Q2X9K: left to right whatever the page's direction, and never
 * broken at its hyphen.
 * @param {string} text
 * @returns {HTMLElement}
 */
export function reference(text) {
  return h("bdi", {class: "pg-mono pg-ref", dir: "ltr"}, text);
}
