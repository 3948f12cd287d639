/**
 * A linear pre-scan of YAML (and JSON) text for what would take the parser seconds or its stack:
 * it runs before the parser, in one pass over the characters, so that its cost is bounded by the
 * size limit whatever the text holds.
 *
 * The parser's cost grows with its tokens (about 10 µs each, errors several times more: 40 000
 * stray `]` take it seconds), and it recurses once per level of nesting. The scan over-counts on
 * purpose: every line, every word and every bracket or comma outside quoted text is a token; every
 * `- `, `? `, `key:` and flow entry is an entry; each `- ` or `? ` on a line and each bracket is a
 * level. What it lets through is then counted exactly on the parsed document.
 */
import { Diagnostic } from './diagnostic.js';

/** Limits that keep hostile input from exhausting the process (documented in the README). */
export const YAML_LIMITS = {
  /** Alias expansion budget (a "billion laughs" document fails fast). */
  maxAliasCount: 100,
  /** Bytes. */
  maxSize: 5 * 1024 * 1024,
  /** Levels of nested collections (the parser itself overflows its stack at several hundred). */
  maxDepth: 128,
  /** Collection entries (the parser needs about 0.5 s for 10 000; real files have hundreds). */
  maxEntries: 10_000,
  /** Lines, words, brackets and commas: what the parser's work grows with (about 1 s for 100 000). */
  maxTokens: 100_000,
};

export const TOO_DEEP = `nested too deeply (the limit is ${YAML_LIMITS.maxDepth} levels)`;
export const TOO_MANY = `the document has more than ${YAML_LIMITS.maxEntries} entries`;

export interface Excess {
  readonly code: string;
  readonly line: number;
  readonly column: number;
  readonly reason: string;
  readonly hint: string;
}

const SPACE = new Set([' ', '\t', '\r']);
/** Characters that end a word: whitespace and the flow indicators. */
const BREAK = new Set([' ', '\t', '\r', '[', ']', '{', '}', ',']);

export function prescan(text: string): Excess | undefined {
  const depthLimit = YAML_LIMITS.maxDepth * 2;
  const deep = (line: number, column: number): Excess => ({ code: 'PW_SYNTAX', line, column, reason: `the document is ${TOO_DEEP}`, hint: 'flatten the structure' });
  const many = (line: number, column: number): Excess => ({ code: 'PW_TOO_LARGE', line, column, reason: TOO_MANY, hint: 'split it into smaller files' });
  const wordy = (line: number, column: number): Excess => ({
    code: 'PW_TOO_LARGE',
    line,
    column,
    reason: `the document has more than ${YAML_LIMITS.maxTokens} tokens (lines, words, brackets and commas)`,
    hint: 'split it into smaller files; long text belongs in a block scalar (`key: |`) or a quoted string',
  });
  let flow = 0;
  let entries = 0;
  let tokens = 0;
  let line = 1;
  let quote = '';
  let prev = '';
  /** Indentation of the line that opened a block scalar (`key: |`), while inside it; else -1. */
  let scalarIndent = -1;
  for (let lineStart = 0; lineStart < text.length; line += 1) {
    const eol = text.indexOf('\n', lineStart);
    const end = eol < 0 ? text.length : eol;
    tokens += 1;
    if (tokens > YAML_LIMITS.maxTokens) return wordy(line, 1);
    let j = lineStart;
    while (text[j] === ' ') j += 1;
    const indent = j - lineStart;
    const blank = j >= end || text[j] === '\r' || text[j] === '#';
    if (scalarIndent >= 0 && (blank || indent > scalarIndent)) {
      lineStart = end + 1;
      continue;
    }
    scalarIndent = -1;
    let i = lineStart;
    if (!quote && flow === 0 && !blank) {
      // Block indicators: each `- ` or `? ` opens a level (and an entry); `key:` is counted below.
      let column = indent;
      let compact = 0;
      while ((text[j] === '-' || text[j] === '?') && (j + 1 >= end || SPACE.has(text[j + 1] as string))) {
        column += 2;
        compact += 1;
        j += 2;
        while (text[j] === ' ' || text[j] === '\t') j += 1;
      }
      entries += compact;
      tokens += compact;
      if (entries > YAML_LIMITS.maxEntries) return many(line, indent + 1);
      if (tokens > YAML_LIMITS.maxTokens) return wordy(line, indent + 1);
      const key = compact > 0 || /^[^#\s][^\n]*?:(?:\s|$)/.test(text.slice(j, Math.min(end, j + 200)));
      if (column > depthLimit && key) return deep(line, 1);
      i = j;
    }
    prev = '';
    for (; i < end; i += 1) {
      const c = text[i] as string;
      if (quote) {
        if (quote === '"' && c === '\\') i += 1;
        else if (c === quote) {
          if (quote === "'" && text[i + 1] === "'") i += 1;
          else quote = '';
        }
        continue;
      }
      if (c === '#' && (i === lineStart || SPACE.has(text[i - 1] as string))) break;
      const column = i - lineStart + 1;
      // A word starts here: the parser makes at least one token of it.
      if (!BREAK.has(c) && (i === lineStart || BREAK.has(text[i - 1] as string))) {
        tokens += 1;
        if (tokens > YAML_LIMITS.maxTokens) return wordy(line, column);
      }
      if ((c === '"' || c === "'") && (prev === '' || '[{,:-?'.includes(prev))) quote = c;
      else if (c === '[' || c === '{') {
        flow += 1;
        entries += 1;
        tokens += 1;
        if (flow > depthLimit) return deep(line, column);
      } else if (c === ',' || c === ']' || c === '}') {
        tokens += 1;
        if (c === ',' && flow > 0) entries += 1;
        else if (c !== ',' && flow > 0) flow -= 1;
      } else if (c === ':' && flow === 0 && (i + 1 >= end || SPACE.has(text[i + 1] as string))) {
        // A block mapping entry (`key: value`, `: value`): every one, wherever on the line.
        entries += 1;
      }
      if (entries > YAML_LIMITS.maxEntries) return many(line, column);
      if (tokens > YAML_LIMITS.maxTokens) return wordy(line, column);
      if (!SPACE.has(c)) prev = c;
    }
    // `key: |`, `- >-`: the more indented lines that follow are text, not structure.
    if (!quote && flow === 0 && /(?:^|\s)[|>][-+0-9]*\s*(?:#.*)?$/.test(text.slice(lineStart, end))) scalarIndent = indent;
    lineStart = end + 1;
  }
  return undefined;
}

/** A text over the size limit (counted in bytes) is refused before anything reads it. */
export function checkSize(text: string, file: string): void {
  const bytes = Buffer.byteLength(text);
  if (bytes > YAML_LIMITS.maxSize) {
    throw new Diagnostic({ code: 'PW_TOO_LARGE', file, reason: `file is ${bytes} bytes; the limit is ${YAML_LIMITS.maxSize}`, hint: 'split it into smaller files' });
  }
}

/**
 * The same limits on a value that did not come through the YAML reader (a JS or TypeScript config,
 * the `patchwise` key of a package.json): nesting and entries, counted as a copy of it would count
 * them, so that a value that refers to itself is too deep rather than endless. Objects that are not
 * plain data (a policy, a schema, a function) are not looked into.
 */
export function checkValue(value: unknown, file: string): void {
  let entries = 0;
  const stack: [unknown, number, string][] = [[value, 0, '']];
  while (stack.length) {
    const [node, depth, path] = stack.pop() as [unknown, number, string];
    if (!isPlain(node)) continue;
    if (depth >= YAML_LIMITS.maxDepth) {
      throw new Diagnostic({ code: 'PW_SYNTAX', file, path, reason: `the value is ${TOO_DEEP} (or refers to itself)`, hint: 'flatten the structure' });
    }
    for (const [key, item] of Object.entries(node)) {
      entries += 1;
      if (entries > YAML_LIMITS.maxEntries) throw new Diagnostic({ code: 'PW_TOO_LARGE', file, reason: TOO_MANY.replace('document', 'value'), hint: 'split it into smaller files' });
      stack.push([item, depth + 1, Array.isArray(node) ? `${path}[${key}]` : `${path}${path ? '.' : ''}${key}`]);
    }
  }
}

function isPlain(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return Array.isArray(value) || proto === Object.prototype || proto === null;
}
