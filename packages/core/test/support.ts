/**
 * Shared scaffolding for the core's tests: a machine, livepatch modules built from a compact
 * description, a recorder for per-object callbacks, tasks parked in a function, log helpers.
 * (The core is tested on the simulated machine: `@patchwise/sim` is a dev dependency only.)
 */
import type { ObjectCallbacks, StateDefinition } from '@patchwise/core';
import { Machine, type ModuleContext, type Task } from '@patchwise/sim';

export { Machine };
export type { ModuleContext, Task };

/** vmlinux functions the tests patch. */
export const KERNEL_FUNCTIONS = ['foo', 'bar', 'baz'];

export function newMachine(): Machine {
  return new Machine({ kernelFunctions: KERNEL_FUNCTIONS });
}

export interface LpObject {
  /** Target module; omitted for vmlinux. */
  readonly name?: string;
  /** Functions of that object to replace; the replacement of `f` in patch `p` returns `p:f`. */
  readonly funcs?: readonly string[];
  readonly callbacks?: ObjectCallbacks | ((ctx: ModuleContext) => ObjectCallbacks);
}

export interface LpSpec {
  readonly objects: readonly LpObject[];
  readonly replace?: boolean;
  readonly states?: readonly StateDefinition[];
}

/** The replacement symbol of `func` in livepatch module `patch`. */
export const replacementName = (patch: string, func: string): string => `${patch}_${func}`;

/** Make livepatch module `name` loadable: its init enables a patch built from `spec`. */
export function addLivepatch(m: Machine, name: string, spec: LpSpec): void {
  const funcs = [...new Set(spec.objects.flatMap((o) => o.funcs ?? []))];
  m.addModule({
    name,
    livepatch: true,
    symbols: funcs.map((f) => ({ name: replacementName(name, f), body: () => `${name}:${f}` })),
    init: (ctx) =>
      ctx.enablePatch({
        ...(spec.replace === undefined ? {} : { replace: spec.replace }),
        ...(spec.states ? { states: spec.states.map((s) => ({ ...s })) } : {}),
        objects: spec.objects.map((o) => ({
          ...(o.name ? { name: o.name } : {}),
          funcs: (o.funcs ?? []).map((f) => ({ oldName: f, newFunc: replacementName(name, f) })),
          ...(o.callbacks ? { callbacks: typeof o.callbacks === 'function' ? o.callbacks(ctx) : o.callbacks } : {}),
        })),
      }),
  });
}

/** Shorthand: a livepatch of vmlinux functions (one vmlinux object). */
export function addVmlinuxPatch(
  m: Machine,
  name: string,
  funcs: readonly string[],
  extra: { replace?: boolean; states?: readonly StateDefinition[]; callbacks?: LpObject['callbacks'] } = {},
): void {
  const { callbacks, ...rest } = extra;
  addLivepatch(m, name, { ...rest, objects: [{ funcs, ...(callbacks ? { callbacks } : {}) }] });
}

/** Per-object callbacks that append `tag:callback:object` to `calls`. */
export function recorder(
  calls: string[],
  tag: string,
  prePatchRet: () => number = () => 0,
): ObjectCallbacks {
  return {
    prePatch: (c) => {
      calls.push(`${tag}:pre_patch:${c.objectName}`);
      return prePatchRet();
    },
    postPatch: (c) => void calls.push(`${tag}:post_patch:${c.objectName}`),
    preUnpatch: (c) => void calls.push(`${tag}:pre_unpatch:${c.objectName}`),
    postUnpatch: (c) => void calls.push(`${tag}:post_unpatch:${c.objectName}`),
  };
}

/** Address of a vmlinux function (throws if missing). */
export function kaddr(m: Machine, func: string, object = 'vmlinux'): string {
  const addr = m.kallsyms.address(object, func);
  if (!addr) throw new Error(`no ${func} in ${object}`);
  return addr;
}

/** A kernel thread asleep inside `addr` (fake signals only wake it; it stays in the function). */
export function sleeperIn(m: Machine, addr: string, comm = 'sleeper'): Task {
  return m.spawn({ comm, kthread: true, stack: [...m.frames(['schedule']), addr, ...m.frames(['kthread', 'ret_from_fork'])] });
}

/** A kernel thread asleep somewhere unrelated to any patch. */
export function idleKthread(m: Machine, comm = 'bystander'): Task {
  return m.spawn({ comm, kthread: true, stack: m.frames(['schedule', 'kthread', 'ret_from_fork']) });
}

/** The log texts printed since `mark`. */
export function linesSince(m: Machine, mark: number): string[] {
  return m.log.records(mark).map((r) => r.text);
}

/** The `livepatch: ` lines since `mark`. */
export function klpLinesSince(m: Machine, mark: number): string[] {
  return linesSince(m, mark).filter((t) => t.startsWith('livepatch: '));
}

export function sysfs(patch: string, attr: string): string {
  return `/sys/kernel/livepatch/${patch}/${attr}`;
}

/** Read an integer sysfs/procfs attribute. */
export function readInt(m: Machine, path: string): number {
  return Number.parseInt(m.read(path).trim(), 10);
}

/** Let retries run until the transition finished (at most `maxSeconds`). */
export function settle(m: Machine, maxSeconds = 5): void {
  for (let i = 0; i < maxSeconds && m.livepatch.transitionPatch; i += 1) m.advance(1000);
}

type Dir = 'patching' | 'unpatching';
const lp = (text: string): string => `livepatch: ${text}`;

/**
 * The log catalog of semantics §2.0, transcribed from the spec (not from the code under test), with
 * the `livepatch: ` pr_fmt prefix.
 */
export const spec = {
  M1: (p: string) => lp(`enabling patch '${p}'`),
  M2: (p: string, dir: Dir) => lp(`'${p}': initializing ${dir} transition`),
  M3: (p: string, dir: Dir) => lp(`'${p}': starting ${dir} transition`),
  M4: (p: string, dir: Dir) => lp(`'${p}': completing ${dir} transition`),
  M5: (p: string, dir: Dir) => lp(`'${p}': ${dir} complete`),
  M6: (p: string) => lp(`'${p}': canceling patching transition, going to unpatch`),
  M7: (p: string, from: Dir) =>
    lp(`'${p}': reversing transition from ${from === 'patching' ? 'patching to unpatching' : 'unpatching to patching'}`),
  M8: (obj: string) => lp(`pre-patch callback failed for object '${obj}'`),
  M10: (p: string) => lp(`failed to enable patch '${p}'`),
  M11: (p: string, mod: string) => lp(`applying patch '${p}' to loading module '${mod}'`),
  M12: (p: string, mod: string) => lp(`reverting patch '${p}' on unloading module '${mod}'`),
  M13: (p: string, mod: string) => lp(`patch '${p}' failed for module '${mod}', refusing to load module '${mod}'`),
  M16: (p: string) => lp(`Livepatch patch (${p}) is not compatible with the already installed livepatches.`),
  M19: lp('forcing remaining tasks to the patched state'),
  M20: lp('signaling remaining tasks'),
  M23: lp('vmlinux.ko: invalid module name'),
  M24sleeping: (comm: string, pid: number, func: string) =>
    lp(`klp_try_switch_task: ${comm}:${pid} is sleeping on function ${func}`),
};
