/**
 * A simulated machine with manifest patches loadable, and the kernel log of each step.
 */
import { manifestModule, parseManifest, type PatchManifest } from '@patchwise/manifest';
import { applyPolicies } from '@patchwise/policy';
import { Machine } from '@patchwise/sim';
import scopedCallbacks, { type ScopedCallbacksOptions } from '@patchwise/plugin-scoped-callbacks';

export type Callbacks = NonNullable<PatchManifest['callbacks']>;
export type ObjectCallbacks = NonNullable<NonNullable<PatchManifest['objects']>[number]['callbacks']>;

const STAGES = ['prePatch', 'postPatch', 'preUnpatch', 'postUnpatch'] as const;
const STAGE_TEXT = { prePatch: 'pre-patch', postPatch: 'post-patch', preUnpatch: 'pre-unpatch', postUnpatch: 'post-unpatch' };

/** Each ID logs `<stage> <id>` at every stage (the patch module's prefix is added by the kernel). */
export function loggingIds(ids: readonly string[]): Callbacks {
  return Object.fromEntries(
    ids.map((id) => [id, Object.fromEntries(STAGES.map((stage) => [stage, [{ log: `${STAGE_TEXT[stage]} ${id}` }]]))]),
  );
}

/** The same work as per-object (vmlinux) callbacks: what a patch does without scoped callbacks. */
export function loggingObjectCallbacks(ids: readonly string[]): ObjectCallbacks {
  return Object.fromEntries(STAGES.map((stage) => [stage, ids.map((id) => ({ log: `${STAGE_TEXT[stage]} ${id}` }))]));
}

/** A patch of `cmdline_proc_show` with scoped callbacks. */
export const patch = (name: string, callbacks: Callbacks = {}, extra: Partial<PatchManifest> = {}): PatchManifest => ({
  name,
  functions: ['cmdline_proc_show'],
  callbacks,
  ...extra,
});

export interface Booted {
  readonly machine: Machine;
  /** Run `op`, let transitions finish (2 s), and return the log lines it produced. */
  step(op: () => Promise<number> | number, expectResult?: number): Promise<string[]>;
  enable(name: string): Promise<number>;
  disable(name: string): Promise<number>;
}

export function boot(
  manifests: readonly PatchManifest[],
  policy: { options?: Partial<ScopedCallbacksOptions> } | false = {},
): Booted {
  const machine = new Machine();
  for (const m of manifests) machine.addModule(manifestModule(parseManifest(m)));
  if (policy) applyPolicies(machine.livepatch, [{ policy: scopedCallbacks, options: policy.options }]);
  const enable = (name: string) => machine.insmod(name);
  const disable = (name: string) => machine.write(`/sys/kernel/livepatch/${name}/enabled`, '0');
  return {
    machine,
    enable,
    disable,
    async step(op, expectResult = 0) {
      const mark = machine.log.mark;
      const result = await op();
      if (result !== expectResult) throw new Error(`expected ${expectResult}, got ${result}`);
      machine.advance(2000);
      return machine.log.records(mark).map((r) => r.text);
    },
  };
}

/** A kernel thread asleep in `func` of `object` (a patch module's replacement, or vmlinux's original). */
export function sleeper(machine: Machine, func: string, object = 'vmlinux') {
  const addr = machine.kallsyms.address(object, func);
  if (!addr) throw new Error(`no ${func} in ${object}`);
  return machine.spawn({ comm: 'sleeper', kthread: true, stack: [addr] });
}
