/**
 * Parsing YAML (and JSON, a subset) so that every value can be traced back to its line and column.
 */
import { Composer, isMap, isPair, isScalar, isSeq, LineCounter, Parser, type Document, type Node, type Pair } from 'yaml';
import { Diagnostic } from './diagnostic.js';
import { checkSize, prescan, TOO_DEEP, TOO_MANY, YAML_LIMITS } from './limits.js';

/** A path inside a document: keys and indexes. */
export type DocPath = readonly (string | number)[];

/** `ops[3].load_lp.name`. */
export function formatPath(path: DocPath): string {
  return path.reduce<string>((text, part) => {
    if (typeof part === 'number') return `${text}[${part}]`;
    return /^[A-Za-z_$][\w$-]*$/.test(part) ? `${text}${text ? '.' : ''}${part}` : `${text}[${JSON.stringify(part)}]`;
  }, '');
}

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
    checkSize(text, file);
    checkText(text, file);
    if (/\.json$/i.test(file)) checkJson(text, file);
    // The parser recurses once per level (and can take the process down near the end of its
    // stack) and slows down with the number of nodes: refuse what is certainly too much first.
    const excess = prescan(text);
    if (excess) {
      throw new Diagnostic({ code: excess.code, file, line: excess.line, column: excess.column, reason: excess.reason, hint: excess.hint });
    }
    const lines = new LineCounter();
    const { doc, error } = compose(text, lines);
    if (error) {
      const pos = lines.linePos(error.offset);
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
    const problem = checkTree(doc as Document);
    if (problem) {
      const pos = lines.linePos(problem.offset);
      throw new Diagnostic({ code: problem.code, file, line: pos.line, column: pos.col, reason: problem.reason, hint: problem.hint });
    }
    return new YamlSource(file, doc as Document, lines);
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

interface FirstError {
  readonly offset: number;
  readonly code: string;
  readonly message: string;
}

/** Thrown out of the composer at its first error: what follows is not looked at. */
class Stop extends Error {
  constructor(readonly first: FirstError) {
    super(first.message);
  }
}

/**
 * `parseDocument`, stopped at the first error. The parser goes on after an error and each further
 * one costs it 100 µs or more (40 000 stray `]` take seconds); one is all a message reports. The
 * composer's error callback is an instance field (`onError`, private in its types): replaced here
 * so that it throws. The hostile-input tests time what this bounds.
 */
function compose(text: string, lines: LineCounter): { doc?: Document; error?: FirstError } {
  // Unique keys are checked by `checkTree` in linear time: the parser's own check is quadratic.
  const composer = new Composer({ uniqueKeys: false });
  let first: FirstError | undefined;
  (composer as unknown as { onError: (source: unknown, code: string, message: string, warning?: boolean) => void }).onError = (source, code, message, warning) => {
    if (warning) return;
    // The composer catches some errors of its own and reports them again: the first one stands.
    first ??= { offset: offsetOf(source), code, message };
    throw new Stop(first);
  };
  let doc: Document | undefined;
  const take = (next: Document) => {
    if (doc) throw new Stop({ offset: next.range?.[0] ?? 0, code: 'MULTIPLE_DOCS', message: 'a second document' });
    doc = next;
  };
  try {
    for (const token of new Parser(lines.addNewLine).parse(text)) {
      if (token.type === 'error') {
        throw new Stop({ offset: token.offset, code: 'UNEXPECTED_TOKEN', message: token.source ? `${token.message}: ${JSON.stringify(token.source)}` : token.message });
      }
      for (const next of composer.next(token)) take(next);
    }
    for (const next of composer.end(true, text.length)) take(next);
  } catch (err) {
    if (err instanceof Stop) return { error: first ?? err.first };
    // The parser recursing past the end of the stack (the pre-scan keeps nesting far from it).
    if (err instanceof RangeError) return { error: { offset: 0, code: 'STACK', message: err.message } };
    throw err;
  }
  const error = doc?.errors[0];
  return error ? { error: { offset: error.pos[0], code: error.code, message: error.message } } : { doc: doc as Document };
}

function offsetOf(source: unknown): number {
  if (typeof source === 'number') return source;
  if (Array.isArray(source)) return Number(source[0] ?? 0);
  return Number((source as { offset?: number } | undefined)?.offset ?? 0);
}

interface TreeProblem {
  readonly code: string;
  readonly offset: number;
  readonly reason: string;
  readonly hint: string;
}

/**
 * What the parser does not check (quickly), counted exactly: nesting deeper than the limit, more
 * entries than the limit, and a key twice in one mapping. Walked without recursion; the first
 * problem in the text wins.
 */
function checkTree(doc: Document): TreeProblem | undefined {
  let found: TreeProblem | undefined;
  const report = (problem: TreeProblem) => {
    if (!found || problem.offset < found.offset) found = problem;
  };
  /** Where each entry starts: the one past the limit (in the text's order) is reported. */
  const entries: number[] = [];
  const stack: [unknown, number][] = [[doc.contents, 1]];
  while (stack.length) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (!isMap(node) && !isSeq(node)) continue;
    if (depth > YAML_LIMITS.maxDepth) {
      report({ code: 'PW_SYNTAX', offset: node.range?.[0] ?? 0, reason: `the document is ${TOO_DEEP}`, hint: 'flatten the structure' });
      continue;
    }
    const keys = isMap(node) ? new Set<string>() : undefined;
    for (const item of node.items as unknown[]) {
      const at = isPair(item) ? (item.key as Node | null)?.range?.[0] : (item as Node | null)?.range?.[0];
      entries.push(at ?? node.range?.[0] ?? 0);
      if (!isPair(item)) {
        stack.push([item, depth + 1]);
        continue;
      }
      if (isMap(item.key) || isSeq(item.key)) {
        // `? [a, b]: c`: a plain value has only string keys (the parser would print a warning).
        report({ code: 'PW_SYNTAX', offset: item.key.range?.[0] ?? 0, reason: 'invalid YAML: a key must be a plain value, not a list or a mapping', hint: 'write the key as a string' });
      }
      if (keys && isScalar(item.key)) {
        const id = `${typeof item.key.value}:${String(item.key.value)}`;
        if (keys.has(id)) {
          report({ code: 'PW_SYNTAX', offset: item.key.range?.[0] ?? 0, reason: 'invalid YAML: Map keys must be unique', hint: 'each key may appear once in a mapping' });
        }
        keys.add(id);
      }
      stack.push([item.key, depth + 1], [item.value, depth + 1]);
    }
  }
  if (entries.length > YAML_LIMITS.maxEntries) {
    const offset = entries.sort((a, b) => a - b)[YAML_LIMITS.maxEntries] as number;
    report({ code: 'PW_TOO_LARGE', offset, reason: TOO_MANY, hint: 'split it into smaller files' });
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
