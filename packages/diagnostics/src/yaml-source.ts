/**
 * Parsing YAML (and JSON, a subset) so that every value can be traced back to its line and column.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Pair } from 'yaml';
import { Diagnostic } from './diagnostic.js';

/** A path inside a document: keys and indexes. */
export type DocPath = readonly (string | number)[];

/** `ops[3].load_lp.name`. */
export function formatPath(path: DocPath): string {
  return path.reduce<string>((text, part) => {
    if (typeof part === 'number') return `${text}[${part}]`;
    return /^[A-Za-z_$][\w$-]*$/.test(part) ? `${text}${text ? '.' : ''}${part}` : `${text}[${JSON.stringify(part)}]`;
  }, '');
}

/** Limits that keep hostile input from exhausting the process. */
export const YAML_LIMITS = {
  /** Alias expansion budget (a "billion laughs" document fails fast). */
  maxAliasCount: 100,
  /** Bytes. */
  maxSize: 5 * 1024 * 1024,
  /** Levels of nested collections (the parser itself overflows its stack at several hundred). */
  maxDepth: 128,
  /** Collection entries (the parser needs about 0.5 s for 10 000; real files have hundreds). */
  maxEntries: 10_000,
};

const TOO_DEEP = `nested too deeply (the limit is ${YAML_LIMITS.maxDepth} levels)`;

/** A parsed YAML/JSON source that can locate any path in it. */
export class YamlSource {
  readonly #doc: Document;
  readonly #lines: LineCounter;

  private constructor(
    readonly file: string,
    doc: Document,
    lines: LineCounter,
  ) {
    this.#doc = doc;
    this.#lines = lines;
  }

  /**
   * Parse `text`; throws a `Diagnostic` (code `PW_SYNTAX`) at the first syntax error, or when the
   * document is too large or expands too many aliases.
   */
  static parse(text: string, file: string): YamlSource {
    const bytes = Buffer.byteLength(text);
    if (bytes > YAML_LIMITS.maxSize) {
      throw new Diagnostic({
        code: 'PW_TOO_LARGE',
        file,
        reason: `file is ${bytes} bytes; the limit is ${YAML_LIMITS.maxSize}`,
        hint: 'split it into smaller files',
      });
    }
    checkText(text, file);
    if (/\.json$/i.test(file)) checkJson(text, file);
    // The parser recurses once per level (and can take the process down near the end of its
    // stack) and slows down with the number of nodes: refuse what is certainly too much first.
    const excess = prescan(text);
    if (excess) {
      throw new Diagnostic({ code: excess.code, file, line: excess.line, column: excess.column, reason: excess.reason, hint: excess.hint });
    }
    const lines = new LineCounter();
    // Unique keys are checked below in linear time: the parser's own check is quadratic.
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
    const error = doc.errors[0];
    if (error) {
      const pos = lines.linePos(error.pos[0]);
      const overflow = /call stack/i.test(error.message);
      // The parser's own text for a second document names its API (`YAML.parseAllDocuments()`),
      // which a user writing a config or a manifest can do nothing with.
      const multiple = error.code === 'MULTIPLE_DOCS';
      throw new Diagnostic({
        code: 'PW_SYNTAX',
        file,
        line: pos.line,
        column: pos.col,
        reason: overflow
          ? `the document is ${TOO_DEEP}`
          : multiple
            ? 'invalid YAML: a second document starts here; a file holds one document'
            : `invalid YAML: ${firstLine(error.message)}`,
        hint: overflow
          ? 'flatten the structure'
          : multiple
            ? 'remove the `---` (or `...`) line and what follows it, or put each document in a file of its own'
            : 'fix the syntax at that place (quote values that contain `: ` or start with a special character)',
      });
    }
    const problem = checkTree(doc);
    if (problem) {
      const pos = lines.linePos(problem.offset);
      throw new Diagnostic({ code: 'PW_SYNTAX', file, line: pos.line, column: pos.col, reason: problem.reason, hint: problem.hint });
    }
    return new YamlSource(file, doc, lines);
  }

  /** The plain JavaScript value (aliases resolved within the alias budget). */
  toJS(): unknown {
    try {
      return this.#doc.toJS({ maxAliasCount: YAML_LIMITS.maxAliasCount });
    } catch (err) {
      throw new Diagnostic({
        code: 'PW_SYNTAX',
        file: this.file,
        reason: `cannot expand the document: ${firstLine((err as Error).message)}`,
        hint: 'avoid aliases that expand exponentially',
      });
    }
  }

  /**
   * Line and column of the value at `path` (or of the deepest existing parent). With `key`, of the
   * last key itself: where an unknown key is, rather than its value.
   */
  locate(path: DocPath, options: { key?: boolean } = {}): { line: number; column: number } | undefined {
    let node: unknown = this.#doc.contents;
    let found = node as Node | null;
    for (const [index, part] of path.entries()) {
      if (isMap(node)) {
        // Paths come from the plain value (`toJS`, a schema's issue path), where every key is a
        // string: `1:` or `true:` in the text is the key `'1'` or `'true'` there. Match the key as
        // written first, then as the plain value names it.
        const keyOf = (item: Pair) => (isScalar(item.key) ? item.key.value : item.key);
        const pair =
          node.items.find((item) => keyOf(item) === part) ??
          node.items.find((item) => {
            const key = keyOf(item);
            return (typeof key === 'number' || typeof key === 'boolean' || key === null) && String(key ?? '') === String(part);
          });
        if (!pair) break;
        const last = index === path.length - 1;
        found = ((options.key && last ? pair.key : (pair.value ?? pair.key)) ?? null) as Node | null;
        node = pair.value;
      } else if (isSeq(node) && typeof part === 'number') {
        node = node.items[part];
        if (!node) break;
        found = node as Node;
      } else {
        break;
      }
    }
    const offset = found?.range?.[0];
    if (offset === undefined) return undefined;
    const pos = this.#lines.linePos(offset);
    return { line: pos.line, column: pos.col };
  }

  /** Where the unknown key at the end of `path` is written. */
  locateKey(path: DocPath): { line: number; column: number } | undefined {
    return this.locate(path, { key: true });
  }

  /** A diagnostic located at `path` (at its key with `key: true`). */
  error(path: DocPath, init: { code: string; reason: string; hint?: string; key?: boolean }): Diagnostic {
    const { key, ...rest } = init;
    return new Diagnostic({ ...rest, file: this.file, path: formatPath(path), ...this.locate(path, { key: key ?? false }) });
  }
}

interface Excess {
  readonly code: string;
  readonly line: number;
  readonly column: number;
  readonly reason: string;
  readonly hint: string;
}

/**
 * A linear pre-scan for what would overflow the parser's stack or take it seconds: nesting far
 * beyond the limit (twice it: flow brackets, block entries indented that far) and more collection
 * entries than the limit. Quoted text, comments and block scalars (`expect: |`) are skipped.
 * Approximate by design; the exact depth check runs on the parsed document.
 */
function prescan(text: string): Excess | undefined {
  const depthLimit = YAML_LIMITS.maxDepth * 2;
  const deep = (line: number, column: number): Excess => ({
    code: 'PW_SYNTAX',
    line,
    column,
    reason: `the document is ${TOO_DEEP}`,
    hint: 'flatten the structure',
  });
  const many = (line: number, column: number): Excess => ({
    code: 'PW_TOO_LARGE',
    line,
    column,
    reason: `the document has more than ${YAML_LIMITS.maxEntries} entries`,
    hint: 'split it into smaller files',
  });
  let flow = 0;
  let entries = 0;
  let line = 1;
  let quote = '';
  let prev = '';
  /** Indentation of the line that opened a block scalar (`key: |`), while inside it; else -1. */
  let scalarIndent = -1;
  for (let lineStart = 0; lineStart < text.length; line += 1) {
    const eol = text.indexOf('\n', lineStart);
    const end = eol < 0 ? text.length : eol;
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
      // A block entry: `- ` (each one a level), `? `, or `key:`.
      let column = indent;
      let dashes = 0;
      while (text[j] === '-' && (j + 1 >= end || text[j + 1] === ' ' || text[j + 1] === '\r')) {
        column += 2;
        dashes += 1;
        j += 2;
        while (text[j] === ' ') j += 1;
      }
      const key = /^(?:\?(?:\s|$)|[^#\s][^\n]*?:(?:\s|$))/.test(text.slice(j, Math.min(end, j + 200)));
      entries += dashes + (key ? 1 : 0);
      if (entries > YAML_LIMITS.maxEntries) return many(line, indent + 1);
      if (column > depthLimit && (dashes > 0 || key)) return deep(line, 1);
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
      if (c === '#' && (i === lineStart || /\s/.test(text[i - 1] ?? ''))) break;
      if ((c === '"' || c === "'") && (prev === '' || '[{,:-?'.includes(prev))) quote = c;
      else if (c === '[' || c === '{') {
        flow += 1;
        entries += 1;
        if (flow > depthLimit) return deep(line, i - lineStart + 1);
        if (entries > YAML_LIMITS.maxEntries) return many(line, i - lineStart + 1);
      } else if (c === ',' && flow > 0) {
        entries += 1;
        if (entries > YAML_LIMITS.maxEntries) return many(line, i - lineStart + 1);
      } else if ((c === ']' || c === '}') && flow > 0) flow -= 1;
      if (c !== ' ' && c !== '\t' && c !== '\r') prev = c;
    }
    // `key: |`, `- >-`: the more indented lines that follow are text, not structure.
    if (!quote && flow === 0 && /(?:^|\s)[|>][-+0-9]*\s*(?:#.*)?$/.test(text.slice(lineStart, end))) scalarIndent = indent;
    lineStart = end + 1;
  }
  return undefined;
}

/**
 * What the parser does not check (quickly): nesting deeper than the limit, and a key twice in one
 * mapping. Walked without recursion; the first problem in the text wins.
 */
function checkTree(doc: Document): { offset: number; reason: string; hint: string } | undefined {
  let found: { offset: number; reason: string; hint: string } | undefined;
  const report = (offset: number, reason: string, hint: string) => {
    if (!found || offset < found.offset) found = { offset, reason, hint };
  };
  const stack: [unknown, number][] = [[doc.contents, 1]];
  while (stack.length) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (!isMap(node) && !isSeq(node)) continue;
    if (depth > YAML_LIMITS.maxDepth) {
      report(node.range?.[0] ?? 0, `the document is ${TOO_DEEP}`, 'flatten the structure');
      continue;
    }
    const keys = isMap(node) ? new Set<string>() : undefined;
    for (const item of node.items as unknown[]) {
      if (!isPair(item)) {
        stack.push([item, depth + 1]);
        continue;
      }
      if (keys && isScalar(item.key)) {
        const id = `${typeof item.key.value}:${String(item.key.value)}`;
        if (keys.has(id)) report(item.key.range?.[0] ?? 0, 'invalid YAML: Map keys must be unique', 'each key may appear once in a mapping');
        keys.add(id);
      }
      stack.push([item.key, depth + 1], [item.value, depth + 1]);
    }
  }
  return found;
}

/**
 * YAML (and JSON) text has no C0 control characters but tab, line feed and carriage return. The
 * parser would take them as part of a plain scalar; a binary file then reads as one long string.
 */
function checkText(text: string, file: string): void {
  // eslint-disable-next-line no-control-regex -- control characters are what is looked for
  const at = text.search(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/);
  if (at < 0) return;
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  const column = at - before.lastIndexOf('\n');
  const code = text.charCodeAt(at).toString(16).toUpperCase().padStart(4, '0');
  throw new Diagnostic({
    code: 'PW_SYNTAX',
    file,
    line,
    column,
    reason: `not a text file: control character U+${code} is not allowed in YAML or JSON`,
    hint: 'is this a binary file? give a YAML or JSON file',
  });
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

/**
 * A `.json` file must be JSON, not merely YAML (which accepts trailing commas and more): report
 * JSON's own error at its line and column.
 */
/**
 * Where `JSON.parse` failed. V8 gives `at position N` for most errors; for an unexpected token it
 * gives an excerpt instead, cut 10 characters either side of the error (`..."excerpt"...`).
 */
function jsonErrorOffset(message: string, text: string): number | undefined {
  const at = /position (\d+)/.exec(message);
  if (at) return Number(at[1]);
  if (/Unexpected end of JSON input/.test(message)) return text.length;
  const m = /^Unexpected token '([\s\S])', (\.\.\.)?"([\s\S]*)"(\.\.\.)? is not valid JSON$/.exec(message);
  if (!m) return undefined;
  const [, token = '', left, excerpt = '', right] = m;
  const context = 10;
  if (left && right) {
    const start = text.indexOf(excerpt);
    return start < 0 ? undefined : start + context;
  }
  if (right) return excerpt.length - context;
  if (left) return text.length - excerpt.length + context;
  const found = text.indexOf(token);
  return found < 0 ? undefined : found;
}

export function checkJson(text: string, file: string): void {
  try {
    JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const offset = jsonErrorOffset(message, text);
    const before = offset === undefined ? undefined : text.slice(0, offset).split('\n');
    const reason = message
      .replace(/ in JSON at position \d+.*$/s, '')
      .replace(/^JSON\.parse: /, '')
      // `Unexpected token ']', ..."excerpt"... is not valid JSON`: the place says it better.
      .replace(/^(Unexpected token '[\s\S]'),[\s\S]*$/, '$1');
    throw new Diagnostic({
      code: 'PW_SYNTAX',
      file,
      ...(before ? { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 } : {}),
      reason: `invalid JSON: ${reason}`,
      hint: 'fix the JSON at that place (no trailing commas, keys in double quotes)',
    });
  }
}
