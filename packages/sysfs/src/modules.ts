/**
 * The loaded modules: `/proc/modules` (kernel/module/procfs.c `m_show`: name, size, refcount, users,
 * state, address, taint flags) and each one's `/sys/module/NAME` (`initstate`, `refcnt`, `taint`).
 */
import { SysfsError } from './errors.js';
import { isModuleName, shownName } from './names.js';
import type { SafeTree } from './safe-fs.js';

export interface LoadedModule {
  readonly name: string;
  readonly size: number;
  /** -1 where the kernel cannot count (no module unloading). */
  readonly refcount: number;
  /** The modules using this one. */
  readonly users: readonly string[];
  readonly state: 'Live' | 'Loading' | 'Unloading';
  /** Taint letters, e.g. `OEK` (`K`: a livepatch module). */
  readonly taint: string;
  /** `/sys/module/NAME/initstate` where it could be read. */
  readonly initstate: string | undefined;
}

const LINE = /^(\S+) (\d+) (-?\d+) (\S+) (Live|Loading|Unloading) (0x[0-9a-f]+)(?: \(([A-Z]*)\))?$/;

function sysModuleState(tree: SafeTree, name: string): string | undefined {
  const rel = `sys/module/${name}`;
  if (!tree.isDir(rel)) return undefined;
  const text = tree.read(`${rel}/initstate`);
  if (text === undefined) return undefined;
  const value = text.trim();
  if (!['live', 'coming', 'going', 'unformed'].includes(value)) {
    throw new SysfsError('PW_SYSFS_BAD_VALUE', tree.shown(`${rel}/initstate`), `holds \`${shownName(value)}\`, expected live, coming, going or unformed`);
  }
  return value;
}

/** `/proc/modules`, newest first as the kernel lists them; undefined when the file is absent. */
export function readModules(tree: SafeTree): LoadedModule[] | undefined {
  const rel = 'proc/modules';
  const text = tree.read(rel, tree.limits.table);
  if (text === undefined) return undefined;
  const modules: LoadedModule[] = [];
  const seen = new Set<string>();
  text.split('\n').forEach((line, i) => {
    if (line === '') return;
    const m = LINE.exec(line);
    const where = `${tree.shown(rel)}:${i + 1}`;
    if (!m) throw new SysfsError('PW_SYSFS_BAD_VALUE', where, `\`${shownName(line)}\` is not a module line (name size refcount users state address [taint])`);
    const [, name = '', size = '', refcount = '', users = '', state = '', , taint = ''] = m;
    if (!isModuleName(name)) throw new SysfsError('PW_SYSFS_BAD_NAME', where, `\`${shownName(name)}\` is not a module name`);
    if (seen.has(name)) throw new SysfsError('PW_SYSFS_BAD_VALUE', where, `module \`${name}\` is listed twice`);
    seen.add(name);
    const userList = users === '-' ? [] : users.split(',').filter(Boolean);
    for (const user of userList) if (!isModuleName(user)) throw new SysfsError('PW_SYSFS_BAD_NAME', where, `\`${shownName(user)}\` is not a module name`);
    modules.push({
      name,
      size: Number(size),
      refcount: Number(refcount),
      users: userList,
      state: state as LoadedModule['state'],
      taint,
      initstate: sysModuleState(tree, name),
    });
  });
  return modules;
}
