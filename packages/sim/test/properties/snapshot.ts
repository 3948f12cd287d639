/**
 * The whole observable state of a simulated machine as plain data, for deep-equal comparisons:
 * installed patches with every object and function, the transition, the function stacks, every
 * task's patch state and stack, loaded modules and their references, the livepatch sysfs tree,
 * pending timers, and (optionally) the shadow variables. The kernel log is not state: a refused or
 * failed operation is expected to log why.
 */
import type { Machine, Task } from '@patchwise/sim';

export interface SnapshotOptions {
  /** Include the shadow variable table (default true). */
  readonly shadow?: boolean;
  /**
   * Include the livepatch sysfs tree (default true). It is computed from the patches, objects and
   * functions already captured, so leaving it out loses nothing but a check of the sysfs code.
   */
  readonly sysfs?: boolean;
}

function sysfsTree(m: Machine, dir: string, out: Record<string, string>): void {
  for (const name of m.fs.readdir(dir)) {
    const path = `${dir}/${name}`;
    const entry = m.fs.stat(path);
    if (!entry) continue;
    if (entry.kind === 'dir') {
      out[`${path}/`] = '';
      sysfsTree(m, path, out);
    } else {
      // Read the file directly: `machine.read` runs as the shell, and a syscall exit is a switch point.
      out[path] = entry.node.read && entry.node.mode & 0o444 ? entry.node.read() : `(mode ${entry.node.mode.toString(8)})`;
    }
  }
}

const taskState = (t: Task) => ({
  pid: t.pid,
  comm: t.comm,
  patchState: t.patchState,
  patchPending: t.patchPending,
  signalPending: t.signalPending,
  stack: [...t.stack],
});

export function snapshot(m: Machine, options: SnapshotOptions = {}) {
  const lp = m.livepatch;
  const sysfs: Record<string, string> = {};
  if (options.sysfs !== false) sysfsTree(m, '/sys/kernel/livepatch', sysfs);
  return {
    patches: lp.patches.map((p) => ({
      name: p.name,
      enabled: p.enabled,
      forced: p.forced,
      replace: p.replace,
      module: p.mod.name,
      states: p.states.map((s) => ({ id: s.id, version: s.version })),
      metadata: JSON.stringify(p.metadata),
      objects: p.objects.map((o) => ({
        name: o.name,
        dynamic: o.dynamic,
        patched: o.patched,
        loaded: o.loaded,
        mod: o.mod?.name ?? null,
        funcs: o.funcs.map((f) => ({
          oldName: f.oldName,
          oldSympos: f.oldSympos,
          oldFunc: f.oldFunc,
          newFunc: f.newFunc,
          nop: f.nop,
          patched: f.patched,
          transition: f.transition,
        })),
      })),
    })),
    transition: lp.transitionPatch?.name ?? null,
    targetState: lp.targetState,
    retries: lp.retries,
    stacks: [...lp.funcStacks()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([addr, stack]) => [addr, stack.map((f) => `${f.patchName}${f.nop ? ' (nop)' : ''}`)]),
    tasks: [...m.scheduler.list(), ...m.scheduler.idle].map(taskState),
    modules: m.modules
      .loaded()
      .map((mod) => ({ name: mod.name, state: mod.state, refcount: mod.refcount, klpAlive: mod.klpAlive }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    sysfs,
    nextTimer: m.clock.nextTimer() ?? null,
    ...(options.shadow === false
      ? {}
      : { shadow: lp.shadow.entries().map((e) => ({ obj: String(e.obj), id: e.id, size: e.data.size, value: e.data.value })) }),
  };
}

export type Snapshot = ReturnType<typeof snapshot>;

/**
 * `before` as it must look after a shell command that changed nothing: the shell returned to user
 * space, which is a switch point (`klp_update_patch_state`), so a pending shell is now in the target.
 */
export function afterShellCommand(before: Snapshot, m: Machine): Snapshot {
  const target = m.livepatch.targetState;
  return {
    ...before,
    tasks: before.tasks.map((t) =>
      t.pid === m.shell.pid && t.patchPending ? { ...t, patchPending: false, patchState: target, signalPending: false } : t.pid === m.shell.pid ? { ...t, signalPending: false } : t,
    ),
  };
}
