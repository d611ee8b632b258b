/**
 * Small helpers to write dashboard SQL as readable template literals.
 * Grafana's `${var}` syntax clashes with JavaScript's, so variables are
 * written through `variable()` / `inVariable()` instead of by hand.
 */

/** `${name:format}`: a Grafana template variable reference. */
export function variable(name: string, format = 'singlequote'): string {
  return `\${${name}:${format}}`;
}

/** `column IN (${name:singlequote})`: the filter of a (multi-value) variable. */
export function inVariable(column: string, name: string): string {
  return `${column} IN (${variable(name)})`;
}

/**
 * Tagged template for SQL: interpolates, then removes the common leading
 * indentation and surrounding blank lines, so the query reads the same in
 * the .ts file and in Grafana's editor.
 */
export function sql(strings: TemplateStringsArray, ...values: Array<string | number>): string {
  const text = strings.reduce((acc, s, i) => acc + s + (i < values.length ? String(values[i]) : ''), '');
  const lines = text.replace(/^\s*\n/, '').replace(/\s+$/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n');
}
