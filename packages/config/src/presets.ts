/**
 * Built-in presets, for `extends: patchwise:<name>`.
 */
import type { PatchwiseConfig } from './schema.js';

export interface Preset {
  readonly name: string;
  readonly description: string;
  readonly config: PatchwiseConfig;
}

export const PRESETS: Readonly<Record<string, Preset>> = {
  'patchwise:recommended': {
    name: 'patchwise:recommended',
    description: 'the three standard policies at their defaults, refusing what they find',
    config: {
      plugins: [
        { plugin: 'vendor-tags', severity: 'error' },
        { plugin: 'scoped-callbacks', severity: 'error' },
        { plugin: 'semver-deps', severity: 'error' },
      ],
    },
  },
  'patchwise:permissive': {
    name: 'patchwise:permissive',
    description: "the three standard policies at their most permissive settings: the kernel's own behaviour, with every decision recorded",
    config: {
      plugins: [
        { plugin: 'vendor-tags', options: { sameFunction: 'any', replace: 'any', requiresTag: {}, conflictsWithTag: {}, signatures: 'off' } },
        { plugin: 'scoped-callbacks', options: { blockDisable: 'ignore' } },
        { plugin: 'semver-deps', options: { allowDowngrade: true, requireVersion: false, checkKernel: false } },
      ],
    },
  },
  'patchwise:audit': {
    name: 'patchwise:audit',
    description: 'the recommended policies in audit mode: every finding reported, nothing refused',
    config: { extends: [], plugins: [{ plugin: 'vendor-tags' }, { plugin: 'scoped-callbacks' }, { plugin: 'semver-deps' }], audit: true },
  },
};
