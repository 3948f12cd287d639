import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireTool, run } from './exec.js';
import { INIT_SCRIPT } from './init-script.js';
import { buildArchive, type ArchiveEntry } from './initramfs.js';
import type { Kernel } from './kernels.js';
import { moduleClosure } from './modinfo.js';

/** Modules of the image that /init loads when a 9p share or the host root is asked for. */
// virtio_pci is a module on 6.1 (built in on 6.12) and no dependency of 9pnet_virtio: list it first.
export const SHARE_MODULES = ['virtio_pci', '9pnet_virtio', '9p', 'overlay'] as const;

const FOLDERS = ['/proc', '/sys', '/dev', '/tmp', '/mnt', '/etc', '/root', '/usr/bin', '/usr/sbin', '/sbin'];

/** This package's folder: beside this file, or found by name when bundled into the `patchwise` command. */
function packageRoot(): string {
  const here = join(dirname(fileURLToPath(import.meta.url)), '..');
  if (existsSync(join(here, 'guest'))) return here;
  return dirname(createRequire(import.meta.url).resolve('@patchwise/qemu/package.json'));
}

/** guest/pw-insmod.c: one finit_module per load (busybox's insmod retries with init_module). */
const INSMOD_SOURCE = join(packageRoot(), 'guest/pw-insmod.c');

async function buildInsmod(source: string): Promise<Buffer> {
  const gcc = await requireTool('gcc', 'gcc');
  const dir = await mkdtemp(join(tmpdir(), 'patchwise-insmod-'));
  try {
    await run(gcc, ['-static', '-O2', '-o', join(dir, 'pw-insmod'), source]);
    return await readFile(join(dir, 'pw-insmod'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** busybox's applet paths (`bin/sh`, `sbin/insmod`, ...) from its own `--list-full`. */
export function appletLinks(listFull: string): ArchiveEntry[] {
  return listFull
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && l !== 'bin/busybox' && /^[\w./[\]-]+$/.test(l) && !l.includes('..'))
    .map((l) => ({ path: `/${l}`, symlink: '/bin/busybox' }));
}

/**
 * The boot image every guest of a kernel shares: busybox with its applet links, /init, and the 9p and
 * overlay modules. Built once and cached under the kernel's package version and the content of /init.
 */
export async function baseInitramfs(kernel: Kernel, cache: string): Promise<string> {
  const busybox = await requireTool('busybox', 'busybox-static');
  const bbData = await readFile(busybox);
  const insmodSource = await readFile(INSMOD_SOURCE);
  const key = createHash('sha256').update(INIT_SCRIPT).update(bbData).update(SHARE_MODULES.join(',')).update(insmodSource).digest('hex').slice(0, 16);
  const file = join(cache, 'initramfs', `${kernel.release}_${kernel.image.version}_${key}.cpio.gz`.replace(/[^A-Za-z0-9._+~-]/g, '_'));
  if (existsSync(file)) return file;
  const modules = await moduleClosure(kernel.modulesDir, SHARE_MODULES);
  const listFull = (await run(busybox, ['--list-full'])).toString('utf8');
  const entries: ArchiveEntry[] = [
    ...FOLDERS.map((path) => ({ path, dir: true as const })),
    { path: '/bin/busybox', data: bbData, mode: 0o755 },
    ...appletLinks(listFull),
    { path: '/init', data: INIT_SCRIPT, mode: 0o755 },
    { path: '/bin/pw-insmod', data: await buildInsmod(INSMOD_SOURCE), mode: 0o755 },
    ...modules.map((m) => ({ path: `/lib/pw/${m.name}.ko`, data: m.data })),
    { path: '/lib/pw/modules.order', data: modules.map((m) => m.name).join('\n') + '\n' },
  ];
  const archive = await buildArchive(entries);
  await mkdir(join(cache, 'initramfs'), { recursive: true });
  const partial = `${file}.${process.pid}`;
  await writeFile(partial, archive);
  await rename(partial, file);
  return file;
}
