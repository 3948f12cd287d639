/**
 * `kernel-mismatch` and `unknown-kernel-release`: a patch built for some kernels is refused on
 * others. Its functions' code was compiled against a kernel's source; on another kernel the
 * functions it replaces may have changed shape.
 */
import type { PolicyReport } from '@patchwise/policy';
import type { PatchDeps } from '../deps.js';
import type { KernelRange } from '../kernel-range.js';
import { parseKernelRelease } from '../kernel-release.js';
import { quoted } from '../matches.js';
import type { MessageId } from '../messages.js';

const findingData = (deps: PatchDeps, range: KernelRange, release: string) => ({ patch: deps.name, patches: [deps.name], range: range.raw, release });

export function checkKernel(deps: PatchDeps, release: string, report: PolicyReport<MessageId>): void {
  if (!deps.kernel) return;
  const parsed = parseKernelRelease(release);
  if (!parsed) {
    // Fail closed: a range was given, and nothing says the running kernel is in it.
    report({
      messageId: 'unknown-kernel-release',
      data: findingData(deps, deps.kernel, release),
      hint: 'set option `checkKernel: false` where the machine reports no real kernel release',
    });
  } else if (!deps.kernel.test(parsed)) {
    report({
      messageId: 'kernel-mismatch',
      data: findingData(deps, deps.kernel, release),
      hint: `load ${quoted(deps.name)} on a kernel in \`${deps.kernel.raw}\`, or build it for \`${release}\``,
    });
  }
}
