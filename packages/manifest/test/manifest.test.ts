/**
 * The manifest package on its own: valid manifests from YAML and JSON, every validation error
 * (what, where, how to fix it), the short `functions:` form against `objects:`, the canonical bytes
 * a signature covers, and the livepatch module a manifest becomes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isDiagnostic, type Diagnostic } from '@patchwise/diagnostics';
import {
  ActionSchema,
  canonicalManifest,
  errnoValue,
  FunctionSchema,
  kernelFunctionsOf,
  loadManifestFile,
  MANIFEST_KEYS,
  manifestMetadata,
  manifestModule,
  moduleFunctionsOf,
  normalObjects,
  parseFunctionRef,
  parseManifest,
  patchDefinition,
  PatchManifestSchema,
  runActions,
  VMLINUX,
  type Action,
  type PatchManifest,
} from '@patchwise/manifest';
import { DEFAULT_CMDLINE, Machine, type SymbolSpec } from '@patchwise/sim';

const dir = mkdtempSync(join(tmpdir(), 'patchwise-manifest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
function tempFile(name: string, text: string): string {
  const file = join(dir, `${counter++}-${name}`);
  writeFileSync(file, text);
  return file;
}

function thrown(fn: () => unknown): Diagnostic {
  try {
    fn();
  } catch (err) {
    if (isDiagnostic(err)) return err;
    throw err;
  }
  throw new Error('expected a Diagnostic, nothing was thrown');
}

/** The Diagnostic `value` fails validation with. */
const invalid = (value: unknown) => thrown(() => parseManifest(value));
/** The Diagnostic a manifest file holding `text` fails with, and the file. */
function fileError(name: string, text: string): { err: Diagnostic; file: string } {
  const file = tempFile(name, text);
  return { err: thrown(() => loadManifestFile(file)), file };
}

const SCHEMA_HINT = 'see "The manifest format" in the @patchwise/manifest README';
const ACTIONS_HINT = 'the actions are `log`, `fail`, `shadowAlloc`, `shadowFree`, `shadowFreeAll`; see "The manifest format" in the @patchwise/manifest README';

/** The example of the README, as YAML. */
const README_YAML = `name: acme-net-fix
description: fix the rx path
vendor: acme
version: 1.2.0
tags: [net, cve-2026-1234]
replace: false
functions:
  - cmdline_proc_show
  - acme_drv:acme_read
  - acme_drv:acme_helper,2
  - {name: meminfo_proc_show, output: "fixed\\n"}
objects:
  - name: acme_drv
    callbacks:
      prePatch: [{log: preparing acme_drv}]
states: [{id: 1, version: 2}]
requires: {acme-base: ">=1.0.0"}
kernel: ">=6.1 <6.15"
`;

/** The same manifest as JSON, its keys in another order. */
const README_JSON = `{
  "kernel": ">=6.1 <6.15",
  "requires": {"acme-base": ">=1.0.0"},
  "states": [{"version": 2, "id": 1}],
  "objects": [{"callbacks": {"prePatch": [{"log": "preparing acme_drv"}]}, "name": "acme_drv"}],
  "functions": ["cmdline_proc_show", "acme_drv:acme_read", "acme_drv:acme_helper,2", {"output": "fixed\\n", "name": "meminfo_proc_show"}],
  "replace": false,
  "tags": ["net", "cve-2026-1234"],
  "version": "1.2.0",
  "vendor": "acme",
  "description": "fix the rx path",
  "name": "acme-net-fix"
}
`;

const README_VALUE = {
  name: 'acme-net-fix',
  description: 'fix the rx path',
  vendor: 'acme',
  version: '1.2.0',
  tags: ['net', 'cve-2026-1234'],
  replace: false,
  functions: ['cmdline_proc_show', 'acme_drv:acme_read', 'acme_drv:acme_helper,2', { name: 'meminfo_proc_show', output: 'fixed\n' }],
  objects: [{ name: 'acme_drv', callbacks: { prePatch: [{ log: 'preparing acme_drv' }] } }],
  states: [{ id: 1, version: 2 }],
  requires: { 'acme-base': '>=1.0.0' },
  kernel: '>=6.1 <6.15',
};

describe('valid manifests', () => {
  it('the README example, from YAML', () => {
    expect(loadManifestFile(tempFile('acme.yaml', README_YAML))).toEqual(README_VALUE);
  });

  it('the same from JSON (key order does not matter)', () => {
    expect(loadManifestFile(tempFile('acme.json', README_JSON))).toEqual(README_VALUE);
  });

  it('a minimal manifest: a name and one function; the value is returned as given', () => {
    const value = { name: 'fix_1', functions: ['cmdline_proc_show'] };
    expect(parseManifest(value)).toBe(value);
    expect(parseManifest({ name: 'vm', objects: [{ name: 'vmlinux' }] })).toEqual({ name: 'vm', objects: [{ name: 'vmlinux' }] });
  });

  it('every optional key at once', () => {
    const value = {
      ...README_VALUE,
      lineage: 'acme-net',
      callbacks: { 'console-loglevel': { prePatch: [{ shadowAlloc: { obj: 'console', id: 1, value: 7 } }], postUnpatch: [{ shadowFree: { obj: 'console', id: 1 } }], blockDisable: true } },
      conflicts: { 'other-fix': '*' },
      provides: ['net-rx@1.2.0'],
      signature: 'c2lnbmF0dXJl',
      metadata: { team: 'kernel', ticket: 42 },
    };
    expect(parseManifest(value)).toEqual(value);
  });

  it('the name may be 55 characters (MODULE_NAME_LEN), of letters, digits, `_` and `-`', () => {
    expect(parseManifest({ name: 'a'.repeat(55), functions: ['f'] }).name).toHaveLength(55);
    expect(parseManifest({ name: 'Acme_fix-2', functions: ['f'] }).name).toBe('Acme_fix-2');
  });

  it('function references: plain, in a module, with a position, or as a map', () => {
    const ok = (f: unknown) => FunctionSchema.safeParse(f).success;
    expect(['f', 'acme_drv:f', 'acme_drv:f,2', 'f,10', 'f.cold', '_f', '$f', 'my-mod:f'].filter((f) => !ok(f))).toEqual([]);
    expect(['', 'a b', 'm:', ':f', 'f,0', 'f,', 'm:f,x', '1f', 'a:b:c'].filter(ok)).toEqual([]);
    expect(ok({ name: 'f', object: 'acme_drv', sympos: 0, new: 'my_f', output: 'x' })).toBe(true);
  });

  it('actions: a negative errno or its name for `fail`', () => {
    const ok = (a: unknown) => ActionSchema.safeParse(a).success;
    expect([{ log: 'x' }, { fail: -19 }, { fail: 'ENODEV' }, { shadowAlloc: { obj: 1, id: 2 } }, { shadowFree: { obj: 'x', id: 2 } }, { shadowFreeAll: { id: 2 } }].filter((a) => !ok(a))).toEqual([]);
    expect([{ fail: 19 }, { fail: 0 }, { fail: 'enodev' }, { log: 'a', fail: -1 }, {}].filter(ok)).toEqual([]);
  });

  it('MANIFEST_KEYS are the top-level keys of the README table', () => {
    const documented = ['name', 'description', 'version', 'lineage', 'vendor', 'tags', 'replace', 'functions', 'objects', 'states', 'callbacks', 'requires', 'conflicts', 'provides', 'kernel', 'published', 'signature', 'metadata'];
    expect([...MANIFEST_KEYS].sort()).toEqual(documented.sort());
    expect(Object.keys(PatchManifestSchema.shape).sort()).toEqual(documented.sort());
  });
});

describe('validation errors: what is wrong, where, and how to fix it', () => {
  it('an unknown top-level key: did you mean, located at the key, reported before other problems', () => {
    const { err, file } = fileError('typo.yaml', 'name: acme_fix\nvendr: acme\nreplace: "yes"\nfunctions: [cmdline_proc_show]\n');
    expect(err).toMatchObject({ code: 'PW_MANIFEST', file, path: 'vendr', line: 2, column: 1, hint: SCHEMA_HINT });
    expect(err.message).toBe(`${file}:2:1: invalid patch manifest: unknown key \`vendr\` (did you mean \`vendor\`?) (at \`vendr\`)\n  hint: ${SCHEMA_HINT}`);
  });

  it('an unknown key far from any known one: no suggestion', () => {
    expect(invalid({ name: 'p', functions: ['f'], colour: 'blue' }).reason).toBe('invalid patch manifest: unknown key `colour`');
  });

  it('unknown keys inside objects, functions, states and callbacks: did you mean the key of that place', () => {
    const cases: [unknown, string, string][] = [
      [{ name: 'p', objects: [{ name: 'm', fuctions: ['f'] }] }, 'objects[0].fuctions', 'unknown key `fuctions` (did you mean `functions`?)'],
      [{ name: 'p', functions: [{ name: 'f', outptu: 'x' }] }, 'functions[0].outptu', 'unknown key `outptu` (did you mean `output`?)'],
      [{ name: 'p', functions: ['f'], states: [{ id: 1, versoin: 1 }] }, 'states[0].versoin', 'unknown key `versoin` (did you mean `version`?)'],
      [{ name: 'p', functions: ['f'], callbacks: { a: { prepatch: [] } } }, 'callbacks.a.prepatch', 'unknown key `prepatch` (did you mean `prePatch`?)'],
      [{ name: 'p', objects: [{ name: 'm', callbacks: { PostPatch: [] } }] }, 'objects[0].callbacks.PostPatch', 'unknown key `PostPatch` (did you mean `postPatch`?)'],
    ];
    for (const [value, path, reason] of cases) {
      const err = invalid(value);
      expect(err.path).toBe(path);
      expect(err.reason).toBe(`invalid patch manifest: ${reason}`);
    }
    // `blockDisable` belongs to scoped callbacks, not to an object's: unknown there.
    expect(invalid({ name: 'p', objects: [{ name: 'vmlinux', callbacks: { blockDisable: true } }] })).toMatchObject({
      path: 'objects[0].callbacks.blockDisable',
      reason: 'invalid patch manifest: unknown key `blockDisable`',
    });
  });

  it('`name`: missing, with other characters, too long', () => {
    expect(invalid({ functions: ['f'] })).toMatchObject({ path: 'name', reason: 'invalid patch manifest: missing key `name` (expected string)' });
    expect(invalid({ name: 'acme fix!', functions: ['f'] })).toMatchObject({ path: 'name', reason: 'invalid patch manifest: letters, digits, `_` and `-` only' });
    const long = invalid({ name: 'a'.repeat(56), functions: ['f'] });
    expect(long.path).toBe('name');
    expect(long.reason).toContain('<=55 characters');
  });

  it('a value of the wrong type names the types', () => {
    const { err } = fileError('replace.yaml', 'name: acme_fix\nfunctions: [cmdline_proc_show]\nreplace: "yes"\n');
    expect(err).toMatchObject({ path: 'replace', line: 3, column: 10, reason: 'invalid patch manifest: expected boolean, received string' });
    expect(invalid({ name: 'p', functions: 'f' })).toMatchObject({ path: 'functions', reason: 'invalid patch manifest: expected array, received string' });
    expect(invalid({ name: 'p', functions: ['f'], requires: { base: 1 } })).toMatchObject({ path: 'requires.base', reason: 'invalid patch manifest: expected string, received number; put the value in quotes (`"…"`) to write it as a string' });
    expect(invalid({ name: 'p', functions: ['f'], metadata: 3 })).toMatchObject({ path: 'metadata', reason: 'invalid patch manifest: expected record, received number' });
    expect(invalid({ name: 'p', functions: ['f'], tags: [''] }).path).toBe('tags[0]');
  });

  it('a function that is neither a reference nor a map: both forms named, not "Invalid input"', () => {
    const err = invalid({ name: 'p', functions: ['f', 42] });
    expect(err).toMatchObject({ path: 'functions[1]', reason: 'invalid patch manifest: expected string or object, received number', hint: SCHEMA_HINT });
    expect(err.message).not.toContain('Invalid input');
  });

  it('a malformed function reference', () => {
    expect(invalid({ name: 'p', functions: ['acme_drv:'] })).toMatchObject({
      path: 'functions[0]',
      reason: 'invalid patch manifest: expected `name`, `module:name` or `module:name,N`',
    });
    expect(invalid({ name: 'p', functions: [{ name: 'f', sympos: -1 }] }).path).toBe('functions[0].sympos');
    expect(invalid({ name: 'p', functions: [{ object: 'm' }] })).toMatchObject({ path: 'functions[0].name', reason: 'invalid patch manifest: missing key `name` (expected string)' });
  });

  it('a function of another module listed under an object', () => {
    expect(invalid({ name: 'p', objects: [{ name: 'acme_drv', functions: ['f', 'other_drv:g'] }] })).toMatchObject({
      path: 'objects[0].functions[1]',
      reason: 'invalid patch manifest: a function of `other_drv` listed under object `acme_drv`; list it under its own object or in `functions`',
    });
    expect(invalid({ name: 'p', objects: [{ name: 'acme_drv', functions: [{ name: 'g', object: 'vmlinux' }] }] }).path).toBe('objects[0].functions[0]');
  });

  it('a system state with id 0, a negative version', () => {
    expect(invalid({ name: 'p', functions: ['f'], states: [{ id: 0, version: 1 }] }).path).toBe('states[0].id');
    expect(invalid({ name: 'p', functions: ['f'], states: [{ id: 1, version: -1 }] }).path).toBe('states[0].version');
  });

  it('a patch that patches nothing: the hint says what to list', () => {
    for (const value of [{ name: 'empty_fix' }, { name: 'empty_fix', functions: [], objects: [] }]) {
      const err = invalid(value);
      expect(err).toMatchObject({ code: 'PW_MANIFEST', path: undefined, reason: "invalid patch manifest: patch 'empty_fix' has no objects: it lists no `functions` and no `objects`" });
      expect(err.hint).toContain('`functions: [cmdline_proc_show]`');
    }
  });

  it('an object listed twice, at the second one', () => {
    expect(invalid({ name: 'p', objects: [{ name: 'm' }, { name: 'vmlinux' }, { name: 'm' }] })).toMatchObject({
      path: 'objects[2].name',
      reason: 'invalid patch manifest: object `m` is listed twice',
      hint: 'list each object once, with all its functions',
    });
  });

  it('a function listed twice, however it is written', () => {
    const twice = (value: unknown, path: string, reason: string) => {
      expect(invalid(value)).toMatchObject({ path, reason: `invalid patch manifest: ${reason}`, hint: 'list each function once' });
    };
    twice({ name: 'p', functions: ['f', 'f'] }, 'functions[1]', 'function `f` of `vmlinux` is listed twice');
    twice({ name: 'p', functions: ['f', 'vmlinux:f'] }, 'functions[1]', 'function `f` of `vmlinux` is listed twice');
    twice({ name: 'p', functions: ['f', { name: 'f' }] }, 'functions[1]', 'function `f` of `vmlinux` is listed twice');
    // sympos 0 (the only one) and 1 (the first one) are the same function.
    twice({ name: 'p', functions: ['m:f', 'm:f,1'] }, 'functions[1]', 'function `f` of `m` is listed twice');
    // Under `objects` and again in `functions`: the one in `functions` is the second.
    twice({ name: 'p', objects: [{ name: 'm', functions: ['f'] }], functions: ['m:f'] }, 'functions[0]', 'function `f` of `m` is listed twice');
  });

  it('the same name at other positions or in other objects is not a duplicate', () => {
    expect(() => parseManifest({ name: 'p', functions: ['f,1', 'f,2', 'm:f', { name: 'f', object: 'n' }] })).not.toThrow();
  });

  it('not a mapping at all', () => {
    expect(invalid('just text')).toMatchObject({ path: undefined, reason: 'invalid patch manifest: expected object, received string' });
    expect(invalid(null).reason).toBe('invalid patch manifest: expected object, received null');
    expect(invalid([]).reason).toBe('invalid patch manifest: expected object, received array');
  });
});

describe('validation errors in callbacks: the step and the action', () => {
  const object = (steps: unknown) => ({ name: 'p', objects: [{ name: 'vmlinux', functions: ['f'], callbacks: { prePatch: steps } }] });
  const scoped = (steps: unknown) => ({ name: 'p', functions: ['f'], callbacks: { 'my-id': { postUnpatch: steps } } });
  const FAIL = '`fail` takes a negative errno or its name (e.g. `-19` or `ENODEV`)';

  it('an unknown action: did you mean, and the hint lists the actions', () => {
    expect(invalid(object([{ log: 'ok' }, { lgo: 'x' }, { logg: 'x' }]))).toMatchObject({
      path: 'objects[0].callbacks.prePatch[1]',
      reason: 'invalid patch manifest: step 2 of `prePatch`: unknown action `lgo`',
      hint: ACTIONS_HINT,
    });
    expect(invalid(scoped([{ shadowfree: { obj: 1, id: 1 } }]))).toMatchObject({
      path: 'callbacks.my-id.postUnpatch[0]',
      reason: 'invalid patch manifest: step 1 of `postUnpatch`: unknown action `shadowfree` (did you mean `shadowFree`?)',
    });
  });

  it('`fail` with a positive errno, 0, a fraction or a lower-case name: the same words for each', () => {
    for (const fail of [19, 0, -1.5, 'enodev', 'ENOPE']) {
      expect(invalid(object([{ log: 'x' }, { fail }]))).toMatchObject({
        path: 'objects[0].callbacks.prePatch[1].fail',
        reason: `invalid patch manifest: step 2 of \`prePatch\`: ${FAIL}`,
        hint: ACTIONS_HINT,
      });
    }
    expect(invalid(scoped([{ fail: 5 }]))).toMatchObject({ path: 'callbacks.my-id.postUnpatch[0].fail', reason: `invalid patch manifest: step 1 of \`postUnpatch\`: ${FAIL}` });
  });

  it('a wrong value inside an action', () => {
    const cases: [Action | Record<string, unknown>, string, string][] = [
      [{ log: 5 }, '.log', '`log`: expected string, received number; put the value in quotes (`"…"`) to write it as a string'],
      [{ shadowAlloc: { obj: 1, id: 2, vlaue: 3 } }, '.shadowAlloc.vlaue', '`shadowAlloc`: unknown key `vlaue` (did you mean `value`?)'],
      [{ shadowFree: { obj: true, id: 1 } }, '.shadowFree.obj', '`shadowFree`: expected string or number, received boolean'],
      [{ shadowFreeAll: {} }, '.shadowFreeAll.id', '`shadowFreeAll`: missing key `id` (expected number)'],
      [{ shadowFreeAll: 3 }, '.shadowFreeAll', '`shadowFreeAll`: expected object, received number'],
    ];
    for (const [step, path, reason] of cases) {
      expect(invalid(object([step]))).toMatchObject({
        path: `objects[0].callbacks.prePatch[0]${path}`,
        reason: `invalid patch manifest: step 1 of \`prePatch\`: ${reason}`,
        hint: ACTIONS_HINT,
      });
    }
  });

  it('a step that is not a one-key map; a callback that is not a list', () => {
    for (const step of ['log', null, {}, { log: 'a', fail: -1 }]) {
      expect(invalid(object([step])).reason).toBe('invalid patch manifest: step 1 of `prePatch`: an action is a one-key map like `log: text`');
    }
    expect(invalid(object({ log: 'x' }))).toMatchObject({ path: 'objects[0].callbacks.prePatch', reason: 'invalid patch manifest: `prePatch` takes a list of actions' });
  });

  it('in a file: at the line of the step, also under a scoped callback ID written as a number', () => {
    const { err } = fileError(
      'cb.yaml',
      'name: acme_fix\nobjects:\n  - name: vmlinux\n    functions: [cmdline_proc_show]\n    callbacks:\n      prePatch:\n        - log: preparing\n        - fail: 19\n',
    );
    expect(err).toMatchObject({ path: 'objects[0].callbacks.prePatch[1].fail', line: 8, column: 17 });
    const scopedFile = fileError('scoped.yaml', 'name: acme_fix\nfunctions: [cmdline_proc_show]\ncallbacks:\n  42:\n    prePatch:\n      - logg: x\n');
    expect(scopedFile.err).toMatchObject({ path: 'callbacks["42"].prePatch[0]', line: 6, column: 9 });
    expect(scopedFile.err.reason).toBe('invalid patch manifest: step 1 of `prePatch`: unknown action `logg` (did you mean `log`?)');
  });

  it('an unknown key in an action is located at the key', () => {
    const { err } = fileError('key.yaml', 'name: p\nfunctions: [f]\ncallbacks:\n  id:\n    prePatch:\n      - shadowAlloc: {obj: 1, id: 2, vlaue: 3}\n');
    expect(err).toMatchObject({ path: 'callbacks.id.prePatch[0].shadowAlloc.vlaue', line: 6, column: 38 });
  });
});

describe('where an error is: file, line, path prefix', () => {
  it('a nested unknown key in a JSON file', () => {
    const json = '{\n  "name": "acme_fix",\n  "objects": [\n    {"name": "vmlinux", "fuctions": ["cmdline_proc_show"]}\n  ]\n}\n';
    const { err, file } = fileError('nested.json', json);
    expect(err).toMatchObject({ code: 'PW_MANIFEST', file, path: 'objects[0].fuctions', line: 4, column: 25 });
  });

  it('a nested error in YAML, at the value', () => {
    const { err } = fileError('sympos.yaml', 'name: p\nfunctions:\n  - name: f\n    sympos: -1\n');
    expect(err).toMatchObject({ path: 'functions[0].sympos', line: 4, column: 13 });
  });

  it('a structure problem is located too', () => {
    const { err } = fileError('dup.yaml', 'name: p\nfunctions:\n  - f\n  - vmlinux:f\n');
    expect(err).toMatchObject({ path: 'functions[1]', line: 4, column: 5 });
  });

  it('`path` prefixes the error path; `locate` is asked for the full path (and whether it is a key)', () => {
    const asked: unknown[] = [];
    const locate = (path: (string | number)[], options?: { key?: boolean }) => {
      asked.push([path, options]);
      return { line: 9, column: 3 };
    };
    const err = thrown(() => parseManifest({ name: 'p', vendr: 'x', functions: ['f'] }, { file: 'run.scenario.yaml', path: ['patches', 2], locate }));
    expect(err.message).toBe(`run.scenario.yaml:9:3: invalid patch manifest: unknown key \`vendr\` (did you mean \`vendor\`?) (at \`patches[2].vendr\`)\n  hint: ${SCHEMA_HINT}`);
    expect(asked).toEqual([[['patches', 2, 'vendr'], { key: true }]]);
    asked.length = 0;
    thrown(() => parseManifest({ name: 'p', functions: ['f', 'f'] }, { path: ['patches', 0], locate }));
    expect(asked).toEqual([[['patches', 0, 'functions', 1], undefined]]);
  });

  it('without a file or a locator: no place, only the path', () => {
    const err = invalid({ name: 'p', functions: ['f'], replace: 1 });
    expect(err).toMatchObject({ file: undefined, line: undefined, column: undefined, path: 'replace' });
    expect(err.message).toBe(`invalid patch manifest: expected boolean, received number (at \`replace\`)\n  hint: ${SCHEMA_HINT}`);
  });
});

describe('loadManifestFile', () => {
  it('an empty file, or one of comments only', () => {
    for (const text of ['', '# nothing yet\n']) {
      const { err, file } = fileError('empty.yaml', text);
      expect(err).toMatchObject({ code: 'PW_MANIFEST', file, line: undefined, reason: 'the file is empty: a manifest needs at least `name` and `functions` (or `objects`)', hint: SCHEMA_HINT });
    }
  });

  it('a missing file, named as displayed', () => {
    const err = thrown(() => loadManifestFile(join(dir, 'missing.yaml'), 'patches/missing.yaml'));
    expect(err).toMatchObject({ code: 'PW_NO_SUCH_FILE', file: 'patches/missing.yaml', reason: 'cannot read the manifest: no such file' });
  });

  it('the display name is used in schema errors too', () => {
    const file = tempFile('shown.yaml', 'name: p\nvendr: x\nfunctions: [f]\n');
    expect(thrown(() => loadManifestFile(file, 'patches/shown.yaml'))).toMatchObject({ file: 'patches/shown.yaml', line: 2 });
  });

  it('malformed YAML or JSON is PW_SYNTAX', () => {
    expect(fileError('bad.yaml', 'name: p\nfunctions: [f\n').err.code).toBe('PW_SYNTAX');
    expect(fileError('bad.json', '{"name": "p",}').err).toMatchObject({ code: 'PW_SYNTAX', line: 1, column: 14 });
    expect(fileError('two.yaml', 'name: a\nfunctions: [f]\n---\nname: b\n').err).toMatchObject({ code: 'PW_SYNTAX', line: 3 });
  });
});

describe('normalisation: the short form and the objects form', () => {
  it('parseFunctionRef splits at the first `:` and `,`', () => {
    expect(parseFunctionRef('cmdline_proc_show')).toEqual({ object: 'vmlinux', name: 'cmdline_proc_show', sympos: 0 });
    expect(parseFunctionRef('acme_drv:acme_read')).toEqual({ object: 'acme_drv', name: 'acme_read', sympos: 0 });
    expect(parseFunctionRef('acme_drv:acme_helper,2')).toEqual({ object: 'acme_drv', name: 'acme_helper', sympos: 2 });
    expect(parseFunctionRef('f,3')).toEqual({ object: VMLINUX, name: 'f', sympos: 3 });
    // Documented: not checked further.
    expect(parseFunctionRef('m:f,x').sympos).toBeNaN();
    expect(VMLINUX).toBe('vmlinux');
  });

  it('`functions:` and `objects:` describing the same patch normalise the same', () => {
    const short: PatchManifest = { name: 'p', functions: ['cmdline_proc_show', 'acme_drv:acme_read,2', { name: 'meminfo_proc_show', new: 'my_meminfo', output: 'x\n' }] };
    const full: PatchManifest = {
      name: 'p',
      objects: [
        { name: 'vmlinux', functions: ['cmdline_proc_show', { name: 'meminfo_proc_show', new: 'my_meminfo', output: 'x\n' }] },
        { name: 'acme_drv', functions: [{ name: 'acme_read', sympos: 2 }] },
      ],
    };
    const expected = [
      {
        name: 'vmlinux',
        callbacks: undefined,
        functions: [
          { object: 'vmlinux', name: 'cmdline_proc_show', sympos: 0, newName: 'livepatch_cmdline_proc_show', output: undefined },
          { object: 'vmlinux', name: 'meminfo_proc_show', sympos: 0, newName: 'my_meminfo', output: 'x\n' },
        ],
      },
      { name: 'acme_drv', callbacks: undefined, functions: [{ object: 'acme_drv', name: 'acme_read', sympos: 2, newName: 'livepatch_acme_drv_acme_read_2', output: undefined }] },
    ];
    expect(normalObjects(parseManifest(short))).toEqual(expected);
    expect(normalObjects(parseManifest(full))).toEqual(expected);
    expect(patchDefinition(full).objects).toEqual(patchDefinition(short).objects);
    // What a signature covers is the manifest as written, not its normal form.
    expect(canonicalManifest(short)).not.toBe(canonicalManifest(full));
  });

  it('objects in order: those of `objects` first, then those first named by `functions`', () => {
    const objects = normalObjects(README_VALUE);
    expect(objects.map((o) => o.name)).toEqual(['acme_drv', 'vmlinux']);
    const [drv, vmlinux] = objects;
    expect(drv?.callbacks).toEqual({ prePatch: [{ log: 'preparing acme_drv' }] });
    expect(drv?.functions.map((f) => [f.name, f.sympos, f.newName])).toEqual([
      ['acme_read', 0, 'livepatch_acme_drv_acme_read'],
      ['acme_helper', 2, 'livepatch_acme_drv_acme_helper_2'],
    ]);
    expect(vmlinux?.functions.map((f) => [f.name, f.output])).toEqual([
      ['cmdline_proc_show', undefined],
      ['meminfo_proc_show', 'fixed\n'],
    ]);
    expect(normalObjects({ name: 'p', functions: ['b:g', 'f', 'a:h', 'b:i'] }).map((o) => [o.name, o.functions.map((f) => f.name)])).toEqual([
      ['b', ['g', 'i']],
      ['vmlinux', ['f']],
      ['a', ['h']],
    ]);
  });

  it('metadata: the validated fields over `metadata`, without the patch structure, plus the manifest', () => {
    const m: PatchManifest = {
      name: 'p',
      description: 'd',
      version: '1.0.0',
      vendor: 'acme',
      tags: ['net'],
      replace: true,
      functions: ['f'],
      objects: [{ name: 'vmlinux' }],
      states: [{ id: 1, version: 1 }],
      requires: { base: '>=1' },
      signature: 'sig',
      metadata: { vendor: 'evil', team: 'kernel' },
    };
    const meta = manifestMetadata(m);
    expect(meta).toEqual({ team: 'kernel', description: 'd', version: '1.0.0', vendor: 'acme', tags: ['net'], requires: { base: '>=1' }, signature: 'sig', manifest: m });
    expect(meta.manifest).toBe(m);
  });
});

describe('canonicalManifest: the bytes a signature covers', () => {
  it('JSON, keys sorted at every level, no whitespace, `signature` left out', () => {
    const m = { vendor: 'v', name: 'p', signature: 'AAAA', functions: ['g', 'f'], metadata: { z: 1, a: { d: 2, c: [{ y: 1, x: 2 }] } } };
    expect(canonicalManifest(m)).toBe('{"functions":["g","f"],"metadata":{"a":{"c":[{"x":2,"y":1}],"d":2},"z":1},"name":"p","vendor":"v"}');
  });

  it('does not depend on key order, nor on the signature it is signed with', () => {
    const a = { name: 'p', vendor: 'v', functions: ['f'], requires: { x: '1', y: '2' } };
    const b = { requires: { y: '2', x: '1' }, functions: ['f'], vendor: 'v', name: 'p', signature: 'c2ln' };
    expect(canonicalManifest(a)).toBe(canonicalManifest(b));
  });

  it('depends on every signed value, list order included', () => {
    const base = canonicalManifest({ name: 'p', vendor: 'v', functions: ['f', 'g'] });
    expect(canonicalManifest({ name: 'p', vendor: 'w', functions: ['f', 'g'] })).not.toBe(base);
    expect(canonicalManifest({ name: 'p', vendor: 'v', functions: ['g', 'f'] })).not.toBe(base);
    expect(canonicalManifest({ name: 'p', vendor: 'v', functions: ['f', 'g'], tags: [] })).not.toBe(base);
  });

  it('only the top-level `signature` is left out; `undefined` values are dropped', () => {
    expect(canonicalManifest({ name: 'p', metadata: { signature: 's' } })).toBe('{"metadata":{"signature":"s"},"name":"p"}');
    expect(canonicalManifest({ name: 'p', vendor: undefined })).toBe('{"name":"p"}');
  });

  it('the same manifest from YAML and from JSON (keys in another order) has the same bytes', () => {
    const fromYaml = loadManifestFile(tempFile('c.yaml', README_YAML));
    const fromJson = loadManifestFile(tempFile('c.json', README_JSON));
    expect(canonicalManifest(fromJson)).toBe(canonicalManifest(fromYaml));
    expect(canonicalManifest(fromYaml)).toBe(canonicalManifest(README_VALUE));
  });

  it('leaves the manifest as it was', () => {
    const m = { name: 'p', signature: 's', b: { y: 1, x: 2 } };
    canonicalManifest(m);
    expect(Object.keys(m)).toEqual(['name', 'signature', 'b']);
    expect(Object.keys(m.b)).toEqual(['y', 'x']);
  });

  it('a manifest holding a function cannot be signed', () => {
    const m: PatchManifest = { name: 'p', objects: [{ name: 'vmlinux', callbacks: { prePatch: () => 0 } }] };
    expect(() => canonicalManifest(m)).toThrow(
      new TypeError('a manifest with functions in it cannot be signed; use declarative callback actions (at `objects[0].callbacks.prePatch`)'),
    );
  });
});

describe('to a livepatch module', () => {
  it('the module image: name, livepatch, description, one replacement symbol per distinct `new`', () => {
    const m = parseManifest({ name: 'acme_fix', vendor: 'acme', functions: ['cmdline_proc_show', { name: 'meminfo_proc_show', output: 'fixed\n' }, { name: 'version_proc_show', new: 'livepatch_cmdline_proc_show' }] });
    const image = manifestModule(m);
    expect(image).toMatchObject({ name: 'acme_fix', livepatch: true, description: 'patch manifest (vendor acme)' });
    const symbols = image.symbols as readonly SymbolSpec[];
    expect(symbols.map((s) => s.name)).toEqual(['livepatch_cmdline_proc_show', 'livepatch_meminfo_proc_show']);
    const body = (s: SymbolSpec | undefined) => s?.body?.(undefined as never);
    expect(body(symbols[0])).toBe('acme_fix: this has been live patched\n');
    expect(body(symbols[1])).toBe('fixed\n');
    expect(manifestModule({ name: 'p', functions: ['f'] }).description).toBe('patch manifest');
    expect(manifestModule({ name: 'p', description: 'mine', vendor: 'v', functions: ['f'] }).description).toBe('mine');
  });

  it('patchDefinition (a dry run): objects, functions, sympos only when set, states, replace, no callbacks', () => {
    const m = parseManifest({
      name: 'p',
      replace: true,
      states: [{ id: 3, version: 1 }],
      objects: [{ name: 'acme_drv', callbacks: { prePatch: [{ log: 'x' }] } }],
      functions: ['cmdline_proc_show', 'acme_drv:acme_read,2'],
    });
    const def = patchDefinition(m);
    expect(def.replace).toBe(true);
    expect(def.states).toEqual([{ id: 3, version: 1 }]);
    expect(def.metadata).toEqual(manifestMetadata(m));
    expect(def.objects).toEqual([
      { name: 'acme_drv', funcs: [{ oldName: 'acme_read', newFunc: 'livepatch_acme_drv_acme_read_2', oldSympos: 2 }], callbacks: {} },
      { name: null, funcs: [{ oldName: 'cmdline_proc_show', newFunc: 'livepatch_cmdline_proc_show' }], callbacks: {} },
    ]);
    const plain = patchDefinition({ name: 'q', functions: ['f'] });
    expect(plain.replace).toBe(false);
    expect('states' in plain).toBe(false);
  });

  it('the functions a machine must provide', () => {
    const m1: PatchManifest = { name: 'a', functions: ['cmdline_proc_show', 'acme_drv:acme_read'] };
    const m2: PatchManifest = { name: 'b', objects: [{ name: 'vmlinux', functions: ['version_proc_show'] }], functions: ['cmdline_proc_show', 'meminfo_proc_show', 'acme_drv:acme_write', 'acme_drv:acme_read,2'] };
    expect(kernelFunctionsOf([m1, m2])).toEqual(['cmdline_proc_show', 'version_proc_show', 'meminfo_proc_show']);
    expect(moduleFunctionsOf([m1, m2])).toEqual(new Map([['acme_drv', ['acme_read', 'acme_write']]]));
    expect(kernelFunctionsOf([])).toEqual([]);
  });

  it('insmod enables the patch: /proc/cmdline shows the replacement', async () => {
    const m = parseManifest({ name: 'acme_fix', functions: [{ name: 'cmdline_proc_show', output: 'fixed\n' }] });
    const machine = new Machine({ kernelFunctions: kernelFunctionsOf([m]) });
    machine.addModule(manifestModule(m));
    expect(machine.read('/proc/cmdline')).toBe(`${DEFAULT_CMDLINE}\n`);
    expect(await machine.insmod('acme_fix')).toBe(0);
    machine.advance(1000);
    expect(machine.read('/sys/kernel/livepatch/acme_fix/enabled')).toBe('1\n');
    expect(machine.read('/proc/cmdline')).toBe('fixed\n');
  });

  it('object callbacks run as actions: log lines, shadow variables, a prePatch failure fails the enable', async () => {
    const machine = new Machine();
    const ok = parseManifest({
      name: 'cb_fix',
      objects: [{ name: 'vmlinux', functions: ['cmdline_proc_show'], callbacks: { prePatch: [{ log: 'preparing' }, { shadowAlloc: { obj: 'console', id: 1, value: 7 } }] } }],
    });
    machine.addModule(manifestModule(ok));
    expect(await machine.insmod('cb_fix')).toBe(0);
    expect(machine.log.records().map((r) => r.text)).toContain('cb_fix: preparing');
    expect(machine.livepatch.shadow.get('console', 1)?.value).toBe(7);

    const failing = parseManifest({
      name: 'fail_fix',
      objects: [{ name: 'vmlinux', functions: ['meminfo_proc_show'], callbacks: { prePatch: [{ fail: 'ENODEV' }, { log: 'never' }] } }],
    });
    const other = new Machine();
    other.addModule(manifestModule(failing));
    expect(await other.insmod('fail_fix')).toBe(-19);
    expect(other.log.records().map((r) => r.text)).not.toContain('fail_fix: never');
  });
});

describe('runActions and errnoValue', () => {
  it('runs the steps in order; `fail` stops and returns its negative errno', () => {
    const shadow = new Machine().livepatch.shadow;
    const printed: string[] = [];
    const host = { print: (text: string) => void printed.push(text), shadow };
    expect(runActions([{ log: 'one' }, { shadowAlloc: { obj: 'a', id: 5, value: 'v' } }, { shadowAlloc: { obj: 'b', id: 5 } }, { log: 'two' }], host)).toBe(0);
    expect(printed).toEqual(['one', 'two']);
    expect(shadow.get('a', 5)?.value).toBe('v');
    expect(shadow.get('b', 5)).not.toBeNull();
    expect(runActions([{ shadowFree: { obj: 'a', id: 5 } }], host)).toBe(0);
    expect(shadow.get('a', 5)).toBeNull();
    expect(shadow.get('b', 5)).not.toBeNull();
    expect(runActions([{ shadowFreeAll: { id: 5 } }], host)).toBe(0);
    expect(shadow.get('b', 5)).toBeNull();
    expect(runActions([{ log: 'before' }, { fail: 'EBUSY' }, { log: 'after' }], host)).toBe(-16);
    expect(printed).toEqual(['one', 'two', 'before']);
    expect(runActions([], host)).toBe(0);
  });

  it('errnoValue: a name is its negative errno, a number is itself', () => {
    expect(errnoValue('ENODEV')).toBe(-19);
    expect(errnoValue('EINVAL')).toBe(-22);
    expect(errnoValue(-5)).toBe(-5);
  });
});
