/**
 * The livepatch sysfs tree (semantics §1.8) and the procfs/sysfs files the selftests read, computed
 * from live state on every access, as the kernel's show functions are.
 */
import { Errno, funcDirName, type Livepatch, type PatchView } from '@patchwise/core';
import type { FsEntry, FsNode, FsProvider } from './fs.js';
import type { ModuleLoader } from './modules.js';
import { parseBool } from './params.js';
import { hasPatchAttribute } from './release.js';
import type { Scheduler } from './tasks.js';

export const LIVEPATCH_SYSFS = '/sys/kernel/livepatch';

const dir = (mode = 0o755): FsEntry => ({ kind: 'dir', mode });
const file = (node: FsNode): FsEntry => ({ kind: 'file', node });
const show = (value: string | number | boolean, mode = 0o444): FsEntry =>
  file({ mode, read: () => `${typeof value === 'boolean' ? Number(value) : value}\n` });

const objectDir = (obj: { name: string | null }): string => obj.name ?? 'vmlinux';

/** `/sys/kernel/livepatch/<patch>/...`. */
export class LivepatchSysfs implements FsProvider {
  /** `release`: the machine's `uname -r`; attributes newer than it are absent (see release.ts). */
  constructor(
    private readonly livepatch: Livepatch,
    private readonly release = '',
  ) {}

  #split(path: string): string[] | undefined {
    if (path === LIVEPATCH_SYSFS) return [];
    if (!path.startsWith(`${LIVEPATCH_SYSFS}/`)) return undefined;
    return path.slice(LIVEPATCH_SYSFS.length + 1).split('/');
  }

  lookup(path: string): FsEntry | undefined {
    const parts = this.#split(path);
    if (!parts) return undefined;
    const [patchName, attr, leaf, extra] = parts;
    if (patchName === undefined) return dir();
    const patch = this.livepatch.findPatch(patchName);
    if (!patch) return undefined;
    if (attr === undefined) return dir();
    if (leaf === undefined) return this.#patchAttribute(patch, attr);
    const obj = patch.objects.find((o) => objectDir(o) === attr);
    if (!obj || extra !== undefined) return undefined;
    if (leaf === 'patched') return show(obj.patched);
    return obj.funcs.some((f) => funcDirName(f) === leaf) ? dir() : undefined;
  }

  list(path: string): string[] | undefined {
    const parts = this.#split(path);
    if (!parts) return undefined;
    const [patchName, objName, funcDir, extra] = parts;
    if (patchName === undefined) return this.livepatch.patches.map((p) => p.name);
    const patch = this.livepatch.findPatch(patchName);
    if (!patch) return undefined;
    if (objName === undefined) {
      return ['enabled', 'force', 'replace', 'stack_order', 'transition'].filter((a) => hasPatchAttribute(this.release, a)).concat(patch.objects.map(objectDir));
    }
    const obj = patch.objects.find((o) => objectDir(o) === objName);
    if (!obj || extra !== undefined) return undefined;
    if (funcDir === undefined) return ['patched', ...obj.funcs.map(funcDirName)];
    // A function's directory has no attributes.
    return obj.funcs.some((f) => funcDirName(f) === funcDir) ? [] : undefined;
  }

  #patchAttribute(patch: PatchView, attr: string): FsEntry | undefined {
    const lp = this.livepatch;
    if (!hasPatchAttribute(this.release, attr)) return undefined;
    switch (attr) {
      case 'enabled':
        return file({
          mode: 0o644,
          read: () => `${Number(patch.enabled)}\n`,
          write: (text) => {
            const value = parseBool(text);
            return value === undefined ? -Errno.EINVAL : lp.setEnabled(patch.name, value);
          },
        });
      case 'transition':
        return show(lp.transitionPatch === patch);
      case 'force':
        return file({
          mode: 0o200,
          write: (text) => {
            const value = parseBool(text);
            if (value === undefined) return -Errno.EINVAL;
            return value ? lp.force(patch.name) : 0;
          },
        });
      case 'replace':
        return show(patch.replace);
      case 'stack_order':
        return show(lp.stackOrder(patch.name));
      default: {
        const obj = patch.objects.find((o) => objectDir(o) === attr);
        return obj ? dir() : undefined;
      }
    }
  }
}

/** `/proc/<pid>/{patch_state,comm,stack}`. */
export class ProcPidFs implements FsProvider {
  constructor(
    private readonly scheduler: Scheduler,
    private readonly symbolName: (addr: string) => string,
  ) {}

  #task(path: string): { task: ReturnType<Scheduler['get']>; leaf: string | undefined } | undefined {
    const m = /^\/proc\/(\d+)(?:\/([^/]+))?$/.exec(path);
    if (!m) return undefined;
    return { task: this.scheduler.get(Number(m[1])), leaf: m[2] };
  }

  lookup(path: string): FsEntry | undefined {
    const found = this.#task(path);
    if (!found?.task) return undefined;
    const { task, leaf } = found;
    switch (leaf) {
      case undefined:
        return dir(0o555);
      case 'patch_state':
        return show(task.patchState);
      case 'comm':
        return show(task.comm);
      case 'stack':
        return file({ mode: 0o400, read: () => task.stack.map((a) => `[<0>] ${this.symbolName(a)}\n`).join('') });
      default:
        return undefined;
    }
  }

  list(path: string): string[] | undefined {
    if (path === '/proc') return this.scheduler.list().map((t) => String(t.pid));
    const found = this.#task(path);
    return found?.task && found.leaf === undefined ? ['comm', 'patch_state', 'stack'] : undefined;
  }
}

/** `/sys/module/<name>/{refcnt,initstate}` for loaded modules (parameters are files of their own). */
export class SysModuleFs implements FsProvider {
  constructor(private readonly loader: ModuleLoader) {}

  lookup(path: string): FsEntry | undefined {
    const m = /^\/sys\/module\/([^/]+)(?:\/([^/]+))?$/.exec(path);
    if (!m) return undefined;
    const mod = this.loader.find(m[1] ?? '');
    if (!mod) return undefined;
    if (m[2] === undefined) return dir();
    if (m[2] === 'refcnt') return show(mod.refcount);
    if (m[2] === 'initstate') return show(mod.state.toLowerCase());
    return undefined;
  }

  list(path: string): string[] | undefined {
    if (path === '/sys/module') return this.loader.loaded().map((m) => m.name);
    const m = /^\/sys\/module\/([^/]+)$/.exec(path);
    return m && this.loader.find(m[1] ?? '') ? ['initstate', 'refcnt'] : undefined;
  }
}
