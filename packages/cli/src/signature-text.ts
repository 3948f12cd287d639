/**
 * `sign` edits the manifest's text, not a re-serialised copy: the signature is added as one line
 * of its own (or its value replaced), and every other byte (comments, key order, number
 * spellings, JSON indentation) stays as written. Positions come from the `yaml` library's parse
 * of the same text (JSON is YAML), so the edit lands exactly on the top-level map's items.
 */
import { isMap, isScalar, parseDocument, type Node } from 'yaml';
import { Diagnostic } from '@patchwise/diagnostics';

const cannot = (file: string, why: string) =>
  new Diagnostic({ code: 'PW_SIGN', file, reason: `cannot place the signature: ${why}; nothing was written`, hint: 'write the manifest as one mapping (YAML or JSON)' });

/** `text` with its top-level `signature` set to `signature`, all else unchanged. */
export function withSignature(text: string, signature: string, file: string): string {
  const doc = parseDocument(text);
  const map = doc.contents;
  if (!isMap(map)) throw cannot(file, 'the document is not a mapping');
  // A JSON string is a valid YAML double-quoted scalar: one spelling for both.
  const value = JSON.stringify(signature);
  const existing = map.items.find((pair) => isScalar(pair.key) && pair.key.value === 'signature');
  if (existing) {
    const range = (existing.value as Node | null)?.range;
    if (!range) throw cannot(file, 'its `signature` key has no value');
    return `${text.slice(0, range[0])}${value}${text.slice(range[1])}`;
  }
  const first = (map.items[0]?.key as Node | undefined)?.range ?? undefined;
  const quoteKeys = file.endsWith('.json') || (first !== undefined && text[first[0]] === '"');
  const entry = `${quoteKeys ? '"signature"' : 'signature'}: ${value}`;
  if (!first) {
    // An empty flow mapping: `{}` becomes `{"signature": "..."}`.
    const open = map.range?.[0] ?? -1;
    if (!map.flow || text[open] !== '{') throw cannot(file, 'the mapping has no place for a key');
    return `${text.slice(0, open + 1)}${entry}${text.slice(open + 1)}`;
  }
  const at = first[0];
  const lineStart = text.lastIndexOf('\n', at - 1) + 1;
  const indent = text.slice(lineStart, at);
  // The first key starts its own line: the signature becomes a new line above it.
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  if (/^[ \t]*$/.test(indent)) return `${text.slice(0, lineStart)}${indent}${entry}${map.flow ? ',' : ''}${eol}${text.slice(lineStart)}`;
  if (!map.flow) throw cannot(file, 'the first key does not start its line');
  return `${text.slice(0, at)}${entry}, ${text.slice(at)}`;
}
