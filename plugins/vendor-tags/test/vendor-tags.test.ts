import { describe, it } from 'vitest';
import type { PatchManifest } from '@patchwise/manifest';
import { PolicyTester } from '@patchwise/testing';
import vendorTags from '@patchwise/plugin-vendor-tags';

PolicyTester.describe = describe;
PolicyTester.it = it;

/** A patch on `cmdline_proc_show` unless told otherwise. */
const fix = (name: string, extra: Partial<PatchManifest> = {}): PatchManifest => ({ name, functions: ['cmdline_proc_show'], ...extra });
const acme = (name: string, extra: Partial<PatchManifest> = {}) => fix(name, { vendor: 'acme', ...extra });
const globex = (name: string, extra: Partial<PatchManifest> = {}) => fix(name, { vendor: 'globex', ...extra });

describe('sameFunction', () => {
  new PolicyTester().run(vendorTags, {
    valid: [
      { name: 'the first patch on a function', enable: acme('acme-1') },
      { name: 'a second patch of the same vendor', installed: [acme('acme-1')], enable: acme('acme-2') },
      {
        name: 'patches of different vendors on different functions',
        installed: [acme('acme-1')],
        enable: globex('globex-1', { functions: ['meminfo_proc_show'] }),
      },
      { name: 'a patch without a vendor on a function nobody patches', installed: [acme('acme-1')], enable: fix('anon-1', { functions: ['uptime_proc_show'] }) },
      { name: '`any` lets vendors share', installed: [acme('acme-1')], enable: globex('globex-1'), options: { sameFunction: 'any' } },
      { name: '`any` lets patches without a vendor share', installed: [fix('anon-1')], enable: fix('anon-2'), options: { sameFunction: 'any' } },
      {
        name: 'an atomic-replace patch is left to the `replace` rule',
        installed: [acme('acme-1')],
        enable: globex('globex-cumulative', { replace: true }),
        options: { replace: 'any' },
      },
      {
        name: '`deny` leaves an atomic-replace patch to the `replace` rule',
        installed: [acme('acme-1')],
        enable: acme('acme-cumulative', { replace: true }),
        options: { sameFunction: 'deny' },
      },
      { name: '`deny` allows one patch per function', installed: [acme('acme-1')], enable: acme('acme-2', { functions: ['meminfo_proc_show'] }), options: { sameFunction: 'deny' } },
    ],
    invalid: [
      {
        name: 'another vendor on a patched function',
        installed: [acme('acme-fix')],
        enable: globex('globex-fix'),
        errors: [
          {
            code: 'function-vendor-mismatch',
            data: { patches: ['globex-fix', 'acme-fix'], functions: ['vmlinux:cmdline_proc_show'], vendor: 'globex', otherVendor: 'acme' },
            message:
              "'globex-fix' (vendor `globex`) patches `vmlinux:cmdline_proc_show`, already patched by 'acme-fix' (vendor `acme`): with `sameFunction: same-vendor`, only patches of one vendor share a function",
          },
        ],
      },
      {
        name: 'one finding per other patch, naming every shared function, module functions included',
        installed: [
          globex('globex-1', { functions: ['cmdline_proc_show', 'xfs:xfs_fs_sync'] }),
          globex('globex-2', { functions: ['meminfo_proc_show'] }),
        ],
        enable: acme('acme-1', { functions: ['xfs:xfs_fs_sync', 'meminfo_proc_show', 'cmdline_proc_show'] }),
        errors: [
          {
            code: 'function-vendor-mismatch',
            data: { patches: ['acme-1', 'globex-1'], functions: ['xfs:xfs_fs_sync', 'vmlinux:cmdline_proc_show'] },
            message: /patches `xfs:xfs_fs_sync` and `vmlinux:cmdline_proc_show`, already patched by 'globex-1'/,
          },
          { code: 'function-vendor-mismatch', data: { patches: ['acme-1', 'globex-2'], functions: ['vmlinux:meminfo_proc_show'] } },
        ],
      },
      {
        name: 'a vendor on a function patched by a patch without one',
        installed: [fix('anon-1')],
        enable: acme('acme-1'),
        errors: [{ code: 'function-vendor-mismatch', data: { otherVendor: null }, message: /already patched by 'anon-1' \(no vendor\)/ }],
      },
      {
        name: 'a patch without a vendor on a patched function',
        installed: [acme('acme-1')],
        enable: fix('anon-1'),
        errors: [
          {
            code: 'function-vendor-missing',
            data: { patches: ['anon-1', 'acme-1'], vendor: null, otherVendor: 'acme' },
            message:
              "'anon-1' declares no vendor and patches `vmlinux:cmdline_proc_show`, already patched by 'acme-1' (vendor `acme`): with `sameFunction: same-vendor`, a patch without a vendor shares no function",
          },
        ],
      },
      {
        name: 'two patches without a vendor do not count as one vendor',
        installed: [fix('anon-1')],
        enable: fix('anon-2'),
        errors: [{ code: 'function-vendor-missing', message: /already patched by 'anon-1' \(no vendor\)/ }],
      },
      {
        name: '`deny` refuses a second patch even of the same vendor',
        installed: [acme('acme-1')],
        enable: acme('acme-2'),
        options: { sameFunction: 'deny' },
        errors: [
          {
            code: 'function-already-patched',
            data: { patches: ['acme-2', 'acme-1'], functions: ['vmlinux:cmdline_proc_show'] },
            message:
              "'acme-2' patches `vmlinux:cmdline_proc_show`, already patched by 'acme-1' (vendor `acme`): with `sameFunction: deny`, a function has at most one enabled patch",
          },
        ],
      },
      {
        name: 'a non-replace patch stacked on another vendor\'s cumulative patch',
        installed: [acme('acme-cumulative', { replace: true })],
        enable: globex('globex-1'),
        errors: ['function-vendor-mismatch'],
      },
    ],
  });
});

describe('replace: same-vendor', () => {
  new PolicyTester().run(vendorTags, {
    valid: [
      { name: 'nothing installed', enable: acme('acme-cumulative', { replace: true }) },
      { name: 'a patch without a vendor replacing nothing', enable: fix('anon-cumulative', { replace: true }) },
      {
        name: 'replacing only its own vendor\'s patches',
        installed: [acme('acme-1'), acme('acme-2', { functions: ['meminfo_proc_show'] })],
        enable: acme('acme-cumulative', { replace: true }),
      },
      {
        name: '`any`: the kernel\'s behaviour',
        installed: [acme('acme-1'), globex('globex-1', { functions: ['meminfo_proc_show'] })],
        enable: fix('anon-cumulative', { replace: true }),
        options: { replace: 'any' },
      },
    ],
    invalid: [
      {
        name: 'refused, naming every patch of another vendor it would replace',
        installed: [
          acme('acme-1'),
          globex('globex-1', { functions: ['meminfo_proc_show'] }),
          fix('anon-1', { functions: ['uptime_proc_show'] }),
        ],
        enable: acme('acme-cumulative', { replace: true }),
        errors: [
          {
            code: 'replace-vendor-mismatch',
            data: {
              patches: ['acme-cumulative', 'globex-1', 'anon-1'],
              replaced: ['globex-1', 'anon-1'],
              vendor: 'acme',
              vendors: { 'globex-1': 'globex', 'anon-1': null },
            },
            message:
              "'acme-cumulative' (vendor `acme`) would replace 'globex-1' (vendor `globex`) and 'anon-1' (no vendor): with `replace: same-vendor`, an atomic-replace patch replaces only patches of its own vendor",
          },
        ],
      },
      {
        name: 'a patch without a vendor may replace nothing',
        installed: [acme('acme-1')],
        enable: fix('anon-cumulative', { replace: true }),
        errors: [
          {
            code: 'replace-vendor-missing',
            data: { patches: ['anon-cumulative', 'acme-1'], replaced: ['acme-1'], vendor: null },
            message:
              "'anon-cumulative' declares no vendor, so with `replace: same-vendor` it may replace no patch, but it would replace 'acme-1' (vendor `acme`)",
          },
        ],
      },
      {
        name: 'not even other patches without a vendor',
        installed: [fix('anon-1')],
        enable: fix('anon-cumulative', { replace: true }),
        errors: [{ code: 'replace-vendor-missing', data: { replaced: ['anon-1'] } }],
      },
    ],
  });
});

describe('replace: same-set', () => {
  const sameSet = { replace: 'same-set' } as const;
  const fleet = (name: string, extra: Partial<PatchManifest> = {}) => fix(name, { tags: ['replace-set:fleet'], ...extra });
  new PolicyTester().run(vendorTags, {
    valid: [
      {
        name: 'replacing only patches of its own set, whatever their vendor',
        installed: [fleet('fleet-1', { vendor: 'acme' }), fleet('fleet-2', { vendor: 'globex', functions: ['meminfo_proc_show'] })],
        enable: fleet('fleet-3', { vendor: 'initech', replace: true }),
        options: sameSet,
      },
      { name: 'a patch without a set replacing nothing', enable: fix('plain-cumulative', { replace: true }), options: sameSet },
      { name: 'one set tag among others', enable: fix('p', { tags: ['hotfix', 'replace-set:fleet', 'cve'] }), options: sameSet },
      {
        name: 'a custom prefix: only its tags name sets',
        installed: [fix('fleet-1', { tags: ['klp-set/fleet', 'replace-set:other'] })],
        enable: fix('fleet-2', { tags: ['klp-set/fleet'], replace: true }),
        options: { ...sameSet, replaceSetPrefix: 'klp-set/' },
      },
      {
        name: 'set tags mean nothing under `same-vendor`',
        enable: acme('acme-1', { tags: ['replace-set:a', 'replace-set:b'] }),
      },
      {
        name: 'a non-replace patch of the same set on a function of its set',
        installed: [fleet('fleet-base', { vendor: 'acme', replace: true })],
        enable: fleet('fleet-hotfix', { vendor: 'acme' }),
        options: sameSet,
      },
      {
        name: 'two patches without a set on one function (left to `sameFunction`)',
        installed: [acme('oob-1')],
        enable: acme('oob-2'),
        options: sameSet,
      },
      {
        name: 'patches of different sets on different functions',
        installed: [fleet('fleet-1', { vendor: 'acme' })],
        enable: fix('oob-1', { vendor: 'acme', tags: ['replace-set:oob'], functions: ['meminfo_proc_show'] }),
        options: sameSet,
      },
    ],
    invalid: [
      {
        name: 'refused, naming every patch of another set it would replace',
        installed: [
          fleet('fleet-1'),
          fix('oob-1', { tags: ['replace-set:oob'], functions: ['meminfo_proc_show'] }),
          fix('plain-1', { functions: ['uptime_proc_show'] }),
        ],
        enable: fleet('fleet-2', { replace: true }),
        options: sameSet,
        errors: [
          {
            code: 'replace-set-mismatch',
            data: { patches: ['fleet-2', 'oob-1', 'plain-1'], replaced: ['oob-1', 'plain-1'], set: 'fleet', sets: { 'oob-1': 'oob', 'plain-1': null } },
            message:
              "'fleet-2' (replace set `fleet`) would replace 'oob-1' (replace set `oob`) and 'plain-1' (no replace set): with `replace: same-set`, an atomic-replace patch replaces only patches of its own replace set",
          },
        ],
      },
      {
        name: 'an atomic-replace patch without a set may replace nothing',
        installed: [fleet('fleet-1')],
        enable: fix('plain-cumulative', { replace: true }),
        options: sameSet,
        errors: [
          {
            code: 'replace-set-missing',
            data: { patches: ['plain-cumulative', 'fleet-1'], set: null },
            message:
              "'plain-cumulative' has no `replace-set:` tag, so with `replace: same-set` it may replace no patch, but it would replace 'fleet-1' (replace set `fleet`)",
          },
        ],
      },
      {
        name: 'two set tags',
        enable: fix('p', { tags: ['replace-set:a', 'replace-set:b'] }),
        options: sameSet,
        errors: [
          {
            code: 'replace-set-invalid',
            data: { patches: ['p'], tags: ['replace-set:a', 'replace-set:b'] },
            message:
              "'p' carries `replace-set:a` and `replace-set:b`: a patch belongs to at most one replace set, tagged `replace-set:<name>` with a non-empty name",
          },
        ],
      },
      { name: 'a set tag without a name', enable: fix('p', { tags: ['replace-set:'] }), options: sameSet, errors: ['replace-set-invalid'] },
      {
        name: 'a non-replace patch of another set on a function of the set',
        installed: [fleet('fleet-base', { vendor: 'acme', replace: true })],
        enable: fix('oob-1', { vendor: 'acme', tags: ['replace-set:oob'], functions: ['meminfo_proc_show', 'cmdline_proc_show'] }),
        options: sameSet,
        errors: [
          {
            code: 'function-set-mismatch',
            data: { patches: ['oob-1', 'fleet-base'], functions: ['vmlinux:cmdline_proc_show'], set: 'oob', otherSet: 'fleet' },
            message:
              "'oob-1' (replace set `oob`) patches `vmlinux:cmdline_proc_show`, already patched by 'fleet-base' (replace set `fleet`): with `replace: same-set`, patches of different replace sets never patch the same function",
          },
        ],
      },
      {
        name: 'an off-band patch without a set on a function of a set',
        installed: [fleet('fleet-base', { vendor: 'acme', replace: true })],
        enable: acme('oob-1'),
        options: sameSet,
        errors: [{ code: 'function-set-mismatch', data: { set: null, otherSet: 'fleet' }, message: /^'oob-1' \(no replace set\) patches/ }],
      },
    ],
  });
});

describe('requiresTag', () => {
  const requires = { requiresTag: { hotfix: ['base'] } };
  const base = (name: string, extra: Partial<PatchManifest> = {}) => acme(name, { tags: ['base'], ...extra });
  const hotfix = (name: string, extra: Partial<PatchManifest> = {}) => acme(name, { tags: ['hotfix'], ...extra });
  new PolicyTester().run(vendorTags, {
    valid: [
      { name: 'the required tag is enabled', installed: [base('base-1')], enable: hotfix('hotfix-1'), options: requires },
      { name: 'a single tag may be written without the array', installed: [base('base-1')], enable: hotfix('hotfix-1'), options: { requiresTag: { hotfix: 'base' } } },
      { name: 'a patch carrying the required tag itself', enable: acme('both', { tags: ['hotfix', 'base'] }), options: requires },
      { name: 'an untagged patch needs nothing', enable: acme('plain'), options: requires },
      {
        name: 'a cumulative patch carrying what it requires',
        installed: [base('base-1'), hotfix('hotfix-1')],
        enable: acme('cumulative', { tags: ['hotfix', 'base'], replace: true }),
        options: requires,
      },
      {
        name: 'disabling one of two patches carrying the tag',
        installed: [base('base-1'), base('base-2'), hotfix('hotfix-1')],
        disable: 'base-1',
        options: requires,
      },
      { name: 'disabling the dependent patch', installed: [base('base-1'), hotfix('hotfix-1')], disable: 'hotfix-1', options: requires },
      { name: 'disabling a required patch nobody depends on', installed: [base('base-1')], disable: 'base-1', options: requires },
    ],
    invalid: [
      {
        name: 'the required tag is not enabled',
        installed: [acme('plain')],
        enable: hotfix('hotfix-1'),
        options: requires,
        errors: [
          {
            code: 'required-tag-missing',
            data: { patches: ['hotfix-1'], tag: 'hotfix', required: 'base' },
            message: "'hotfix-1' is tagged `hotfix`, which requires an enabled patch tagged `base`, and none would be enabled",
          },
        ],
      },
      {
        name: 'every required tag must be enabled',
        installed: [base('base-1')],
        enable: hotfix('hotfix-1'),
        options: { requiresTag: { hotfix: ['base', 'certified'] } },
        errors: [{ code: 'required-tag-missing', data: { required: 'certified' } }],
      },
      {
        name: 'a cumulative patch replaces the patch it requires',
        installed: [base('base-1')],
        enable: hotfix('cumulative', { replace: true }),
        options: requires,
        errors: [{ code: 'required-tag-missing', data: { patches: ['cumulative'], required: 'base' } }],
      },
      {
        name: 'disabling the last patch carrying a required tag',
        installed: [base('base-1'), hotfix('hotfix-1'), acme('hotfix-2', { tags: ['hotfix', 'cve'] })],
        disable: 'base-1',
        options: { requiresTag: { hotfix: ['base'], cve: ['base'] } },
        errors: [
          {
            code: 'required-tag-removed',
            data: { patches: ['base-1', 'hotfix-1', 'hotfix-2'], required: 'base', dependents: ['hotfix-1', 'hotfix-2'] },
            message:
              "disabling 'base-1' would leave no enabled patch tagged `base`, required by 'hotfix-1' (tagged `hotfix`) and 'hotfix-2' (tagged `hotfix` and `cve`)",
          },
        ],
      },
    ],
  });
});

describe('conflictsWithTag', () => {
  const conflicts = { conflictsWithTag: { kgraft: ['kpatch'] } };
  new PolicyTester().run(vendorTags, {
    valid: [
      { name: 'no conflicting tag enabled', installed: [acme('a', { tags: ['kgraft'] })], enable: acme('b', { tags: ['other'] }), options: conflicts },
      { name: 'one patch carrying both tags', enable: acme('both', { tags: ['kgraft', 'kpatch'] }), options: conflicts },
      {
        name: 'a cumulative patch replaces the conflicting patch',
        installed: [acme('a', { tags: ['kpatch'] })],
        enable: acme('b', { tags: ['kgraft'], replace: true }),
        options: conflicts,
      },
      { name: 'the first patch of an exclusive tag', enable: acme('a', { tags: ['exclusive'] }), options: { conflictsWithTag: { exclusive: ['exclusive'] } } },
    ],
    invalid: [
      {
        name: 'the new patch carries the left-hand tag',
        installed: [acme('kp', { tags: ['kpatch'] })],
        enable: acme('kg', { tags: ['kgraft'] }),
        options: conflicts,
        errors: [
          {
            code: 'conflicting-tag',
            data: { patches: ['kg', 'kp'], tag: 'kgraft', otherTag: 'kpatch' },
            message: "'kg' is tagged `kgraft`, which conflicts with `kpatch` carried by 'kp'",
          },
        ],
      },
      {
        name: 'the new patch carries the right-hand tag',
        installed: [acme('kg', { tags: ['kgraft'] })],
        enable: acme('kp', { tags: ['kpatch'] }),
        options: conflicts,
        errors: [{ code: 'conflicting-tag', data: { patches: ['kp', 'kg'], tag: 'kpatch', otherTag: 'kgraft' } }],
      },
      {
        name: 'a tag conflicting with itself: at most one such patch',
        installed: [acme('a', { tags: ['exclusive'] })],
        enable: acme('b', { tags: ['exclusive'], functions: ['meminfo_proc_show'] }),
        options: { conflictsWithTag: { exclusive: ['exclusive'] } },
        errors: [{ code: 'conflicting-tag', data: { tag: 'exclusive', otherTag: 'exclusive' } }],
      },
    ],
  });
});

describe('rules together', () => {
  new PolicyTester().run(vendorTags, {
    invalid: [
      {
        name: 'findings of several rules, in rule order',
        installed: [globex('g', { tags: ['kpatch', 'replace-set:fleet'] })],
        enable: acme('a', { tags: ['kgraft', 'hotfix'] }),
        options: { replace: 'same-set', requiresTag: { hotfix: ['base'] }, conflictsWithTag: { kgraft: ['kpatch'] } },
        errors: ['function-vendor-mismatch', 'function-set-mismatch', 'conflicting-tag', 'required-tag-missing'],
      },
    ],
    valid: [{ name: 'at `warn` nothing is refused', installed: [globex('g')], enable: acme('a'), severity: 'warn', warnings: ['function-vendor-mismatch'] }],
  });
});
