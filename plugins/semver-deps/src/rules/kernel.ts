/**
 * `kernel-mismatch` and `unknown-kernel-release`: a patch built for some kernels is refused on
 * others. Its functions' code was compiled against a kernel's source; on another kernel the
 * functions it replaces may have changed shape.
 */
import type { PolicyReport } from '@patchwise/policy';
import type { PatchDeps } from '../deps.js';
import type { KernelRange } from '../kernel-range.js';
import { parseKernelRelease, type KernelRelease } from '../kernel-release.js';
import { quoted } from '../matches.js';
import type { MessageId } from '../messages.js';

/** The running kernel's release as read, and which ranges admit it. */
interface ReadRelease {
  readonly text: string;
  readonly parsed: KernelRelease | undefined;
  /** Whether a range admits `parsed` (ranges are kept per distinct string by `kernelRange`). */
  readonly admits: WeakMap<KernelRange, boolean>;
}

/**
 * Perf: the running kernel's release is the same on every gate of a machine; the last one read is
 * kept instead of parsed again on each enable, and each range is tested against it once.
 */
let lastRelease: ReadRelease | undefined;
function releaseOf(text: string): ReadRelease {
  if (lastRelease?.text !== text) lastRelease = { text, parsed: parseKernelRelease(text), admits: new WeakMap() };
  return lastRelease;
}

function admits(range: KernelRange, release: ReadRelease, parsed: KernelRelease): boolean {
  let ok = release.admits.get(range);
  if (ok === undefined) {
    ok = range.test(parsed);
    release.admits.set(range, ok);
  }
  return ok;
}

// Perf: the message data is built only for a finding.
const findingData = (deps: PatchDeps, range: KernelRange, release: string) => ({ patch: deps.name, patches: [deps.name], range: range.raw, release });

export function checkKernel(deps: PatchDeps, release: string, report: PolicyReport<MessageId>): void {
  if (!deps.kernel) return;
  const read = releaseOf(release);
  if (!read.parsed) {
    // Fail closed: a range was given, and nothing says the running kernel is in it.
    report({
      messageId: 'unknown-kernel-release',
      data: findingData(deps, deps.kernel, release),
      hint: 'set option `checkKernel: false` where the machine reports no real kernel release',
    });
  } else if (!admits(deps.kernel, read, read.parsed)) {
    report({
      messageId: 'kernel-mismatch',
      data: findingData(deps, deps.kernel, release),
      hint: `load ${quoted(deps.name)} on a kernel in \`${deps.kernel.raw}\`, or build it for \`${release}\``,
    });
  }
}
