/**
 * `kernel-mismatch` and `unknown-kernel-release`: a patch built for some kernels is refused on
 * others. Its functions' code was compiled against a kernel's source; on another kernel the
 * functions it replaces may have changed shape.
 */
import type { PolicyReport } from '@patchwise/policy';
import type { PatchDeps } from '../deps.js';
import { parseKernelRelease, type KernelRelease } from '../kernel-release.js';
import type { MessageId } from '../messages.js';

/**
 * Perf: the running kernel's release is the same on every gate of a machine; the last one read is
 * kept instead of parsed again on each enable (`KernelRange.test` only reads it).
 */
let lastRelease: { readonly text: string; readonly parsed: KernelRelease | undefined } | undefined;
function releaseOf(text: string): KernelRelease | undefined {
  if (lastRelease?.text !== text) lastRelease = { text, parsed: parseKernelRelease(text) };
  return lastRelease.parsed;
}

export function checkKernel(deps: PatchDeps, release: string, report: PolicyReport<MessageId>): void {
  if (!deps.kernel) return;
  const data = { patch: deps.name, patches: [deps.name], range: deps.kernel.raw, release };
  const parsed = releaseOf(release);
  if (!parsed) {
    // Fail closed: a range was given, and nothing says the running kernel is in it.
    report({
      messageId: 'unknown-kernel-release',
      data,
      hint: 'set option `checkKernel: false` where the machine reports no real kernel release',
    });
  } else if (!deps.kernel.test(parsed)) {
    report({
      messageId: 'kernel-mismatch',
      data,
      hint: `load \`${deps.name}\` on a kernel in \`${deps.kernel.raw}\`, or build it for \`${release}\``,
    });
  }
}
