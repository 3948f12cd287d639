/**
 * The diagnostics package on its own: how a `Diagnostic` reads with and without each part, where
 * a path is found in YAML and JSON text, the syntax and size checks, and when did-you-mean speaks.
 * Expected positions are counted by hand from the texts below (1-based lines and columns).
 */
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  checkJson,
  checkValue,
  Diagnostic,
  didYouMean,
  formatPath,
  formatPlace,
  isDiagnostic,
  readRegularFile,
  readSourceFile,
  suggestion,
  YAML_LIMITS,
  YamlSource,
  type DiagnosticInit,
} from '@patchwise/diagnostics';

/** The Diagnostic `fn` throws (fails the test if it throws something else, or nothing). */
function thrown(fn: () => unknown): Diagnostic {
  try {
    fn();
  } catch (err) {
    if (isDiagnostic(err)) return err;
    throw err;
  }
  throw new Error('expected a Diagnostic, nothing was thrown');
}

describe('Diagnostic', () => {
  const full: DiagnosticInit = {
    code: 'PW_CONFIG',
    reason: 'unknown key `optons`',
    hint: 'see the config format',
    file: 'patchwise.config.yaml',
    line: 3,
    column: 5,
    path: 'plugins[0].optons',
  };

  it('with every part: FILE:LINE:COLUMN: REASON (at `PATH`), then the hint on its own line', () => {
    const d = new Diagnostic(full);
    expect(d.message).toBe('patchwise.config.yaml:3:5: unknown key `optons` (at `plugins[0].optons`)\n  hint: see the config format');
    expect(d).toBeInstanceOf(Error);
    expect(d.name).toBe('Diagnostic');
    expect(d).toMatchObject({ code: 'PW_CONFIG', reason: 'unknown key `optons`', hint: 'see the config format', file: 'patchwise.config.yaml', line: 3, column: 5, path: 'plugins[0].optons' });
    expect(String(d)).toBe(`Diagnostic: ${d.message}`);
  });

  it('`code` is the stable code given, not part of the message', () => {
    const d = new Diagnostic({ code: 'PW_MANIFEST', reason: 'bad' });
    expect(d.code).toBe('PW_MANIFEST');
    expect(d.message).not.toContain('PW_MANIFEST');
  });

  it('each unknown part is left out', () => {
    const text = (init: Partial<DiagnosticInit>) => new Diagnostic({ code: 'C', reason: 'R', ...init }).message;
    expect(text({})).toBe('R');
    expect(text({ file: 'f.yaml' })).toBe('f.yaml: R');
    expect(text({ file: 'f.yaml', line: 7 })).toBe('f.yaml:7: R');
    expect(text({ line: 7, column: 2 })).toBe('7:2: R');
    // A column without a line says nothing on its own.
    expect(text({ file: 'f.yaml', column: 2 })).toBe('f.yaml: R');
    expect(text({ path: 'ops[3].load_lp.name' })).toBe('R (at `ops[3].load_lp.name`)');
    expect(text({ hint: 'do this' })).toBe('R\n  hint: do this');
    // Empty strings count as unknown: no `(at ``)`, no blank hint line.
    expect(text({ path: '', hint: '' })).toBe('R');
  });

  it('`Diagnostic.format` and `formatPlace` give the same text without building an error', () => {
    expect(Diagnostic.format(full)).toBe(new Diagnostic(full).message);
    expect(formatPlace({})).toBe('');
    expect(formatPlace({ file: 'a.json' })).toBe('a.json');
    expect(formatPlace({ line: 4 })).toBe('4');
    expect(formatPlace({ file: 'a.json', line: 4, column: 9 })).toBe('a.json:4:9');
    expect(formatPlace({ file: 'a.json', column: 9 })).toBe('a.json');
  });

  it('`at` gives a new diagnostic at another place and leaves the original alone', () => {
    const early = new Diagnostic({ code: 'PW_SCENARIO', reason: 'bad step', hint: 'fix it', path: 'steps[1]' });
    const placed = early.at({ file: 'run.scenario.yaml', line: 6, column: 13 });
    expect(placed).not.toBe(early);
    expect(placed.message).toBe('run.scenario.yaml:6:13: bad step (at `steps[1]`)\n  hint: fix it');
    expect(placed).toMatchObject({ code: 'PW_SCENARIO', hint: 'fix it', path: 'steps[1]' });
    expect(early.file).toBeUndefined();
    expect(early.message).toBe('bad step (at `steps[1]`)\n  hint: fix it');
    // The new place wins over the old one.
    expect(placed.at({ path: 'steps[2]' }).message).toContain('(at `steps[2]`)');
  });

  it('`toJSON` holds the fields that are set, plus the message', () => {
    expect(new Diagnostic(full).toJSON()).toEqual({ ...full, message: new Diagnostic(full).message });
    const bare = new Diagnostic({ code: 'C', reason: 'R' }).toJSON();
    expect(Object.keys(bare).sort()).toEqual(['code', 'message', 'reason']);
    expect(JSON.parse(JSON.stringify(new Diagnostic({ code: 'C', reason: 'R', line: 2 })))).toEqual({ code: 'C', reason: 'R', line: 2, message: '2: R' });
  });

  it('keeps a cause', () => {
    const cause = new Error('EACCES');
    expect(new Diagnostic({ code: 'C', reason: 'R', cause }).cause).toBe(cause);
    expect(new Diagnostic({ code: 'C', reason: 'R' }).cause).toBeUndefined();
  });

  it('`isDiagnostic` is true for a Diagnostic only', () => {
    expect(isDiagnostic(new Diagnostic({ code: 'C', reason: 'R' }))).toBe(true);
    expect(isDiagnostic(Object.assign(new Error('R'), { code: 'C', reason: 'R' }))).toBe(false);
    expect(isDiagnostic({ code: 'C', reason: 'R', message: 'R' })).toBe(false);
    expect(isDiagnostic(undefined)).toBe(false);
  });
});

describe('readSourceFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'patchwise-diagnostics-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'fix.yaml');
  writeFileSync(file, 'name: fix\n');
  mkdirSync(join(dir, 'folder'));

  it('returns the text', () => {
    expect(readSourceFile(file, 'the manifest')).toBe('name: fix\n');
  });

  it('a missing file: PW_NO_SUCH_FILE, named as displayed, with the default hint', () => {
    const d = thrown(() => readSourceFile(join(dir, 'nope.yaml'), 'the manifest', undefined, 'patches/nope.yaml'));
    expect(d).toMatchObject({ code: 'PW_NO_SUCH_FILE', file: 'patches/nope.yaml', reason: 'cannot read the manifest: no such file', hint: 'check the path' });
    expect(d.message).toBe('patches/nope.yaml: cannot read the manifest: no such file\n  hint: check the path');
  });

  it('a folder says so; another error gives its errno code', () => {
    expect(thrown(() => readSourceFile(join(dir, 'folder'), 'the config', 'give a file')).message).toBe(
      `${join(dir, 'folder')}: cannot read the config: it is a folder\n  hint: give a file`,
    );
    // A path through a regular file: ENOTDIR, neither of the two named cases.
    expect(thrown(() => readSourceFile(join(file, 'inner'), 'the case')).reason).toBe('cannot read the case (ENOTDIR)');
  });

  it('a file over the size limit is refused by its size, named as displayed', () => {
    // Sparse: its size is what counts, and the old reader would have read it all first.
    const big = join(dir, 'big.yaml');
    writeFileSync(big, '');
    truncateSync(big, YAML_LIMITS.maxSize + 1);
    const d = thrown(() => readSourceFile(big, 'the manifest', undefined, 'patches/big.yaml'));
    expect(d).toMatchObject({ code: 'PW_TOO_LARGE', file: 'patches/big.yaml', reason: `file is ${YAML_LIMITS.maxSize + 1} bytes; the limit is ${YAML_LIMITS.maxSize}` });
  });

  it('a file whose size says nothing (procfs reports 0) is held to the limit while it is read', () => {
    const d = thrown(() => readRegularFile('/proc/self/status', 'the status', 'status', 100));
    expect(d).toMatchObject({ code: 'PW_TOO_LARGE', file: 'status', reason: 'file is more than 100 bytes; the limit is 100' });
    expect(readRegularFile('/proc/self/status', 'the status', 'status', 1 << 20).toString('latin1')).toMatch(/^Name:\t/);
  });
});

describe('formatPath', () => {
  it('keys joined with dots, indexes in brackets', () => {
    expect(formatPath(['ops', 3, 'load_lp', 'name'])).toBe('ops[3].load_lp.name');
    expect(formatPath(['plugins', 0, 'options', 'replace'])).toBe('plugins[0].options.replace');
    expect(formatPath([0, 'name'])).toBe('[0].name');
    expect(formatPath([])).toBe('');
  });

  it('keys that are not plain names are quoted, so a dot in a key is not read as nesting', () => {
    expect(formatPath(['callbacks', 'my id'])).toBe('callbacks["my id"]');
    expect(formatPath(['metadata', 'a.b', 'c'])).toBe('metadata["a.b"].c');
    expect(formatPath(['callbacks', '42'])).toBe('callbacks["42"]');
    expect(formatPath(['say', 'a"b'])).toBe('say["a\\"b"]');
    expect(formatPath([''])).toBe('[""]');
  });

  it('`-`, `_` and `$` are part of a plain name (patch and module names use them)', () => {
    expect(formatPath(['requires', 'acme-base'])).toBe('requires.acme-base');
    expect(formatPath(['_x', '$y'])).toBe('_x.$y');
    expect(formatPath(['-x'])).toBe('["-x"]');
  });
});

describe('YamlSource: where a path is', () => {
  const config = [
    '# patchwise config', //                  1
    'audit: true', //                         2
    'plugins:', //                            3
    '  - vendor-tags', //                     4
    '  - plugin: semver-deps', //             5
    '    options:', //                        6
    '      sameFunction: deny', //            7
    '      tags: [net, "cve 1"]', //          8
    '',
  ].join('\n');
  const source = YamlSource.parse(config, 'patchwise.config.yaml');

  it('parses to the plain value and keeps the file name', () => {
    expect(source.file).toBe('patchwise.config.yaml');
    expect(source.toJS()).toEqual({ audit: true, plugins: ['vendor-tags', { plugin: 'semver-deps', options: { sameFunction: 'deny', tags: ['net', 'cve 1'] } }] });
  });

  it('a top-level value, and its key', () => {
    expect(source.locate(['audit'])).toEqual({ line: 2, column: 8 });
    expect(source.locateKey(['audit'])).toEqual({ line: 2, column: 1 });
    expect(source.locate(['audit'], { key: true })).toEqual({ line: 2, column: 1 });
  });

  it('nested keys inside sequence items', () => {
    expect(source.locate(['plugins', 1, 'options', 'sameFunction'])).toEqual({ line: 7, column: 21 });
    expect(source.locateKey(['plugins', 1, 'options', 'sameFunction'])).toEqual({ line: 7, column: 7 });
    // A value that is a map starts at its first key.
    expect(source.locate(['plugins', 1, 'options'])).toEqual({ line: 7, column: 7 });
  });

  it('sequence items, block and flow', () => {
    expect(source.locate(['plugins', 0])).toEqual({ line: 4, column: 5 });
    expect(source.locate(['plugins', 1])).toEqual({ line: 5, column: 5 });
    expect(source.locate(['plugins', 1, 'options', 'tags', 0])).toEqual({ line: 8, column: 14 });
    expect(source.locate(['plugins', 1, 'options', 'tags', 1])).toEqual({ line: 8, column: 19 });
    // `key: true` names the key only for a key; an index is the item itself.
    expect(source.locateKey(['plugins', 1])).toEqual({ line: 5, column: 5 });
  });

  it('the whole document starts at its first node, after comments', () => {
    expect(source.locate([])).toEqual({ line: 2, column: 1 });
  });

  it('a path that is not there: the deepest existing parent', () => {
    expect(source.locate(['plugins', 9])).toEqual({ line: 4, column: 3 });
    expect(source.locate(['plugins', 1, 'options', 'nope', 'deeper'])).toEqual({ line: 7, column: 7 });
    // Into a scalar: the scalar.
    expect(source.locate(['plugins', 0, 'options'])).toEqual({ line: 4, column: 5 });
    expect(source.locate(['nope'])).toEqual({ line: 2, column: 1 });
  });

  it('a key with a dot is one key, not two levels', () => {
    const s = YamlSource.parse('a:\n  b:\n    c: nested\na.b:\n  c: dotted\n', 'dots.yaml');
    expect(s.locate(['a.b', 'c'])).toEqual({ line: 5, column: 6 });
    expect(s.locate(['a', 'b', 'c'])).toEqual({ line: 3, column: 8 });
    expect(s.error(['a.b', 'c'], { code: 'X', reason: 'r' }).message).toBe('dots.yaml:5:6: r (at `["a.b"].c`)');
  });

  it('keys written as numbers, booleans or null are found by the string keys of the plain value', () => {
    const text = 'callbacks:\n  42:\n    prePatch: []\n  true: yes\n  ~: nothing\n';
    const s = YamlSource.parse(text, 'ids.yaml');
    // The plain value has string keys only: that is what schema paths are made of.
    expect(Object.keys((s.toJS() as { callbacks: object }).callbacks)).toEqual(['42', 'true', '']);
    expect(s.locate(['callbacks', '42', 'prePatch'])).toEqual({ line: 3, column: 15 });
    expect(s.locateKey(['callbacks', 'true'])).toEqual({ line: 4, column: 3 });
    expect(s.locate(['callbacks', ''])).toEqual({ line: 5, column: 6 });
    // The key as written still matches.
    expect(s.locate(['callbacks', 42, 'prePatch'])).toEqual({ line: 3, column: 15 });
  });

  it('an empty value: on the line of its key', () => {
    const s = YamlSource.parse('ops:\n  - load: a\n  -\n  - name: x\n    val:\n', 'empty.yaml');
    expect(s.locate(['ops', 2, 'val'])?.line).toBe(5);
    expect(s.locateKey(['ops', 2, 'val'])).toEqual({ line: 5, column: 5 });
    expect(s.locate(['ops', 1])?.line).toBe(3);
    expect(s.toJS()).toEqual({ ops: [{ load: 'a' }, null, { name: 'x', val: null }] });
  });

  it('in JSON text, the same way', () => {
    const json = [
      '{', //                                                    1
      '  "name": "acme_fix",', //                                2
      '  "objects": [', //                                       3
      '    {"name": "m", "functions": ["f", "g"]}', //           4
      '  ]', //                                                  5
      '}',
      '',
    ].join('\n');
    const s = YamlSource.parse(json, 'patch.json');
    expect(s.toJS()).toEqual({ name: 'acme_fix', objects: [{ name: 'm', functions: ['f', 'g'] }] });
    expect(s.locate(['name'])).toEqual({ line: 2, column: 11 });
    expect(s.locateKey(['name'])).toEqual({ line: 2, column: 3 });
    expect(s.locate(['objects', 0])).toEqual({ line: 4, column: 5 });
    expect(s.locateKey(['objects', 0, 'name'])).toEqual({ line: 4, column: 6 });
    expect(s.locate(['objects', 0, 'functions', 1])).toEqual({ line: 4, column: 38 });
  });

  it('`error` is a Diagnostic with the file, the formatted path and the place (at the key with `key`)', () => {
    const at = source.error(['plugins', 1, 'options', 'sameFunction'], { code: 'PW_POLICY_OPTIONS', reason: 'bad value `deny`', hint: 'use warn' });
    expect(at).toMatchObject({ code: 'PW_POLICY_OPTIONS', file: 'patchwise.config.yaml', path: 'plugins[1].options.sameFunction', line: 7, column: 21 });
    expect(at.message).toBe('patchwise.config.yaml:7:21: bad value `deny` (at `plugins[1].options.sameFunction`)\n  hint: use warn');
    const key = source.error(['audit'], { code: 'PW_CONFIG', reason: 'unknown key', key: true });
    expect(key).toMatchObject({ line: 2, column: 1, hint: undefined });
    expect(key.message).toBe('patchwise.config.yaml:2:1: unknown key (at `audit`)');
  });
});

describe('YamlSource: documents', () => {
  it('an empty file, or one of comments only, is null and has no places', () => {
    for (const text of ['', '\n\n', '# nothing here\n']) {
      const s = YamlSource.parse(text, 'empty.yaml');
      expect(s.toJS()).toBeNull();
      expect(s.locate([])).toBeUndefined();
      expect(s.locate(['name'])).toBeUndefined();
      // The diagnostic still names the file and the path.
      expect(s.error(['name'], { code: 'X', reason: 'missing' }).message).toBe('empty.yaml: missing (at `name`)');
    }
  });

  it('a document marker `---` before the one document is fine; lines count from the top of the file', () => {
    const s = YamlSource.parse('---\nname: a\n', 'one.yaml');
    expect(s.toJS()).toEqual({ name: 'a' });
    expect(s.locate(['name'])).toEqual({ line: 2, column: 7 });
    expect(YamlSource.parse('name: a\n...\n', 'end.yaml').toJS()).toEqual({ name: 'a' });
  });

  it('a second document is a syntax error at its start, said in words a user can act on', () => {
    const d = thrown(() => YamlSource.parse('name: a\n---\nname: b\n', 'two.yaml'));
    expect(d).toMatchObject({ code: 'PW_SYNTAX', file: 'two.yaml', line: 2, column: 1 });
    expect(d.reason).toBe('invalid YAML: a second document starts here; a file holds one document');
    expect(d.hint).toContain('`---`');
    // Not the parser's API advice.
    expect(d.message).not.toContain('parseAllDocuments');
    // After an end marker the next document starts at its first line.
    expect(thrown(() => YamlSource.parse('a: 1\n...\nb: 2\n', 'two.yaml'))).toMatchObject({ code: 'PW_SYNTAX', line: 3, column: 1 });
  });

  it('malformed YAML: PW_SYNTAX at the place', () => {
    const d = thrown(() => YamlSource.parse('name: a\nvendor: b: c\n', 'bad.yaml'));
    expect(d).toMatchObject({ code: 'PW_SYNTAX', file: 'bad.yaml', line: 2, column: 9 });
    expect(d.reason).toMatch(/^invalid YAML: /);
    expect(d.hint).toContain('quote values');
    expect(d.message.split('\n')).toHaveLength(2);
  });

  it('a key twice in one mapping: at the second one, nested too', () => {
    expect(thrown(() => YamlSource.parse('name: a\nname: b\n', 'dup.yaml'))).toMatchObject({ code: 'PW_SYNTAX', line: 2, column: 1, reason: 'invalid YAML: Map keys must be unique' });
    expect(thrown(() => YamlSource.parse('a:\n  x: 1\n  y: 2\n  x: 3\n', 'dup.yaml'))).toMatchObject({ line: 4, column: 3 });
    // The same key in two mappings is fine.
    expect(YamlSource.parse('a: {x: 1}\nb: {x: 2}\n', 'ok.yaml').toJS()).toEqual({ a: { x: 1 }, b: { x: 2 } });
  });

  it('a control character: not a text file, at its line and column', () => {
    const d = thrown(() => YamlSource.parse('a: ok\nb: \u0007\n', 'bin.yaml'));
    expect(d).toMatchObject({ code: 'PW_SYNTAX', line: 2, column: 4 });
    expect(d.reason).toBe('not a text file: control character U+0007 is not allowed in YAML or JSON');
    // Tabs, line feeds and carriage returns are text.
    expect(YamlSource.parse('a: "x\ty"\r\nb: 1\r\n', 'crlf.yaml').toJS()).toEqual({ a: 'x\ty', b: 1 });
  });
});

describe('YamlSource: JSON files are checked as JSON', () => {
  it('what YAML accepts and JSON does not is refused in a .json file only', () => {
    expect(YamlSource.parse('{a: 1, b: [1, 2,],}', 'lenient.yaml').toJS()).toEqual({ a: 1, b: [1, 2] });
    expect(thrown(() => YamlSource.parse('{a: 1}', 'strict.json')).code).toBe('PW_SYNTAX');
    expect(thrown(() => YamlSource.parse('{a: 1}', 'STRICT.JSON')).code).toBe('PW_SYNTAX');
  });

  it('a trailing comma: at the `}` JSON complains about, without "at position"', () => {
    const d = thrown(() => YamlSource.parse('{\n  "a": 1,\n}\n', 'trailing.json'));
    expect(d).toMatchObject({ code: 'PW_SYNTAX', file: 'trailing.json', line: 3, column: 1 });
    expect(d.reason).toMatch(/^invalid JSON: /);
    expect(d.message).not.toMatch(/position/);
    expect(d.hint).toBe('fix the JSON at that place (no trailing commas, keys in double quotes)');
  });

  it('a missing comma: at the next key', () => {
    expect(thrown(() => YamlSource.parse('{\n  "a": 1\n  "b": 2\n}\n', 'comma.json'))).toMatchObject({ line: 3, column: 3 });
  });

  it('an unexpected token, near the start or in the middle of a long text', () => {
    const short = thrown(() => checkJson('[1, 2, ]', 'short.json'));
    expect(short).toMatchObject({ code: 'PW_SYNTAX', line: 1, column: 8 });
    expect(short.reason).toBe("invalid JSON: Unexpected token ']'");
    const long = ['{', '  "aaaaaaaaaaaaaaaaaaaa": 1,', '  "b": [1, 2, ],', '  "cccccccccccccccccccc": 2', '}', ''].join('\n');
    expect(thrown(() => checkJson(long, 'long.json'))).toMatchObject({ line: 3, column: 15, reason: "invalid JSON: Unexpected token ']'" });
  });

  it('an empty .json file is not JSON', () => {
    expect(thrown(() => YamlSource.parse('', 'empty.json'))).toMatchObject({ code: 'PW_SYNTAX', line: 1, column: 1 });
  });

  it('valid JSON passes `checkJson`', () => {
    expect(() => checkJson('{"a": [1, {"b": null}]}\n', 'ok.json')).not.toThrow();
  });
});

describe('YamlSource: hostile input', () => {
  it('the limits are the documented ones', () => {
    expect(YAML_LIMITS).toEqual({ maxAliasCount: 100, maxSize: 5 * 1024 * 1024, maxDepth: 128, maxEntries: 10_000, maxTokens: 100_000 });
  });

  it('a text over the size limit is PW_TOO_LARGE, counted in bytes', () => {
    // Two bytes each in UTF-8: fewer characters than the limit, more bytes.
    const text = `a: "${'é'.repeat(YAML_LIMITS.maxSize / 2)}"`;
    expect(text.length).toBeLessThan(YAML_LIMITS.maxSize);
    const bytes = YAML_LIMITS.maxSize + 'a: ""'.length;
    const d = thrown(() => YamlSource.parse(text, 'big.yaml'));
    expect(d).toMatchObject({ code: 'PW_TOO_LARGE', file: 'big.yaml', reason: `file is ${bytes} bytes; the limit is ${YAML_LIMITS.maxSize}` });
  });

  it('aliases within the budget expand; an alias bomb fails at `toJS`', () => {
    expect(YamlSource.parse('a: &x [1, 2]\nb: *x\n', 'ok.yaml').toJS()).toEqual({ a: [1, 2], b: [1, 2] });
    const ten = (alias: string) => `[${Array(10).fill(`*${alias}`).join(', ')}]`;
    const bomb = `a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\nb: &b ${ten('a')}\nc: &c ${ten('b')}\nd: ${ten('c')}\n`;
    const s = YamlSource.parse(bomb, 'bomb.yaml');
    const d = thrown(() => s.toJS());
    expect(d).toMatchObject({ code: 'PW_SYNTAX', file: 'bomb.yaml', hint: 'avoid aliases that expand exponentially' });
    expect(d.reason).toMatch(/^cannot expand the document: /);
  });

  it('nesting: 128 levels are fine, 129 are too deep (at the 129th bracket)', () => {
    const nested = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
    expect(() => YamlSource.parse(nested(128), 'deep.yaml')).not.toThrow();
    const d = thrown(() => YamlSource.parse(nested(129), 'deep.yaml'));
    expect(d).toMatchObject({ code: 'PW_SYNTAX', line: 1, column: 129, reason: 'the document is nested too deeply (the limit is 128 levels)', hint: 'flatten the structure' });
  });

  it('the limits hold for every form the parser reads: stray brackets, `? ` and `: ` entries, lines', () => {
    const refused = (text: string) => thrown(() => YamlSource.parse(text, 'x.yaml'));
    expect(refused(`a: 1\n${'] '.repeat(YAML_LIMITS.maxTokens)}`)).toMatchObject({ code: 'PW_TOO_LARGE', reason: 'the document has more than 100000 tokens (lines, words, brackets and commas)' });
    expect(refused('\n'.repeat(YAML_LIMITS.maxTokens + 1))).toMatchObject({ code: 'PW_TOO_LARGE', line: YAML_LIMITS.maxTokens + 1 });
    expect(refused(`${'? '.repeat(YAML_LIMITS.maxEntries + 1)}x`)).toMatchObject({ code: 'PW_TOO_LARGE', reason: 'the document has more than 10000 entries' });
    expect(refused(': 1\n'.repeat(YAML_LIMITS.maxEntries + 1))).toMatchObject({ code: 'PW_TOO_LARGE', line: YAML_LIMITS.maxEntries + 1 });
    // `? ` nests: far past the depth limit long before the entry limit.
    expect(refused(`${'? '.repeat(1000)}x`)).toMatchObject({ code: 'PW_SYNTAX', reason: 'the document is nested too deeply (the limit is 128 levels)' });
  });

  it('entries are counted exactly on the parsed document, whatever the pre-scan saw', () => {
    // One flow entry per key: 10 001 entries in a block map of flow maps.
    const text = Array.from({ length: 5001 }, (_, i) => `k${i}: {a: 1}`).join('\n');
    expect(thrown(() => YamlSource.parse(text, 'x.yaml'))).toMatchObject({ code: 'PW_TOO_LARGE', reason: 'the document has more than 10000 entries' });
    expect(() => YamlSource.parse(Array.from({ length: 5000 }, (_, i) => `k${i}: {a: 1}`).join('\n'), 'x.yaml')).not.toThrow();
  });

  it('a syntax error is reported at the first one: the parser does not go on through the rest', () => {
    const d = thrown(() => YamlSource.parse(`a: 1\n${'}\n'.repeat(40_000)}`, 'x.yaml'));
    expect(d).toMatchObject({ code: 'PW_SYNTAX', line: 2, column: 1 });
    expect(d.reason).toMatch(/^invalid YAML: /);
  });

  it('a key that is a list or a mapping is refused', () => {
    expect(thrown(() => YamlSource.parse('? [a, b]\n: c\n', 'x.yaml'))).toMatchObject({ code: 'PW_SYNTAX', line: 1, column: 3, reason: 'invalid YAML: a key must be a plain value, not a list or a mapping' });
  });

  it('checkValue: the limits on a value from a JS config or a package.json key', () => {
    const loop: Record<string, unknown> = { a: 1 };
    loop.self = loop;
    expect(thrown(() => checkValue({ plugins: [{ options: loop }] }, 'c.mjs'))).toMatchObject({ code: 'PW_SYNTAX', file: 'c.mjs', reason: 'the value is nested too deeply (the limit is 128 levels) (or refers to itself)' });
    expect(thrown(() => checkValue({ list: Array.from({ length: 10_001 }, () => 0) }, 'c.mjs'))).toMatchObject({ code: 'PW_TOO_LARGE', reason: 'the value has more than 10000 entries' });
    // A shared (not circular) value is fine; objects that are not plain data are not looked into.
    const shared = { x: 1 };
    expect(() => checkValue({ a: shared, b: shared, c: new Map([[1, 2]]), d: () => 1 }, 'c.mjs')).not.toThrow();
  });

  it('more entries than the limit: PW_TOO_LARGE at the first one too many', () => {
    const text = '- 0\n'.repeat(YAML_LIMITS.maxEntries + 1);
    const d = thrown(() => YamlSource.parse(text, 'many.yaml'));
    expect(d).toMatchObject({ code: 'PW_TOO_LARGE', line: YAML_LIMITS.maxEntries + 1, column: 1, reason: 'the document has more than 10000 entries' });
  });
});

describe('didYouMean and suggestion', () => {
  const TOP = ['plugins', 'audit', 'extends'];

  it('no candidates: no suggestion', () => {
    expect(didYouMean('plugins', [])).toBeUndefined();
    expect(suggestion('plugins', [])).toBe('');
  });

  it('an exact match is its own best candidate', () => {
    expect(didYouMean('audit', TOP)).toBe('audit');
  });

  it('a typo: a letter missing, extra or changed', () => {
    expect(didYouMean('plugin', TOP)).toBe('plugins');
    expect(didYouMean('adit', TOP)).toBe('audit');
    expect(didYouMean('extendz', TOP)).toBe('extends');
    expect(suggestion('plugin', TOP)).toBe(' (did you mean `plugins`?)');
  });

  it('case does not count: `Audit`, `AUDIT`, `PREPATCH` are typos too', () => {
    expect(didYouMean('Audit', TOP)).toBe('audit');
    expect(didYouMean('AUDIT', TOP)).toBe('audit');
    expect(didYouMean('PLUGINZ', TOP)).toBe('plugins');
    expect(didYouMean('PREPATCH', ['prePatch', 'postPatch'])).toBe('prePatch');
    // Among candidates that differ in case only, the nearest with case.
    expect(didYouMean('Log', ['LOG', 'log'])).toBe('log');
    expect(didYouMean('LOg', ['log', 'LOG'])).toBe('LOG');
  });

  it('a swapped pair counts as 2 edits: suggested from 4 letters on, not for 3', () => {
    expect(didYouMean('audti', TOP)).toBe('audit');
    expect(didYouMean('lgo', ['log'])).toBeUndefined();
    expect(didYouMean('lg', ['log'])).toBe('log');
  });

  it('ties: the candidate with the same letters, else the first given', () => {
    // `laod` is 2 edits from both `load` and `log`.
    expect(didYouMean('laod', ['log', 'load'])).toBe('load');
    expect(didYouMean('laod', ['load', 'log'])).toBe('load');
    expect(didYouMean('bat', ['cat', 'hat'])).toBe('cat');
    expect(didYouMean('bat', ['hat', 'cat'])).toBe('hat');
  });

  it('within a third of the word: 4 edits in 12 letters, not 5', () => {
    expect(didYouMean('abcdefghijkl', ['abcdefghwxyz'])).toBe('abcdefghwxyz');
    expect(didYouMean('abcdefghijkl', ['abcdefgvwxyz'])).toBeUndefined();
  });

  it('far-away words: no suggestion', () => {
    expect(didYouMean('xyz', TOP)).toBeUndefined();
    expect(didYouMean('kernel', ['version', 'vendor'])).toBeUndefined();
    expect(didYouMean('abc', ['bca'])).toBeUndefined();
    expect(suggestion('severity', TOP)).toBe('');
  });

  it('an empty or one-letter word is no typo of a wholly different short word', () => {
    expect(didYouMean('', ['a', 'b'])).toBeUndefined();
    expect(didYouMean('x', ['a'])).toBeUndefined();
    expect(didYouMean('X', ['x'])).toBe('x');
  });

  it('takes a read-only list and leaves it as it was', () => {
    const frozen = Object.freeze(['beta', 'alpha']);
    expect(didYouMean('alpah', frozen)).toBe('alpha');
    expect(frozen).toEqual(['beta', 'alpha']);
  });
});
