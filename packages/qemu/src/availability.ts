import { which } from './exec.js';

const NEEDED: readonly (readonly [string, string])[] = [
  ['qemu-system-x86_64', 'qemu-system-x86'],
  ['busybox', 'busybox-static'],
  ['cpio', 'cpio'],
  ['apt-get', 'apt'],
  ['dpkg-deb', 'dpkg'],
];

/**
 * Why a real kernel cannot be booted here, or undefined when it can. Suites skip with this reason
 * outside CI and fail with it in CI (`CI=true`), so a missing QEMU is never a silent pass.
 */
export async function realKernelUnavailable(): Promise<string | undefined> {
  const missing: string[] = [];
  for (const [tool, pkg] of NEEDED) if (!(await which(tool))) missing.push(`${tool} (${pkg})`);
  return missing.length ? `not installed: ${missing.join(', ')}; run scripts/setup-real-kernel.sh` : undefined;
}
