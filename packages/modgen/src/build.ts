/**
 * Building generated modules with kbuild against a kernel's headers, all of one call in one make
 * run, each `.ko` cached under the harness's cache folder by the sha256 of its sources, its name,
 * the kernel release and this generator's ABI version.
 */
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { cacheDir, kbuild } from '@patchwise/qemu';
import { checkModuleName } from './c-literal.js';
import { ModuleBuildFailed, UnsupportedOnKernel } from './errors.js';
import type { GeneratedModule } from './module.js';

/** Bumped when what the same sources build into changes (compiler flags, Kbuild layout). */
const CACHE_VERSION = '1';

const RELEASE = /^[A-Za-z0-9][A-Za-z0-9._+~-]{0,63}$/;

export interface BuildOptions {
  /** The cache folder (default: the harness's, `PATCHWISE_CACHE_DIR` or `~/.cache/patchwise`). */
  readonly cache?: string;
}

/** `<name>.c`, or `<name>-<part>.c` / `.h` for a module of several files: no path, no surprise. */
function checkFiles(module: GeneratedModule): string[] {
  const names = Object.keys(module.files);
  const own = new RegExp(`^${module.name.replace(/-/g, '\\-')}(?:-[A-Za-z0-9_]+)?\\.[ch]$`);
  for (const file of names) {
    if (!own.test(file)) throw new UnsupportedOnKernel(`module \`${module.name}\``, `file name ${JSON.stringify(file)} must be \`${module.name}.c\` or \`${module.name}-PART.c\`/\`.h\``);
    if (typeof module.files[file] !== 'string') throw new UnsupportedOnKernel(`module \`${module.name}\``, `file ${file} has no text`);
  }
  if (!names.includes(`${module.name}.c`) && !names.some((f) => f.endsWith('.c'))) {
    throw new UnsupportedOnKernel(`module \`${module.name}\``, 'it has no C file');
  }
  return names.sort();
}

function cacheKey(module: GeneratedModule, files: readonly string[], release: string): string {
  const hash = createHash('sha256');
  for (const part of [CACHE_VERSION, release, module.name, ...files.flatMap((f) => [f, module.files[f]!])]) hash.update(`${part.length}:${part}\0`);
  return hash.digest('hex');
}

/** The Kbuild line(s) of one module: one object, or one per C file when it has several. */
function kbuildLines(module: GeneratedModule, files: readonly string[]): string {
  const sources = files.filter((f) => f.endsWith('.c'));
  if (sources.length === 1 && sources[0] === `${module.name}.c`) return `obj-m += ${module.name}.o\n`;
  return `obj-m += ${module.name}.o\n${module.name}-y := ${sources.map((f) => f.replace(/\.c$/, '.o')).join(' ')}\n`;
}

/**
 * Builds `modules` for `kernel` (`make -C headersDir M=dir modules`, once for all that are not
 * cached) and returns each module's name with the path of its `.ko` in the cache.
 */
export async function buildModules(
  modules: readonly GeneratedModule[],
  kernel: { readonly release: string; readonly headersDir: string },
  options: BuildOptions = {},
): Promise<Map<string, string>> {
  if (!RELEASE.test(kernel.release)) throw new UnsupportedOnKernel('kernel release', `${JSON.stringify(kernel.release)} is not a kernel release`);
  let isDir = false;
  try {
    isDir = isAbsolute(kernel.headersDir) && statSync(kernel.headersDir).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) throw new UnsupportedOnKernel('kernel headers', `${JSON.stringify(kernel.headersDir)} is not an absolute path to a folder (fetchKernel gives one)`);
  const root = join(options.cache ?? cacheDir(), 'modgen', kernel.release);
  const result = new Map<string, string>();
  const missing: { module: GeneratedModule; files: string[]; ko: string }[] = [];
  const seen = new Set<string>();
  for (const module of modules) {
    checkModuleName(module.name, 'module name');
    // Two modules of one kernel name would overwrite each other's objects in the build folder.
    const key = module.name.replace(/-/g, '_');
    if (seen.has(key)) throw new UnsupportedOnKernel(`module \`${module.name}\``, 'two modules of this name in one build');
    seen.add(key);
    const files = checkFiles(module);
    const ko = join(root, cacheKey(module, files, kernel.release), `${module.name}.ko`);
    if (existsSync(ko)) result.set(module.name, ko);
    else missing.push({ module, files, ko });
  }
  if (missing.length === 0) return result;
  await mkdir(root, { recursive: true });
  const work = await mkdtemp(join(root, '.build-'));
  try {
    let kbuildFile = '';
    for (const { module, files } of missing) {
      for (const f of files) await writeFile(join(work, f), module.files[f]!);
      kbuildFile += kbuildLines(module, files);
    }
    await writeFile(join(work, 'Kbuild'), kbuildFile);
    try {
      await kbuild(kernel.headersDir, work);
    } catch (err) {
      throw new ModuleBuildFailed(`building ${missing.map((m) => m.module.name).join(', ')} for ${kernel.release} failed: ${(err as Error).message}`);
    }
    for (const { module, ko } of missing) {
      const built = join(work, `${module.name}.ko`);
      if (!existsSync(built)) throw new ModuleBuildFailed(`kbuild left no ${module.name}.ko for ${kernel.release}`);
      await mkdir(join(ko, '..'), { recursive: true });
      // Copied beside, then renamed: a concurrent reader never sees half a module.
      const partial = `${ko}.${process.pid}.partial`;
      await copyFile(built, partial);
      await rename(partial, ko);
      result.set(module.name, ko);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return new Map(modules.map((m) => [m.name, result.get(m.name)!]));
}
