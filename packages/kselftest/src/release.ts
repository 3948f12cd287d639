/**
 * Which cases a kernel release can run: a case that reads a sysfs attribute newer than the release
 * does not apply to it, on the simulator (`replay --kernel`) as on a real kernel (`replay --vm`).
 */
import { PATCH_ATTRIBUTES_SINCE, releaseAtLeast } from '@patchwise/sim';
import type { SelftestCase } from './case.js';

/** Why `c` does not apply to `release` (`uname -r`), or undefined when it does. */
export function notApplicableOn(c: SelftestCase, release: string): string | undefined {
  for (const op of c.ops) {
    if (!/^check_sysfs_/.test(op.name)) continue;
    const rel = (op.args as { rel?: string }).rel ?? '';
    const attr = PATCH_ATTRIBUTES_SINCE[rel];
    if (attr && !releaseAtLeast(release, attr.since)) {
      return `op ${op.index + 1} \`${op.name}\` reads /sys/kernel/livepatch/PATCH/${rel}, added in ${attr.since.join('.')} (commit '${attr.change}'); this kernel is ${release}`;
    }
  }
  return undefined;
}
