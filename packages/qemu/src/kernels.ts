import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheDir } from './cache.js';
import { QemuError } from './errors.js';
import { requireTool, run } from './exec.js';

/** The Debian kernels the harness knows: bookworm's own 6.1 and its 6.12 (bookworm-security/backports). */
export const KERNEL_SERIES = ['6.1', '6.12'] as const;
export type KernelSeries = (typeof KERNEL_SERIES)[number];

export function isKernelSeries(value: unknown): value is KernelSeries {
  return typeof value === 'string' && (KERNEL_SERIES as readonly string[]).includes(value);
}

/** A Debian binary package pinned to one version. */
export interface DebPackage {
  readonly name: string;
  readonly version: string;
}

/** What to download for one kernel: resolved at run time, because Debian drops superseded ABIs. */
export interface KernelPackages {
  readonly series: KernelSeries;
  /** `uname -r` of the kernel, e.g. `6.1.0-57-amd64`. */
  readonly release: string;
  readonly image: DebPackage;
  /** The headers, their `-common` half and the kbuild tools, all of the image's version. */
  readonly headers: readonly DebPackage[];
}

/** A kernel ready to boot and to build modules for, extracted in the cache. */
export interface Kernel extends KernelPackages {
  /** The folder the `.deb`s were extracted into. */
  readonly root: string;
  readonly vmlinuz: string;
  /** `lib/modules/<release>` of the image. */
  readonly modulesDir: string;
  /** Pass to `make -C` to build out-of-tree modules. */
  readonly headersDir: string;
}

/**
 * Meta packages that point at each series' current ABI. 6.12 is bookworm-backports' kernel (what
 * scripts/build-kernel-modules.sh builds against); bookworm-security's `linux-headers-6.12-amd64`
 * is the fallback when backports is not in the sources.
 */
const META: Record<KernelSeries, readonly { readonly args: readonly string[]; readonly pkg: string }[]> = {
  '6.1': [{ args: [], pkg: 'linux-headers-amd64' }],
  '6.12': [
    { args: ['-t', 'bookworm-backports'], pkg: 'linux-headers-amd64' },
    { args: [], pkg: 'linux-headers-6.12-amd64' },
  ],
};

async function aptCache(args: readonly string[]): Promise<string> {
  try {
    return (await run('apt-cache', args)).toString('utf8');
  } catch {
    return '';
  }
}

/** A `Depends:` entry of `apt-cache show`: name and, when pinned with `(= v)`, the version. */
export interface Dependency {
  readonly name: string;
  readonly version?: string;
}

/** The first stanza's `Version` and `Depends` of `apt-cache show --no-all-versions` output. */
export function parseShow(text: string): { version?: string; depends: Dependency[] } {
  const stanza = text.split(/\n\n/)[0] ?? '';
  const version = /^Version:\s*(\S+)/m.exec(stanza)?.[1];
  const line = /^Depends:\s*(.*)$/m.exec(stanza)?.[1] ?? '';
  const depends = line
    .split(',')
    .map((alt) => alt.split('|')[0]!.trim())
    .filter(Boolean)
    .map((d) => {
      const m = /^(\S+)(?:\s*\(=\s*([^)\s]+)\))?/.exec(d)!;
      return m[2] ? { name: m[1]!, version: m[2] } : { name: m[1]! };
    });
  return version ? { version, depends } : { depends };
}

async function show(name: string, extra: readonly string[]): Promise<{ version?: string; depends: Dependency[] }> {
  return parseShow(await aptCache([...extra, 'show', '--no-all-versions', name]));
}

/**
 * The resolution depends only on apt's package lists, and apt-cache takes seconds on a loaded
 * machine: remember it in the cache, keyed by the lists' modification time.
 */
async function listsStamp(): Promise<string> {
  try {
    return String((await stat('/var/lib/apt/lists')).mtimeMs);
  } catch {
    return 'none';
  }
}

async function resolveUncached(series: KernelSeries): Promise<KernelPackages> {
  const prefix = `linux-headers-${series}.`;
  for (const meta of META[series]) {
    const headers = (await show(meta.pkg, meta.args)).depends.find((d) => d.name.startsWith(prefix) && d.name.endsWith('-amd64'));
    if (!headers) continue;
    const release = headers.name.slice('linux-headers-'.length);
    const detail = await show(headers.name, meta.args);
    const version = headers.version ?? detail.version;
    const common = detail.depends.find((d) => /^linux-headers-.*-common$/.test(d.name));
    const kbuild = detail.depends.find((d) => d.name.startsWith('linux-kbuild-'));
    if (!version || !common || !kbuild) {
      throw new QemuError('APT_RESOLVE', `${headers.name} does not depend on a -common headers package and a linux-kbuild package as expected`);
    }
    const pin = (name: string): DebPackage => ({ name, version });
    return { series, release, image: pin(`linux-image-${release}`), headers: [pin(headers.name), pin(common.name), pin(kbuild.name)] };
  }
  throw new QemuError(
    'APT_RESOLVE',
    `no Debian ${series} kernel found in the apt sources: run scripts/setup-real-kernel.sh (it adds bookworm-backports and runs apt-get update)`,
  );
}

/** Which packages make the current `series` kernel: asked of apt (no network), remembered per apt-lists state. */
export async function resolveKernel(series: KernelSeries, cache: string = cacheDir()): Promise<KernelPackages> {
  await requireTool('apt-cache', 'apt');
  const memo = join(cache, `resolved-${series}.json`);
  const stamp = await listsStamp();
  try {
    const saved = JSON.parse(await readFile(memo, 'utf8')) as { stamp?: string; packages?: KernelPackages };
    if (saved.stamp === stamp && saved.packages?.series === series) return saved.packages;
  } catch {
    // no memo yet
  }
  const packages = await resolveUncached(series);
  await mkdir(cache, { recursive: true });
  const partial = `${memo}.${process.pid}`;
  await writeFile(partial, JSON.stringify({ stamp, packages }, null, 2) + '\n');
  await rename(partial, memo);
  return packages;
}

function debKey(pkg: DebPackage): string {
  return `${pkg.name}_${pkg.version}`.replace(/[^A-Za-z0-9._+~-]/g, '_');
}

/** `apt-get download` into the cache (no root needed, nothing installed), once per package version. */
export async function download(pkg: DebPackage, debs: string): Promise<string> {
  await mkdir(debs, { recursive: true });
  const have = (await readdir(debs)).find((f) => f.startsWith(`${pkg.name}_`) && f.endsWith('.deb') && f.includes(pkg.version.replace(/:/g, '%3a')));
  if (have) return join(debs, have);
  await requireTool('apt-get', 'apt');
  try {
    await run('apt-get', ['download', '-q', `${pkg.name}=${pkg.version}`], { cwd: debs });
  } catch (err) {
    throw new QemuError('APT_DOWNLOAD', `could not download ${pkg.name} ${pkg.version}: ${(err as Error).message}`);
  }
  const got = (await readdir(debs)).find((f) => f.startsWith(`${pkg.name}_`) && f.endsWith('.deb'));
  if (!got) throw new QemuError('APT_DOWNLOAD', `apt-get download ${pkg.name} left no .deb in ${debs}`);
  return join(debs, got);
}

/**
 * The headers' top Makefile includes the `-common` half by absolute path (/usr/src/...): point it at
 * the extracted copy so modules build against the cache without installing anything.
 */
async function relocateHeaders(root: string, release: string): Promise<void> {
  const makefile = join(root, 'usr/src', `linux-headers-${release}`, 'Makefile');
  const text = await readFile(makefile, 'utf8');
  await writeFile(makefile, text.replace(/^include .*\/usr\/src\/([^/\s]+\/Makefile)\s*$/m, (_all, rest: string) => `include ${join(root, 'usr/src', rest)}`));
}

/** Downloads and extracts a kernel (image, headers, kbuild) into the cache; a second call costs nothing. */
export async function fetchKernel(series: KernelSeries, options: { cache?: string; packages?: KernelPackages } = {}): Promise<Kernel> {
  const cache = options.cache ?? cacheDir();
  const pkgs = options.packages ?? (await resolveKernel(series, cache));
  const root = join(cache, 'kernels', debKey(pkgs.image));
  const done = join(root, '.complete');
  if (!existsSync(done)) {
    await requireTool('dpkg-deb', 'dpkg');
    const partial = `${root}.partial-${process.pid}`;
    await rm(partial, { recursive: true, force: true });
    await mkdir(partial, { recursive: true });
    try {
      for (const pkg of [pkgs.image, ...pkgs.headers]) {
        const deb = await download(pkg, join(cache, 'debs'));
        await run('dpkg-deb', ['-x', deb, partial]);
      }
      await relocateHeaders(partial, pkgs.release);
      await writeFile(join(partial, '.complete'), JSON.stringify(pkgs, null, 2) + '\n');
      await rm(root, { recursive: true, force: true });
      await rename(partial, root);
      // The Makefile now names the partial folder: relocate again to the final one.
      await relocateHeaders(root, pkgs.release);
    } catch (err) {
      await rm(partial, { recursive: true, force: true });
      throw err;
    }
  }
  return {
    ...pkgs,
    root,
    vmlinuz: join(root, 'boot', `vmlinuz-${pkgs.release}`),
    modulesDir: join(root, 'lib/modules', pkgs.release),
    headersDir: join(root, 'usr/src', `linux-headers-${pkgs.release}`),
  };
}
