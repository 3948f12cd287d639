/**
 * Putting untrusted text into the page. Patch names, messages and log lines come from manifests,
 * plugins and the kernel: none of it may become markup or end a script element.
 */

const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for an HTML element or a quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML[c] as string);
}

/**
 * JSON that can sit inside `<script type="application/json">`: `<`, `>` and `&` as `\u` escapes, so
 * no `</script>` or `<!--` can appear; U+2028/2029 too, for old parsers. `JSON.parse` reads it back
 * unchanged.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
