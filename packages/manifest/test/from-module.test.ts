import { describe, expect, it } from 'vitest';
import { isDiagnostic } from '@patchwise/diagnostics';
import { crossCheckManifests, manifestFromModule, type ModuleFacts } from '@patchwise/manifest';

const facts = (modinfo: Record<string, string>, over: Partial<ModuleFacts> = {}): ModuleFacts => ({
  name: 'acme_fix',
  modinfo: [{ key: 'livepatch', value: 'Y' }, ...Object.entries(modinfo).map(([key, value]) => ({ key, value }))],
  replace: false,
  objects: [
    { name: 'vmlinux', functions: [{ name: 'cmdline_proc_show', sympos: 0, replacement: 'acme_show' }], callbacks: { prePatch: 'pre', postPatch: null } },
    { name: 'pw_target', functions: [{ name: 'pw_target_step', sympos: 2, replacement: 'acme_step' }] },
  ],
  states: [{ id: 1, version: 2 }],
  ...over,
});

function diagnosticOf(fn: () => unknown) {
  try {
    fn();
  } catch (err) {
    if (isDiagnostic(err)) return err;
    throw err;
  }
  throw new Error('expected a Diagnostic');
}

describe('manifestFromModule', () => {
  it('the patch from the klp_patch, the metadata from patchwise_* modinfo', () => {
    const manifest = manifestFromModule(
      facts({
        description: 'a fix',
        patchwise_vendor: 'acme',
        patchwise_version: '1.2.0',
        patchwise_tags: 'security, net,,cve-1',
        patchwise_requires: 'acme_base@>=1.0.0 <2, acme_net',
        patchwise_conflicts: 'beta_fix@*',
        patchwise_provides: 'net-fix@1.2.0,cmdline',
        patchwise_replace_set: 'acme',
        patchwise_published: '2026-01-15',
      }),
    );
    expect(manifest).toEqual({
      name: 'acme_fix',
      description: 'a fix',
      version: '1.2.0',
      vendor: 'acme',
      tags: ['security', 'net', 'cve-1', 'replace-set:acme'],
      replace: false,
      objects: [
        { name: 'vmlinux', functions: [{ name: 'cmdline_proc_show', new: 'acme_show' }] },
        { name: 'pw_target', functions: [{ name: 'pw_target_step', sympos: 2, new: 'acme_step' }] },
      ],
      states: [{ id: 1, version: 2 }],
      requires: { acme_base: '>=1.0.0 <2', acme_net: '*' },
      conflicts: { beta_fix: '*' },
      provides: ['net-fix@1.2.0', 'cmdline'],
      metadata: { published: '2026-01-15', callbacks: { vmlinux: ['prePatch'] } },
    });
  });

  it('a module without patchwise_* metadata is still a manifest (no vendor, no tags)', () => {
    const manifest = manifestFromModule(facts({}, { states: [], replace: true }));
    expect(manifest.vendor).toBeUndefined();
    expect(manifest.tags).toBeUndefined();
    expect(manifest.replace).toBe(true);
    expect(manifest.states).toBeUndefined();
  });

  it('an unknown patchwise_ field is bad input, with a did-you-mean', () => {
    const d = diagnosticOf(() => manifestFromModule(facts({ patchwise_vendr: 'acme' }), 'acme_fix.ko'));
    expect(d.code).toBe('PW_MODINFO');
    expect(d.message).toContain('acme_fix.ko');
    expect(d.message).toContain('`patchwise_vendr`');
    expect(d.message).toContain('did you mean `vendor`');
  });

  it('a field given twice, a bad range list, two replace sets: bad input', () => {
    const twice: ModuleFacts = { ...facts({ patchwise_vendor: 'acme' }), modinfo: [...facts({ patchwise_vendor: 'acme' }).modinfo, { key: 'patchwise_vendor', value: 'beta' }] };
    expect(diagnosticOf(() => manifestFromModule(twice)).message).toContain('given twice');
    expect(diagnosticOf(() => manifestFromModule(facts({ patchwise_requires: 'a@>=1,a@<2' }))).message).toContain('listed twice');
    expect(diagnosticOf(() => manifestFromModule(facts({ patchwise_requires: '@>=1' }))).message).toContain('name@range');
    expect(diagnosticOf(() => manifestFromModule(facts({ patchwise_replace_set: 'a,b' }))).message).toContain('one set');
  });

  it('what the module says is validated as any manifest (an empty vendor is refused)', () => {
    expect(diagnosticOf(() => manifestFromModule(facts({ patchwise_vendor: '' }))).code).toBe('PW_MANIFEST');
  });

  it('replace: from the data; from patchwise_replace when the data does not hold it (klp-build); refused when unknown or contradicted', () => {
    expect(manifestFromModule(facts({ patchwise_replace: 'true' }, { replace: null })).replace).toBe(true);
    expect(manifestFromModule(facts({ patchwise_replace: 'true' }, { replace: true })).replace).toBe(true);
    expect(diagnosticOf(() => manifestFromModule(facts({}, { replace: null }))).message).toContain('cannot tell whether it is a cumulative patch');
    expect(diagnosticOf(() => manifestFromModule(facts({ patchwise_replace: 'false' }, { replace: true }))).message).toContain('says false but the module');
    expect(diagnosticOf(() => manifestFromModule(facts({ patchwise_replace: 'yes' }))).message).toContain('is not `true` or `false`');
  });

  it('a prototype key in a list is refused like one in a manifest file, and pollutes nothing', () => {
    expect(() => manifestFromModule(facts({ patchwise_requires: '__proto__@1' }))).toThrow(/key `__proto__` is not allowed/);
    expect(({} as Record<string, unknown>)['1']).toBeUndefined();
  });
});

describe('crossCheckManifests: a sidecar must say what the module does', () => {
  const module = manifestFromModule(facts({ patchwise_vendor: 'acme', patchwise_version: '1.2.0', patchwise_tags: 'net' }));

  it('a sidecar with the same patch (in either form) and agreeing metadata matches', () => {
    const sidecar = { name: 'acme_fix', vendor: 'acme', functions: ['cmdline_proc_show', 'pw_target:pw_target_step,2'], states: [{ id: 1, version: 2 }], tags: ['net'] };
    expect(crossCheckManifests(module, sidecar)).toEqual([]);
    // Metadata the module does not carry may come from the sidecar.
    expect(crossCheckManifests(module, { ...sidecar, provides: ['x'], requires: { a: '*' } })).toEqual([]);
  });

  it('each difference is named', () => {
    const sidecar = { name: 'acme_fix2', vendor: 'beta', version: '1.2.0', replace: true, functions: ['cmdline_proc_show', 'meminfo_proc_show'], tags: ['net', 'x'] };
    const found = crossCheckManifests(module, sidecar);
    expect(found.map((m) => m.field)).toEqual(['name', 'replace', 'functions', 'states', 'vendor', 'tags']);
    const functions = found.find((m) => m.field === 'functions')?.reason ?? '';
    expect(functions).toContain('the module also patches `pw_target:pw_target_step,2`');
    expect(functions).toContain('the module does not patch `vmlinux:meminfo_proc_show`');
  });

  it('sympos counts: the 2nd pw_target_step is not the 1st', () => {
    const sidecar = { name: 'acme_fix', functions: ['cmdline_proc_show', 'pw_target:pw_target_step,1'], states: [{ id: 1, version: 2 }] };
    expect(crossCheckManifests(module, sidecar).map((m) => m.field)).toEqual(['functions']);
  });
});
