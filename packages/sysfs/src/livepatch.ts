/**
 * `/sys/kernel/livepatch`: one directory per installed patch (enabled or in transition), one per
 * object inside it, one `NAME,POS` directory per function inside that (kernel/livepatch/core.c,
 * `klp_init_patch` & co.). Files differ by kernel version: `replace` since 6.11, `stack_order` since
 * 6.14; `force` is write-only and never read.
 */
import { SysfsError } from './errors.js';
import { isModuleName, parseFuncDir, shownName } from './names.js';
import type { SafeTree } from './safe-fs.js';

export const LIVEPATCH_DIR = 'sys/kernel/livepatch';

export interface SysfsFunction {
  readonly name: string;
  /** As the kernel shows it: a function given with sympos 0 shows as 1. */
  readonly sympos: number;
}

export interface SysfsObject {
  /** `vmlinux` or a module name. */
  readonly name: string;
  /** Whether the object is loaded and its functions are patched (the `patched` file). */
  readonly patched: boolean;
  readonly functions: readonly SysfsFunction[];
}

export interface SysfsPatch {
  readonly name: string;
  readonly enabled: boolean;
  readonly transition: boolean;
  /** Undefined where the kernel has no `replace` file (before 6.11). */
  readonly replace: boolean | undefined;
  /** Undefined where the kernel has no `stack_order` file (before 6.14). */
  readonly stackOrder: number | undefined;
  readonly objects: readonly SysfsObject[];
}

function flag(tree: SafeTree, rel: string, required: true): boolean;
function flag(tree: SafeTree, rel: string, required: false): boolean | undefined;
function flag(tree: SafeTree, rel: string, required: boolean): boolean | undefined {
  const text = tree.read(rel);
  if (text === undefined) {
    if (required) throw new SysfsError('PW_SYSFS_MISSING', tree.shown(rel), 'is missing', 'every livepatch sysfs directory has this file; is the tree complete?');
    return undefined;
  }
  const value = text.trim();
  if (value !== '0' && value !== '1') throw new SysfsError('PW_SYSFS_BAD_VALUE', tree.shown(rel), `holds \`${shownName(value)}\`, expected 0 or 1`);
  return value === '1';
}

function stackOrder(tree: SafeTree, rel: string): number | undefined {
  const text = tree.read(rel);
  if (text === undefined) return undefined;
  const value = text.trim();
  if (!/^[1-9]\d{0,8}$/.test(value)) throw new SysfsError('PW_SYSFS_BAD_VALUE', tree.shown(rel), `holds \`${shownName(value)}\`, expected a positive number`);
  return Number(value);
}

function readObject(tree: SafeTree, rel: string, name: string): SysfsObject {
  const functions: SysfsFunction[] = [];
  for (const entry of tree.list(rel)) {
    if (entry.type === 'file') continue;
    const fn = parseFuncDir(entry.name);
    if (!fn || entry.type !== 'dir') {
      throw new SysfsError('PW_SYSFS_BAD_NAME', tree.shown(`${rel}/${entry.name}`), `\`${shownName(entry.name)}\` is not a function directory (\`NAME,POS\`)`);
    }
    functions.push(fn);
  }
  return { name, patched: flag(tree, `${rel}/patched`, true), functions };
}

function readPatch(tree: SafeTree, rel: string, name: string): SysfsPatch {
  const objects: SysfsObject[] = [];
  for (const entry of tree.list(rel)) {
    if (entry.type !== 'dir') continue;
    if (entry.name !== 'vmlinux' && !isModuleName(entry.name)) {
      throw new SysfsError('PW_SYSFS_BAD_NAME', tree.shown(`${rel}/${entry.name}`), `\`${shownName(entry.name)}\` is not an object name (\`vmlinux\` or a module)`);
    }
    objects.push(readObject(tree, `${rel}/${entry.name}`, entry.name));
  }
  // vmlinux first, as klp_init_patch registers objects in the patch's order and vmlinux leads in
  // every patch built from a single source file; the rest by name (sysfs has no order).
  objects.sort((a, b) => (a.name === 'vmlinux' ? -1 : b.name === 'vmlinux' ? 1 : a.name < b.name ? -1 : 1));
  return {
    name,
    enabled: flag(tree, `${rel}/enabled`, true),
    transition: flag(tree, `${rel}/transition`, true),
    replace: flag(tree, `${rel}/replace`, false),
    stackOrder: stackOrder(tree, `${rel}/stack_order`),
    objects,
  };
}

/** The installed patches, or undefined when the kernel has no livepatch directory. */
export function readLivepatch(tree: SafeTree): SysfsPatch[] | undefined {
  if (!tree.isDir(LIVEPATCH_DIR)) return undefined;
  const patches: SysfsPatch[] = [];
  for (const entry of tree.list(LIVEPATCH_DIR)) {
    const rel = `${LIVEPATCH_DIR}/${entry.name}`;
    if (!isModuleName(entry.name)) throw new SysfsError('PW_SYSFS_BAD_NAME', tree.shown(rel), `\`${shownName(entry.name)}\` is not a patch name`);
    if (entry.type !== 'dir') throw new SysfsError('PW_SYSFS_NOT_DIR', tree.shown(rel), 'is not a directory; every patch is one', 'patchwise never follows links in a system tree');
    patches.push(readPatch(tree, rel, entry.name));
  }
  return patches;
}
