/**
 * Escaping for the two places user text reaches the HTML report: element
 * content / attribute values, and the JSON data island.
 */

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text safe inside element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/**
 * JSON safe inside `<script type="application/json">`: `<`, `>` and `&` are
 * written as \u escapes, so no `</script>` or `<!--` can end or change the
 * element whatever the strings hold, and U+2028/U+2029 are escaped too.
 * `JSON.parse(element.textContent)` gives the value back unchanged.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Library code inlined in a `<script>` element must not contain `</script`
 * (it would end the element early); refuses such code rather than emit a
 * broken page.
 */
export function assertInlineable(code: string, what: string, element: 'script' | 'style'): string {
  if (new RegExp(`</${element}`, 'i').test(code)) throw new Error(`${what} contains '</${element}' and cannot be inlined`);
  return code;
}
