/**
 * The workloads: patch manifests of two vendors with versions, requirements, tags and scoped
 * callbacks, and machines with them installed through real (policy-gated) loads.
 */
import { kernelFunctionsOf, manifestModule, parseManifest, type PatchManifest } from '@patchwise/manifest';
import { applyPolicies, type PolicyEntry } from '@patchwise/policy';
import scopedCallbacks from '@patchwise/plugin-scoped-callbacks';
import semverDeps from '@patchwise/plugin-semver-deps';
import vendorTags from '@patchwise/plugin-vendor-tags';
import { Machine } from '@patchwise/sim';
import { Prng } from './prng.js';

/** The kernel range every fixture patch is built for (the simulated kernel is 6.14.0-patchwise). */
export const KERNEL_RANGE = '>=6.1 <6.15';

/** vendor-tags options used by both sides of the gate benchmark. */
export const VENDOR_TAGS_OPTIONS = {
  sameFunction: 'same-vendor',
  replace: 'same-vendor',
  requiresTag: { net: ['base'] },
  conflictsWithTag: { experimental: ['production'] },
  signatures: 'optional',
} as const;

/** The three policies, each at its defaults except vendor-tags' tag rules above. */
export function threePolicies(): PolicyEntry[] {
  return [
    { policy: vendorTags, options: VENDOR_TAGS_OPTIONS },
    { policy: scopedCallbacks },
    { policy: semverDeps },
  ];
}

const fn = (vendor: string, i: number): string => `${vendor}_fn_${String(i).padStart(4, '0')}`;

/**
 * A few dozen installed patches: per vendor a base patch (`<v>-base` 1.4.0, providing `<v>-core`,
 * tagged `base`, `production`) and feature patches `<v>-fix-N` (versions 1.N.0, requiring the base
 * and the core capability, declaring a conflict with a patch that is not installed, tagged `net` or
 * `fs`), 10 functions each, 3 of them shared with earlier patches of the same vendor.
 */
export function installedManifests(perVendor = 18): PatchManifest[] {
  const rng = new Prng(0x5eed);
  const manifests: PatchManifest[] = [];
  for (const vendor of ['acme', 'beta']) {
    manifests.push({
      name: `${vendor}-base`,
      vendor,
      version: '1.4.0',
      provides: [`${vendor}-core@1.4.0`],
      kernel: KERNEL_RANGE,
      tags: ['base', 'production'],
      functions: Array.from({ length: 10 }, (_, i) => fn(vendor, i)),
      callbacks: { [`${vendor}-sysctl`]: { postPatch: [{ log: 'sysctl on' }], preUnpatch: [{ log: 'sysctl off' }] } },
    });
    for (let k = 1; k < perVendor; k += 1) {
      const own = Array.from({ length: 7 }, (_, i) => fn(vendor, 10 * k + i));
      const shared = Array.from({ length: 3 }, () => fn(vendor, rng.int(10 * k)));
      manifests.push({
        name: `${vendor}-fix-${k}`,
        vendor,
        version: `1.${k}.0`,
        requires: { [`${vendor}-base`]: '^1.2.0', [`${vendor}-core`]: '>=1.0.0' },
        conflicts: { [`${vendor}-legacy`]: '<2.0.0' },
        kernel: KERNEL_RANGE,
        tags: [k % 2 ? 'net' : 'fs', 'production'],
        functions: [...new Set([...own, ...shared])],
      });
    }
  }
  return manifests.map((m) => parseManifest(m));
}

/**
 * The patch the gate decides on: vendor acme, 10 functions (4 already patched by acme patches),
 * requirements met by the installed patches, a conflict with a patch that is not installed, a
 * kernel range, tags and one scoped-callback ID. Every rule runs and the decision allows it.
 */
export function newPatchManifest(overrides: Partial<PatchManifest> = {}): PatchManifest {
  return parseManifest({
    name: 'acme-net-2',
    vendor: 'acme',
    version: '2.0.0',
    requires: { 'acme-base': '^1.2.0', 'acme-core': '>=1.3.0' },
    conflicts: { 'acme-legacy': '*' },
    provides: ['acme-net@2.0.0'],
    kernel: KERNEL_RANGE,
    tags: ['net', 'production'],
    functions: [...[3, 15, 27, 44].map((i) => fn('acme', i)), ...Array.from({ length: 6 }, (_, i) => fn('acme', 900 + i))],
    callbacks: { 'net-sysctl': { postPatch: [{ log: 'net sysctl on' }], preUnpatch: [{ log: 'net sysctl off' }] } },
    ...overrides,
  });
}

/**
 * A machine with `installed` loaded through `insmod` (so through the gates when `policies` are
 * given, applied first), each transition completed.
 */
export async function machineWith(installed: readonly PatchManifest[], policies: readonly PolicyEntry[], extraFunctions: readonly string[] = []): Promise<Machine> {
  const machine = new Machine({ kernelFunctions: [...kernelFunctionsOf(installed), ...extraFunctions] });
  for (const m of installed) machine.addModule(manifestModule(m));
  applyPolicies(machine.livepatch, policies);
  for (const m of installed) {
    const ret = await machine.insmod(m.name);
    if (ret !== 0) throw new Error(`fixture: insmod ${m.name} failed (${ret}): ${machine.log.records().slice(-5).map((r) => r.text).join('\n')}`);
    if (machine.livepatch.transitionPatch) machine.advance(1000);
    if (machine.livepatch.transitionPatch) throw new Error(`fixture: the transition of ${m.name} did not complete`);
  }
  return machine;
}
