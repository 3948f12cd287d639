import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { QemuError } from './errors.js';
import { run } from './exec.js';

/**
 * The `depends=` entry of a module's `.modinfo`: the modules that must be loaded first. The section
 * is a run of NUL-terminated `key=value` strings, so a byte search is enough for our own images.
 */
export function modinfoDepends(ko: Uint8Array): string[] {
  const text = Buffer.from(ko).toString('latin1');
  const m = /\0depends=([^\0]*)\0/.exec(text);
  return m && m[1] ? m[1].split(',').filter(Boolean) : [];
}

async function findModuleFile(dir: string, name: string): Promise<string | undefined> {
  const wanted = new Set([`${name}.ko`, `${name}.ko.xz`, `${name}.ko.zst`, `${name}.ko.gz`].flatMap((f) => [f, f.replace(/_/g, '-')]));
  const entries = await readdir(dir, { recursive: true });
  const hit = entries.find((e) => wanted.has(e.split('/').pop()!));
  return hit === undefined ? undefined : join(dir, hit);
}

/** A module file's bytes, decompressed (6.12 ships `.ko.xz`; busybox's insmod wants plain ELF). */
async function readModule(file: string): Promise<Buffer> {
  if (file.endsWith('.ko')) return readFile(file);
  const tool = file.endsWith('.xz') ? ['busybox', 'unxz', '-c', file] : file.endsWith('.zst') ? ['zstd', '-dcq', file] : ['gzip', '-dc', file];
  return run(tool[0]!, tool.slice(1));
}

export interface ResolvedModule {
  readonly name: string;
  readonly data: Buffer;
}

/**
 * The image's modules `names` with their dependencies, dependencies first, decompressed. Modules
 * built into the kernel (listed in `modules.builtin`) are skipped.
 */
export async function moduleClosure(modulesDir: string, names: readonly string[]): Promise<ResolvedModule[]> {
  const builtinFile = join(modulesDir, 'modules.builtin');
  const builtin = new Set(
    existsSync(builtinFile)
      ? (await readFile(builtinFile, 'utf8')).split('\n').map((l) => l.split('/').pop()!.replace(/\.ko$/, '').replace(/-/g, '_'))
      : [],
  );
  const kernelDir = join(modulesDir, 'kernel');
  const order: ResolvedModule[] = [];
  const seen = new Set<string>();
  const visit = async (name: string, chain: readonly string[]): Promise<void> => {
    const key = name.replace(/-/g, '_');
    if (seen.has(key) || builtin.has(key)) return;
    if (chain.includes(key)) throw new QemuError('PROTOCOL', `module dependency cycle: ${[...chain, key].join(' -> ')}`);
    const file = await findModuleFile(kernelDir, key);
    if (!file) throw new QemuError('BAD_INPUT', `module ${name} is neither in ${kernelDir} nor built into the kernel`);
    const data = await readModule(file);
    for (const dep of modinfoDepends(data)) await visit(dep, [...chain, key]);
    seen.add(key);
    order.push({ name: key, data });
  };
  for (const name of names) await visit(name, []);
  return order;
}
