/**
 * Parsing YAML (and JSON, a subset) so that every value can be traced back to its line and column.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
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
};

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
    if (/\.json$/i.test(file)) checkJson(text, file);
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    const error = doc.errors[0];
    if (error) {
      const pos = lines.linePos(error.pos[0]);
      throw new Diagnostic({
        code: 'PW_SYNTAX',
        file,
        line: pos.line,
        column: pos.col,
        reason: `invalid YAML: ${firstLine(error.message)}`,
        hint: 'fix the syntax at that place (quote values that contain `: ` or start with a special character)',
      });
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
        const pair = node.items.find((item) => (isScalar(item.key) ? item.key.value : item.key) === part);
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

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

/**
 * A `.json` file must be JSON, not merely YAML (which accepts trailing commas and more): report
 * JSON's own error at its line and column.
 */
export function checkJson(text: string, file: string): void {
  try {
    JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const at = /position (\d+)/.exec(message);
    const offset = at ? Number(at[1]) : undefined;
    const before = offset === undefined ? undefined : text.slice(0, offset).split('\n');
    const reason = message.replace(/ in JSON at position \d+.*$/s, '').replace(/^JSON\.parse: /, '');
    throw new Diagnostic({
      code: 'PW_SYNTAX',
      file,
      ...(before ? { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 } : {}),
      reason: `invalid JSON: ${reason}`,
      hint: 'fix the JSON at that place (no trailing commas, keys in double quotes)',
    });
  }
}
