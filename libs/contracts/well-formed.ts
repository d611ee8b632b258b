/**
 * Strings in events must be valid Unicode. JSON can spell a lone UTF-16
 * surrogate as an escape (`"\ud800"`) in bytes that are perfectly valid
 * UTF-8, JSON.parse accepts it, and ClickHouse then refuses the whole insert
 * ("Cannot parse escape sequence: missing second part of surrogate pair"):
 * one such event would stall a consumer's batch retries forever. So the
 * boundary refuses them like any other contract violation.
 */

/** A high surrogate without a low one after it, or a low one without a high one before it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** A JSON `\u` escape in D800–DFFF. Text decoded from valid UTF-8 holds no raw surrogates, so only these can produce one. */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/** Cheap pre-check on JSON text: false means no string in it can hold a lone surrogate. */
export function mayHoldLoneSurrogate(jsonText: string): boolean {
  return jsonText.includes('\\u') && SURROGATE_ESCAPE.test(jsonText);
}

/** True when `text` holds a lone surrogate (what ES2024's `!isWellFormed()` answers). */
export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}

/**
 * The dotted path of the first key or string value in `value` holding a lone
 * surrogate, `(root)` for the value itself, or undefined when there is none.
 * A bad key is shown JSON-escaped, so the path itself is valid Unicode.
 * Iterative: nesting depth cannot overflow the stack.
 */
export function loneSurrogatePath(value: unknown): string | undefined {
  const stack: Array<{ value: unknown; path: string[] }> = [{ value, path: [] }];
  const show = (path: string[]) => (path.length === 0 ? '(root)' : path.join('.'));
  while (stack.length > 0) {
    const { value: v, path } = stack.pop()!;
    if (typeof v === 'string') {
      if (hasLoneSurrogate(v)) return show(path);
    } else if (typeof v === 'object' && v !== null) {
      for (const [key, child] of Object.entries(v)) {
        if (hasLoneSurrogate(key)) return show([...path, JSON.stringify(key)]);
        stack.push({ value: child, path: [...path, key] });
      }
    }
  }
  return undefined;
}
