import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { requireTool, run } from './exec.js';
import { INIT_SCRIPT } from './init-script.js';
import { buildArchive, type ArchiveEntry } from './initramfs.js';
import type { Kernel } from './kernels.js';
import { moduleClosure } from './modinfo.js';

/** Modules of the image that /init loads when a 9p share or the host root is asked for. */
// virtio_pci is a module on 6.1 (built in on 6.12) and no dependency of 9pnet_virtio: list it first.
export const SHARE_MODULES = ['virtio_pci', '9pnet_virtio', '9p', 'overlay'] as const;

const FOLDERS = ['/proc', '/sys', '/dev', '/tmp', '/mnt', '/etc', '/root', '/usr/bin', '/usr/sbin', '/sbin'];

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
  const key = createHash('sha256').update(INIT_SCRIPT).update(bbData).update(SHARE_MODULES.join(',')).digest('hex').slice(0, 16);
  const file = join(cache, 'initramfs', `${kernel.release}_${kernel.image.version}_${key}.cpio.gz`.replace(/[^A-Za-z0-9._+~-]/g, '_'));
  if (existsSync(file)) return file;
  const modules = await moduleClosure(kernel.modulesDir, SHARE_MODULES);
  const listFull = (await run(busybox, ['--list-full'])).toString('utf8');
  const entries: ArchiveEntry[] = [
    ...FOLDERS.map((path) => ({ path, dir: true as const })),
    { path: '/bin/busybox', data: bbData, mode: 0o755 },
    ...appletLinks(listFull),
    { path: '/init', data: INIT_SCRIPT, mode: 0o755 },
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
