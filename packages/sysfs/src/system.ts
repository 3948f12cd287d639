/**
 * A real system, read under a root (`/` on the machine itself, a fixture tree in tests): the
 * installed livepatches, the loaded modules and the kernel release, with what could not be known.
 */
import { SysfsError } from './errors.js';
import { readLivepatch, type SysfsPatch } from './livepatch.js';
import { readModules, type LoadedModule } from './modules.js';
import { shownName } from './names.js';
import { SafeTree, type ReadLimits } from './safe-fs.js';

export interface SystemSnapshot {
  /** `uname -r`, from /proc/sys/kernel/osrelease. */
  readonly release: string | undefined;
  /** `/proc/sys/kernel/random/boot_id`: tells two boots of one host apart in decision records. */
  readonly bootId: string | undefined;
  /** The `/proc/sys/kernel/tainted` mask. */
  readonly tainted: number | undefined;
  /** Whether the kernel has livepatch support (`/sys/kernel/livepatch` exists). */
  readonly livepatch: boolean;
  /**
   * The installed patches, oldest first: by `stack_order` where the kernel shows it, otherwise by
   * load order (`/proc/modules` lists the newest module first).
   */
  readonly patches: readonly SysfsPatch[];
  /** Loaded modules, newest first. */
  readonly modules: readonly LoadedModule[];
  /** What could not be read or is not shown by this kernel, in words. */
  readonly unknown: readonly string[];
}

function release(tree: SafeTree): string | undefined {
  const text = tree.read('proc/sys/kernel/osrelease');
  if (text === undefined) return undefined;
  const value = text.trim();
  if (!/^[\w.+~-]{1,64}$/.test(value)) throw new SysfsError('PW_SYSFS_BAD_VALUE', tree.shown('proc/sys/kernel/osrelease'), `\`${shownName(value)}\` is not a kernel release`);
  return value;
}

function bootId(tree: SafeTree): string | undefined {
  const text = tree.read('proc/sys/kernel/random/boot_id');
  if (text === undefined) return undefined;
  const value = text.trim();
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(value)) {
    throw new SysfsError('PW_SYSFS_BAD_VALUE', tree.shown('proc/sys/kernel/random/boot_id'), `\`${shownName(value)}\` is not a boot id`);
  }
  return value;
}

function tainted(tree: SafeTree): number | undefined {
  const text = tree.read('proc/sys/kernel/tainted');
  if (text === undefined) return undefined;
  const value = text.trim();
  if (!/^\d{1,20}$/.test(value)) throw new SysfsError('PW_SYSFS_BAD_VALUE', tree.shown('proc/sys/kernel/tainted'), `\`${shownName(value)}\` is not a number`);
  return Number(value);
}

function ordered(patches: SysfsPatch[], modules: readonly LoadedModule[] | undefined, unknown: string[]): SysfsPatch[] {
  if (patches.length < 2) return patches;
  if (patches.every((p) => p.stackOrder !== undefined)) return [...patches].sort((a, b) => (a.stackOrder ?? 0) - (b.stackOrder ?? 0));
  const age = new Map((modules ?? []).map((m, i, all) => [m.name, all.length - i]));
  if (patches.some((p) => !age.has(p.name))) {
    unknown.push('the order of the installed patches (no `stack_order` file, and not every patch module is in /proc/modules)');
    return patches;
  }
  return [...patches].sort((a, b) => (age.get(a.name) ?? 0) - (age.get(b.name) ?? 0));
}

/** Read the system under `root`. Throws a `SysfsError` naming the place when the tree is hostile. */
export function readSystem(root: string, limits: ReadLimits = {}): SystemSnapshot {
  const tree = new SafeTree(root, limits);
  const unknown: string[] = [];
  const rel = release(tree);
  if (rel === undefined) unknown.push('the kernel release (no /proc/sys/kernel/osrelease)');
  const taint = tainted(tree);
  const modules = readModules(tree);
  if (modules === undefined) unknown.push('the loaded modules (no /proc/modules)');
  const patches = readLivepatch(tree);
  if (patches === undefined) unknown.push('the installed patches (no /sys/kernel/livepatch: no livepatch support, or sysfs not mounted)');
  const list = patches ?? [];
  if (list.length && list.some((p) => p.replace === undefined)) unknown.push('whether each patch replaces others (no `replace` file before Linux 6.11)');
  return {
    release: rel,
    bootId: bootId(tree),
    tainted: taint,
    livepatch: patches !== undefined,
    patches: ordered(list, modules, unknown),
    modules: modules ?? [],
    unknown,
  };
}
