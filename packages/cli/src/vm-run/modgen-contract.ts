/**
 * What `run --vm` needs of `@patchwise/modgen` (C modules generated from manifests and scenario
 * modules, built with kbuild against the guest's headers). The CLI passes the real package; tests of
 * the step mapping pass their own.
 */
import type { PatchManifest } from '@patchwise/manifest';

export interface GeneratedModule {
  readonly name: string;
  readonly files: Record<string, string>;
  readonly kind: 'livepatch' | 'target';
}

/** A shell command whose stdout shows which patch runs the function. */
export interface FunctionProbe {
  readonly object: string;
  readonly function: string;
  readonly command: string;
}

export interface TargetTask {
  readonly name: string;
  readonly comm?: string;
  readonly sleepsIn: string;
}

export interface Modgen {
  /** Throws (code `PW_MODGEN_UNSUPPORTED`) for what the kernel module cannot express. */
  livepatchModule(manifest: PatchManifest): GeneratedModule;
  targetModule(module: { name: string; functions: readonly string[] }, tasks?: readonly TargetTask[]): GeneratedModule;
  probeFor(object: string, fn: string): FunctionProbe | undefined;
  buildModules(modules: readonly GeneratedModule[], kernel: { release: string; headersDir: string }, options?: { cache?: string }): Promise<Map<string, string>>;
}
