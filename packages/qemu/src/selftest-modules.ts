import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheDir } from './cache.js';
import { QemuError } from './errors.js';
import { run } from './exec.js';
import { kbuild } from './kbuild.js';
import { download, type Kernel } from './kernels.js';

/** Where each series keeps the kernel's livepatch test modules in its source tree. */
const MODULE_DIRS: Record<string, string> = {
  '6.1': 'lib/livepatch',
  '6.12': 'tools/testing/selftests/livepatch/test_modules',
};

/**
 * Builds the kernel's own livepatch selftest modules (`test_klp_*.ko`) for `kernel`, at test time:
 * Debian's `linux-source-<series>` is downloaded, only lib/livepatch and the livepatch selftests are
 * taken out of its tarball, and kbuild builds them against the kernel's headers. Nothing of the
 * kernel tree is committed; the result is cached per kernel release and source version.
 * Returns the folder holding the `.ko` files.
 */
export async function buildSelftestModules(kernel: Kernel, options: { cache?: string; sourceVersion?: string } = {}): Promise<string> {
  const cache = options.cache ?? cacheDir();
  const srcPkg = `linux-source-${kernel.series}`;
  const policy = (await run('apt-cache', ['policy', srcPkg])).toString('utf8');
  const version = options.sourceVersion ?? /Candidate:\s*(\S+)/.exec(policy)?.[1];
  if (!version || version === '(none)') throw new QemuError('APT_RESOLVE', `apt knows no ${srcPkg}: run scripts/setup-real-kernel.sh`);
  const out = join(cache, 'selftest-modules', `${kernel.release}_${version}`.replace(/[^A-Za-z0-9._+~-]/g, '_'));
  if (existsSync(join(out, '.complete'))) return out;
  const work = `${out}.work-${process.pid}`;
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  try {
    const deb = await download({ name: srcPkg, version }, join(cache, 'debs'));
    const tarball = `./usr/src/linux-source-${kernel.series}.tar.xz`;
    await run('sh', ['-c', `dpkg-deb --fsys-tarfile "$1" | tar -x -C "$2" "$3"`, 'sh', deb, work, tarball]);
    const top = `linux-source-${kernel.series}`;
    // 6.1 keeps the modules in lib/livepatch; from 6.5 they live beside the selftests.
    const dirs = kernel.series === '6.1' ? ['lib/livepatch', 'tools/testing/selftests/livepatch'] : ['tools/testing/selftests/livepatch'];
    await run('tar', ['-xJf', join(work, tarball), '-C', work, '--wildcards', ...dirs.map((d) => `${top}/${d}/*`)]);
    const dir = join(work, top, MODULE_DIRS[kernel.series]!);
    await kbuild(kernel.headersDir, dir, ['CONFIG_TEST_LIVEPATCH=m']);
    await mkdir(`${out}.new`, { recursive: true });
    const kos = (await readdir(dir)).filter((f) => f.endsWith('.ko'));
    if (!kos.length) throw new QemuError('BAD_INPUT', `building ${MODULE_DIRS[kernel.series]} of ${srcPkg} ${version} produced no module`);
    for (const ko of kos) await copyFile(join(dir, ko), join(`${out}.new`, ko));
    await writeFile(join(`${out}.new`, '.complete'), `${srcPkg} ${version} for ${kernel.release}\n`);
    await rm(out, { recursive: true, force: true });
    await rename(`${out}.new`, out);
  } finally {
    await rm(work, { recursive: true, force: true });
    await rm(`${out}.new`, { recursive: true, force: true });
  }
  return out;
}
