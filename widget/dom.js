// A tiny element builder: h("button", {class: "pg-btn", onclick}, "Pay now").
import {t, tx} from "./i18n.js";

export {formatDateTime, formatTime} from "./i18n.js";

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

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replace(node, ...children) {
  node.replaceChildren();
  append(node, children);
}

// Text someone typed (a description, a clinic's name) in any script: isolated in a <bdi>
// so it keeps its own direction while the element stays aligned with the panel.
export function typed(tag, attrs, text) {
  return h(tag, attrs, h("bdi", {}, text));
}

const BRANDS = {visa: "Visa", mastercard: "Mastercard", amex: "American Express",
  discover: "Discover", diners: "Diners Club", jcb: "JCB", unionpay: "UnionPay"};

// "Visa ending in 4242" as children for h(), the digits isolated for right-to-left text.
export function cardLabel(brand, last4) {
  if (!last4) return null;
  const name = BRANDS[(brand || "").toLowerCase()] || (brand ? brand[0].toUpperCase() +
    brand.slice(1) : t("Card"));
  return tx("{brand} ending in {last4}", {brand: name, last4: h("bdi", {}, last4)});
}

// A reference such as PAY-7Q2X9K: left to right whatever the page's direction, and never
// broken at its hyphen.
export function reference(text) {
  return h("bdi", {class: "pg-mono pg-ref", dir: "ltr"}, text);
}
