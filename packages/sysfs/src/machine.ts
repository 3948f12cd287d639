/**
 * A machine of kind `real`: a kernel reached through its /sys, /proc and module loader. patchwise
 * decides before each step and observes after it; the kernel performs the lifecycle. The loader is
 * separate so tests can pair a fixture tree with a fake kernel, and the real one runs `insmod` /
 * `rmmod` (finit_module / delete_module) on the machine itself.
 */
import { execFile } from 'node:child_process';
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { LIVEPATCH_DIR } from './livepatch.js';
import { isModuleName } from './names.js';
import { readSystem, type SystemSnapshot } from './system.js';
import { SafeTree } from './safe-fs.js';

/** What the kernel answered: done, or an errno (`EAGAIN`) with the text the tool printed. */
export type KernelResult = { readonly ok: true } | { readonly ok: false; readonly errno: string; readonly detail: string };

/** Loads and removes modules: `finit_module` and `delete_module`, by whatever means. */
export interface ModuleLoader {
  load(file: string): Promise<KernelResult>;
  unload(name: string): Promise<KernelResult>;
}

/** The livepatch attributes patchwise writes: `enabled` (0 disables, or reverses a transition), `force`. */
export type PatchAttribute = 'enabled' | 'force';

/** A task's `/proc/PID/patch_state`: -1 none, 0 unpatched, 1 patched. */
export interface TaskPatchState {
  readonly pid: number;
  readonly comm: string;
  readonly state: -1 | 0 | 1;
}

export interface RealMachine {
  readonly kind: 'real';
  /** The root its /sys and /proc are read under. */
  readonly root: string;
  read(): SystemSnapshot;
  load(file: string): Promise<KernelResult>;
  unload(name: string): Promise<KernelResult>;
  write(patch: string, attribute: PatchAttribute, value: '0' | '1'): KernelResult;
  /** The tasks with a patch state (during a transition). */
  tasks(): TaskPatchState[];
}


/** glibc's strerror texts as the module tools print them, to recover the errno. */
const STRERROR: Readonly<Record<string, string>> = {
  'Operation not permitted': 'EPERM',
  'No such file or directory': 'ENOENT',
  'Resource temporarily unavailable': 'EAGAIN',
  'Cannot allocate memory': 'ENOMEM',
  'Device or resource busy': 'EBUSY',
  'File exists': 'EEXIST',
  'Permission denied': 'EACCES',
  'No such device': 'ENODEV',
  'Invalid argument': 'EINVAL',
  'Invalid parameters': 'EINVAL',
  'Exec format error': 'ENOEXEC',
  'Invalid module format': 'ENOEXEC',
  'Unknown symbol in module': 'ENOENT',
  'Key was rejected by service': 'EKEYREJECTED',
  'Required key not available': 'ENOKEY',
  'Bad address': 'EFAULT',
  'Function not implemented': 'ENOSYS',
  // kmod's rmmod checks the refcount itself and says only this; delete_module would fail with
  // EWOULDBLOCK (EAGAIN) for the same reason.
  'is in use': 'EAGAIN',
  'is not currently loaded': 'ENOENT',
};

/** The errno named by a tool's error output, `EUNKNOWN` when none is recognised. */
export function errnoOfToolOutput(text: string): string {
  for (const [message, errno] of Object.entries(STRERROR)) if (text.includes(message)) return errno;
  return 'EUNKNOWN';
}

function run(command: string, args: readonly string[]): Promise<KernelResult> {
  return new Promise((resolve) => {
    execFile(command, [...args], { timeout: 120_000 }, (err, _stdout, stderr) => {
      if (!err) return resolve({ ok: true });
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return resolve({ ok: false, errno: 'ENOENT', detail: `\`${command}\` not found (install kmod or busybox)` });
      const detail = String(stderr).trim() || err.message;
      resolve({ ok: false, errno: errnoOfToolOutput(detail), detail });
    });
  });
}

/** The machine's own module tools: `insmod FILE` and `rmmod NAME`. */
export function commandLoader(tools: { insmod?: string; rmmod?: string } = {}): ModuleLoader {
  return {
    load: (file) => run(tools.insmod ?? 'insmod', [file]),
    unload: (name) => run(tools.rmmod ?? 'rmmod', [name]),
  };
}

function readTasks(tree: SafeTree): TaskPatchState[] {
  if (!tree.isDir('proc')) return [];
  const tasks: TaskPatchState[] = [];
  for (const entry of tree.list('proc', 1 << 16)) {
    if (entry.type !== 'dir' || !/^[1-9]\d{0,9}$/.test(entry.name)) continue;
    let text: string | undefined;
    let comm: string | undefined;
    try {
      text = tree.read(`proc/${entry.name}/patch_state`);
      comm = tree.read(`proc/${entry.name}/comm`);
    } catch {
      continue; // the task exited while being read
    }
    const state = Number(text?.trim());
    if (state !== -1 && state !== 0 && state !== 1) continue;
    tasks.push({ pid: Number(entry.name), comm: (comm ?? '').trim().slice(0, 64), state });
  }
  return tasks;
}

/** A real machine under `root` (`/` on the machine itself). */
export function realMachine(root: string, loader: ModuleLoader = commandLoader()): RealMachine {
  const tree = new SafeTree(root);
  return {
    kind: 'real',
    root,
    read: () => readSystem(root),
    load: (file) => loader.load(file),
    unload: (name) => loader.unload(name),
    write(patch, attribute, value) {
      if (!isModuleName(patch)) return { ok: false, errno: 'EINVAL', detail: `\`${patch}\` is not a patch name` };
      // Never created, never followed: the attribute must already exist as the kernel made it.
      const file = join(root, LIVEPATCH_DIR, patch, attribute);
      let fd: number;
      try {
        fd = openSync(file, constants.O_WRONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
        return { ok: false, errno: code, detail: `cannot open /${LIVEPATCH_DIR}/${patch}/${attribute}` };
      }
      try {
        writeSync(fd, value);
        return { ok: true };
      } catch (err) {
        return { ok: false, errno: (err as NodeJS.ErrnoException).code ?? 'EIO', detail: `write ${value} to /${LIVEPATCH_DIR}/${patch}/${attribute}` };
      } finally {
        closeSync(fd);
      }
    },
    tasks: () => readTasks(tree),
  };
}
