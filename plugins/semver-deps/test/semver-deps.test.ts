import { describe, it } from 'vitest';
import type { PatchManifest } from '@patchwise/manifest';
import semverDeps from '@patchwise/plugin-semver-deps';
import { PolicyTester } from '@patchwise/testing';

PolicyTester.describe = describe;
PolicyTester.it = it;

/** A patch of one function of its own, so patches never stack on each other by accident. */
const patch = (name: string, extra: Omit<PatchManifest, 'name'> = {}): PatchManifest => ({
  name,
  functions: [`${name.replace(/-/g, '_')}_fn`],
  ...extra,
});

new PolicyTester().run(semverDeps, {
  valid: [
    // invalid-field
    {
      name: 'well-formed fields are accepted',
      kernel: '6.8.0-45-generic',
      installed: [patch('base', { version: '1.2.0' })],
      enable: patch('app', {
        version: '2.0.0-rc.1',
        lineage: 'app',
        requires: { base: '^1.2' },
        conflicts: { legacy: '<1' },
        provides: ['tracing', '@acme/net-fix@1.0.0'],
        kernel: '>=6.1 <6.15',
      }),
    },
    {
      name: 'an installed patch with invalid fields does not block others',
      installed: [patch('old', { version: 'one', requires: { x: 'latest' }, provides: ['y@'] })],
      enable: patch('app', { version: '1.0.0' }),
    },
    // missing-version
    { name: 'a patch without a version is allowed by default', enable: patch('app') },
    { name: 'requireVersion: a patch with a version', options: { requireVersion: true }, enable: patch('app', { version: '0.1.0' }) },
    // kernel-mismatch
    { name: 'kernel inside the range', kernel: '6.8.0-45-generic', enable: patch('app', { kernel: '>=6.1 <6.15' }) },
    { name: 'kernel inside an x-range', kernel: '6.8.0-100-generic', enable: patch('app', { kernel: '6.8.x' }) },
    {
      name: 'RHEL z-stream build inside a build range',
      kernel: '4.18.0-513.24.1.el8_9.x86_64',
      enable: patch('app', { kernel: '>=4.18.0-513 <4.18.0-514' }),
    },
    {
      name: 'checkKernel: false lets a patch for other kernels through',
      kernel: '6.8.0-45-generic',
      options: { checkKernel: false },
      enable: patch('app', { kernel: '<6' }),
    },
    // unknown-kernel-release
    { name: 'no kernel range: any release string is fine', kernel: 'banana', enable: patch('app') },
    { name: 'checkKernel: false skips an unreadable release', kernel: 'banana', options: { checkKernel: false }, enable: patch('app', { kernel: '>=6.1' }) },
    // unmet-requirement
    {
      name: 'requirement met by a patch of that name',
      installed: [patch('base', { version: '1.3.0' })],
      enable: patch('app', { requires: { base: '>=1.2.0' } }),
    },
    {
      name: 'requirement met by a capability with its own version',
      installed: [patch('x', { version: '0.1.0', provides: ['base@1.4.0'] })],
      enable: patch('app', { requires: { base: '^1.2' } }),
    },
    {
      name: 'requirement met by a bare capability, at the providing patch version',
      installed: [patch('x', { version: '1.5.0', provides: ['base'] })],
      enable: patch('app', { requires: { base: '^1.2' } }),
    },
    {
      name: 'requirement met by a patch of that lineage',
      installed: [patch('base-v2', { version: '2.0.1', lineage: 'base' })],
      enable: patch('app', { requires: { base: '^2' } }),
    },
    {
      name: 'an unversioned patch meets a requirement that admits any version',
      installed: [patch('base')],
      enable: patch('app', { requires: { base: '*' } }),
    },
    {
      name: 'one satisfying candidate is enough',
      installed: [patch('base', { version: '0.9.0' }), patch('x', { version: '1.0.0', provides: ['base@1.2.0'] })],
      enable: patch('app', { requires: { base: '^1' } }),
    },
    {
      name: 'includePrerelease: a prerelease meets the range',
      options: { includePrerelease: true },
      installed: [patch('base', { version: '1.3.0-rc.1' })],
      enable: patch('app', { requires: { base: '>=1.2.0' } }),
    },
    // conflict
    {
      name: 'conflict range not hit',
      installed: [patch('legacy', { version: '2.1.0' })],
      enable: patch('app', { version: '1.0.0', conflicts: { legacy: '<2' } }),
    },
    {
      name: 'installed conflict range does not hit the new patch',
      installed: [patch('legacy', { version: '1.0.0', conflicts: { app: '<2' } })],
      enable: patch('app', { version: '2.0.0' }),
    },
    {
      name: 'an atomic replace removes the patches it conflicts with',
      installed: [patch('legacy', { version: '1.0.0', conflicts: { cumulative: '*' } })],
      enable: patch('cumulative', { version: '1.0.0', replace: true, conflicts: { legacy: '*' } }),
    },
    {
      name: 'conflicts at severity warn report but allow',
      severity: 'warn',
      installed: [patch('legacy', { version: '1.0.0' })],
      enable: patch('app', { version: '1.0.0', conflicts: { legacy: '<2' } }),
      warnings: [{ code: 'conflict', data: { patches: ['app', 'legacy'] } }],
    },
    // required-by
    {
      name: 'disable a patch another still provides',
      installed: [
        patch('base', { version: '1.2.0' }),
        patch('base-alt', { version: '0.1.0', provides: ['base@1.3.0'] }),
        patch('app', { requires: { base: '^1' } }),
      ],
      disable: 'base',
    },
    {
      name: 'disable the dependent itself',
      installed: [patch('base', { version: '1.2.0' }), patch('app', { requires: { base: '^1' } })],
      disable: 'app',
    },
    {
      name: 'disable a patch that did not satisfy the requirement anyway',
      installed: [patch('base', { version: '0.9.0' }), patch('app', { requires: { base: '^1' } })],
      disable: 'base',
    },
    // requires-replaced
    {
      name: 'a cumulative patch without requirements replaces everything',
      installed: [patch('base', { version: '1.2.0' }), patch('app', { version: '1.0.0', requires: { base: '^1' } })],
      enable: patch('cumulative', { version: '2.0.0', replace: true }),
    },
    // downgrade
    {
      name: 'an upgrade within a lineage',
      installed: [patch('fix-1', { version: '1.4.0', lineage: 'fix' })],
      enable: patch('fix-2', { version: '1.5.0', lineage: 'fix', replace: true }),
    },
    {
      name: 'allowDowngrade: a rollback within a lineage',
      options: { allowDowngrade: true },
      installed: [patch('fix-2', { version: '1.4.0', lineage: 'fix' })],
      enable: patch('fix-1', { version: '1.2.0', lineage: 'fix', replace: true }),
    },
    {
      name: 'a lower version of another lineage is no downgrade',
      installed: [patch('other', { version: '3.0.0' })],
      enable: patch('fix-1', { version: '1.2.0', lineage: 'fix', replace: true }),
    },
    {
      name: 'an unversioned replacing patch has no order to break',
      installed: [patch('fix-2', { version: '1.4.0', lineage: 'fix' })],
      enable: patch('fix-x', { lineage: 'fix', replace: true }),
    },
  ],
  invalid: [
    // invalid-field
    {
      name: 'version that is not semver',
      enable: patch('app', { version: '1.2' }),
      errors: [
        {
          code: 'invalid-field',
          data: { patches: ['app'], field: 'version', value: '1.2', expected: 'semver version' },
          message: "patch 'app': `version` is not a valid semver version: `1.2` (expected `MAJOR.MINOR.PATCH`, e.g. `1.2.0`)",
        },
      ],
    },
    {
      name: 'ranges, capabilities, kernel range and lineage that do not parse',
      enable: patch('app', {
        requires: { base: 'latest' },
        conflicts: { legacy: '>=1 <' },
        provides: ['tracing', 'net-fix@1.0'],
        kernel: '>=6.8.x',
        metadata: { lineage: 42 },
      }),
      errors: [
        { code: 'invalid-field', data: { field: 'lineage', value: '42', expected: 'lineage' } },
        { code: 'invalid-field', data: { field: 'requires.base', value: 'latest', expected: 'semver range' } },
        { code: 'invalid-field', data: { field: 'conflicts.legacy', value: '>=1 <', expected: 'semver range' } },
        { code: 'invalid-field', data: { field: 'provides[1]', value: 'net-fix@1.0', expected: 'capability' } },
        {
          code: 'invalid-field',
          data: { field: 'kernel', value: '>=6.8.x', expected: 'kernel release range' },
          message:
            "patch 'app': `kernel` is not a valid kernel release range: `>=6.8.x` (`>=6.8.x`: an operator takes a release, not an x-range (write `>=6.8`))",
        },
      ],
    },
    {
      name: 'an invalid field of a replacing patch is refused before the replace',
      installed: [patch('base', { version: '1.0.0' })],
      enable: patch('cumulative', { version: 'v-two', replace: true }),
      errors: [{ code: 'invalid-field', data: { field: 'version' } }],
    },
    // missing-version
    {
      name: 'requireVersion: a patch without a version',
      options: { requireVersion: true },
      enable: patch('app'),
      errors: [{ code: 'missing-version', data: { patches: ['app'] }, message: "patch 'app' has no `version`, and option `requireVersion` is on" }],
    },
    // kernel-mismatch
    {
      name: 'kernel above the range',
      kernel: '6.8.0-45-generic',
      enable: patch('app', { kernel: '>=6.1 <6.8' }),
      errors: [
        {
          code: 'kernel-mismatch',
          data: { patches: ['app'], range: '>=6.1 <6.8', release: '6.8.0-45-generic' },
          message: "patch 'app' is built for kernels `>=6.1 <6.8`, not for the running kernel `6.8.0-45-generic`",
        },
      ],
    },
    { name: 'an rc before the release the range starts at', kernel: '6.13-rc2', enable: patch('app', { kernel: '>=6.13' }), errors: ['kernel-mismatch'] },
    {
      name: 'RHEL build below the range',
      kernel: '4.18.0-477.10.1.el8_8.x86_64',
      enable: patch('app', { kernel: '>=4.18.0-513' }),
      errors: ['kernel-mismatch'],
    },
    {
      name: 'a replacing patch is checked against the kernel too',
      kernel: '5.14.21-150500.55.39-default',
      enable: patch('cumulative', { replace: true, kernel: '6.x' }),
      errors: ['kernel-mismatch'],
    },
    // unknown-kernel-release
    {
      name: 'a kernel range and an unreadable release',
      kernel: 'banana',
      enable: patch('app', { kernel: '>=6.1' }),
      errors: [{ code: 'unknown-kernel-release', data: { patches: ['app'], range: '>=6.1', release: 'banana' } }],
    },
    // unmet-requirement
    {
      name: 'nothing provides the requirement',
      enable: patch('app', { version: '1.0.0', requires: { base: '>=1.2.0' } }),
      errors: [
        {
          code: 'unmet-requirement',
          data: { patches: ['app'], requirement: 'base', range: '>=1.2.0', candidates: [] },
          message: "patch 'app' requires `base >=1.2.0`, but no enabled patch is named, of lineage or provides `base`",
        },
      ],
    },
    {
      name: 'the only candidate is too old',
      installed: [patch('base', { version: '1.1.0' })],
      enable: patch('app', { requires: { base: '>=1.2.0' } }),
      errors: [
        {
          code: 'unmet-requirement',
          data: { patches: ['app', 'base'], candidates: [{ patch: 'base', via: 'name', version: '1.1.0' }] },
          message: "patch 'app' requires `base >=1.2.0`, but 'base' is 1.1.0",
        },
      ],
    },
    {
      name: 'candidates by lineage and capability, none in range',
      installed: [patch('base-v2', { version: '2.0.0', lineage: 'base' }), patch('x', { version: '0.1.0', provides: ['base@0.9.0'] })],
      enable: patch('app', { requires: { base: '^1' } }),
      errors: [
        {
          code: 'unmet-requirement',
          data: { patches: ['app', 'base-v2', 'x'] },
          message: "patch 'app' requires `base ^1`, but 'base-v2' (lineage `base`) is 2.0.0, 'x' provides `base` 0.9.0",
        },
      ],
    },
    {
      name: 'an unversioned patch does not meet a version range',
      installed: [patch('x', { provides: ['base'] })],
      enable: patch('app', { requires: { base: '>=1' } }),
      errors: [{ code: 'unmet-requirement', message: "patch 'app' requires `base >=1`, but 'x' provides `base` without a version" }],
    },
    {
      name: 'a patch does not satisfy its own requirement',
      enable: patch('app', { version: '1.0.0', provides: ['tracing@1.0.0'], requires: { tracing: '^1', app: '*' } }),
      errors: [
        { code: 'unmet-requirement', data: { requirement: 'tracing' } },
        { code: 'unmet-requirement', data: { requirement: 'app' } },
      ],
    },
    {
      name: 'prereleases do not meet a range by default',
      installed: [patch('base', { version: '1.3.0-rc.1' })],
      enable: patch('app', { requires: { base: '>=1.2.0' } }),
      errors: [{ code: 'unmet-requirement', message: "patch 'app' requires `base >=1.2.0`, but 'base' is 1.3.0-rc.1" }],
    },
    {
      name: 'a replacing patch requiring what nothing provides',
      installed: [patch('other', { version: '1.0.0' })],
      enable: patch('cumulative', { version: '1.0.0', replace: true, requires: { base: '^1' } }),
      errors: [{ code: 'unmet-requirement', data: { patches: ['cumulative'], requirement: 'base' } }],
    },
    // conflict
    {
      name: 'the new patch conflicts with an installed one',
      installed: [patch('legacy', { version: '1.4.0' })],
      enable: patch('app', { version: '1.0.0', conflicts: { legacy: '<2' } }),
      errors: [
        {
          code: 'conflict',
          data: { patches: ['app', 'legacy'], declaredBy: 'app', name: 'legacy', range: '<2' },
          message: "patches 'app' and 'legacy' conflict: 'app' declares a conflict with `legacy <2`, and 'legacy' is 1.4.0",
        },
      ],
    },
    {
      name: 'an installed patch conflicts with the new one',
      installed: [patch('legacy', { version: '1.4.0', conflicts: { app: '<2' } })],
      enable: patch('app', { version: '1.0.0' }),
      errors: [
        {
          code: 'conflict',
          data: { patches: ['app', 'legacy'], declaredBy: 'legacy', name: 'app', range: '<2' },
          message: "patches 'app' and 'legacy' conflict: 'legacy' declares a conflict with `app <2`, and 'app' is 1.0.0",
        },
      ],
    },
    {
      name: 'a conflict with a capability',
      installed: [patch('x', { version: '3.0.0', provides: ['tracing@1.0.0'] })],
      enable: patch('app', { conflicts: { tracing: '1.x' } }),
      errors: [{ code: 'conflict', message: "patches 'app' and 'x' conflict: 'app' declares a conflict with `tracing 1.x`, and 'x' provides `tracing` 1.0.0" }],
    },
    {
      name: 'an unversioned patch may be any version: the conflict holds',
      installed: [patch('legacy')],
      enable: patch('app', { conflicts: { legacy: '<2' } }),
      errors: [{ code: 'conflict', message: "patches 'app' and 'legacy' conflict: 'app' declares a conflict with `legacy <2`, and 'legacy' has no version" }],
    },
    // required-by
    {
      name: 'disable a patch an enabled patch requires',
      installed: [patch('base', { version: '1.2.0' }), patch('app', { requires: { base: '^1' } })],
      disable: 'base',
      errors: [
        {
          code: 'required-by',
          data: { patches: ['base', 'app'], dependent: 'app', requirement: 'base', range: '^1' },
          message: "patch 'base' is required by 'app' (`base ^1`), and no other enabled patch satisfies that",
        },
      ],
    },
    {
      name: 'every dependent is named, and capabilities count',
      installed: [
        patch('base', { version: '1.2.0', provides: ['tracing'] }),
        patch('app', { requires: { base: '^1' } }),
        patch('tool', { requires: { tracing: '>=1' } }),
      ],
      disable: 'base',
      errors: [
        { code: 'required-by', data: { dependent: 'app', requirement: 'base' } },
        { code: 'required-by', data: { dependent: 'tool', requirement: 'tracing' } },
      ],
    },
    {
      name: "a dependent's own capability does not keep its requirement met",
      installed: [patch('base', { version: '1.2.0' }), patch('app', { provides: ['base@1.0.0'], requires: { base: '^1' } })],
      disable: 'base',
      errors: [{ code: 'required-by', data: { dependent: 'app' } }],
    },
    // requires-replaced
    {
      name: 'a replacing patch requires what it replaces',
      installed: [patch('base', { version: '1.2.0' }), patch('x', { version: '1.0.0', provides: ['base@1.5.0'] })],
      enable: patch('cumulative', { version: '2.0.0', replace: true, requires: { base: '^1' } }),
      errors: [
        {
          code: 'requires-replaced',
          data: { patches: ['cumulative', 'base', 'x'], requirement: 'base', range: '^1', replaced: ['base', 'x'] },
          message:
            "patch 'cumulative' requires `base ^1`, which only 'base' 1.2.0, 'x' (provides `base` 1.5.0) satisfies, and the atomic replace removes every installed patch",
        },
      ],
    },
    // downgrade
    {
      name: 'a replace to a lower version of the lineage',
      installed: [patch('fix-2', { version: '1.4.0', lineage: 'fix' })],
      enable: patch('fix-1', { version: '1.2.0', lineage: 'fix', replace: true }),
      errors: [
        {
          code: 'downgrade',
          data: { patches: ['fix-1', 'fix-2'], lineage: 'fix', from: '1.4.0', to: '1.2.0' },
          message: "atomic replace by 'fix-1' 1.2.0 would downgrade lineage `fix` from 'fix-2' 1.4.0",
        },
      ],
    },
    {
      name: 'a release replacing its own later prerelease is a downgrade',
      installed: [patch('fix-next', { version: '2.0.0-rc.1', lineage: 'fix' })],
      enable: patch('fix-stable', { version: '1.9.0', lineage: 'fix', replace: true }),
      errors: ['downgrade'],
    },
  ],
});
