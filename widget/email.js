// The widget's first look at an email address, so a slip is caught before a round trip.
// The server decides: paygate/domain/emails.py (email-validator's RFC 5321/5322 rule, no
// quoted local parts, no domain literals). This rule is a subset of that one: whatever it
// refuses the server refuses too (tests/foundation/test_widget_email.py compares them). It
// refuses an address without exactly one @, with a space or one of < > ( ) [ ] : ; , " \
// (none may stand unquoted in an address), or whose domain has no dot. An address it
// lets through may still be refused by the server, whose message the form then shows.

const ADDRESS = /^[^@\s<>()[\]:;,"\\]+@[^@\s<>()[\]:;,"\\]+\.[^@\s<>()[\]:;,"\\]+$/;

/**
 * Whether `text` (already trimmed) may be an email address, by the rule above.
 * @param {string} text
 * @returns {boolean}
 */
export function looksLikeEmail(text) {
  return ADDRESS.test(text);
}
