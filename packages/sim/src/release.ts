/**
 * Behaviour that depends on the kernel release the machine reports. The default release is the
 * newest the simulator follows; an older one (Debian 12's 6.1, its 6.12 backport) drops what its
 * kernel did not have yet, so the simulator and the real kernel agree (checked by `replay --vm`).
 */

/** `major.minor` of a `uname -r` string; undefined when it does not start with one. */
export function releaseVersion(release: string): readonly [number, number] | undefined {
  const m = /^(\d+)\.(\d+)/.exec(release);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** Whether `release` is at least `major.minor` (an unreadable release counts as the newest). */
export function releaseAtLeast(release: string, [major, minor]: readonly [number, number]): boolean {
  const v = releaseVersion(release);
  return !v || v[0] > major || (v[0] === major && v[1] >= minor);
}

/** Per-patch sysfs attributes newer than livepatch itself, with the release and the change that added them. */
export const PATCH_ATTRIBUTES_SINCE: Readonly<Record<string, { readonly since: readonly [number, number]; readonly change: string }>> = {
  replace: { since: [6, 11], change: 'livepatch: Add "replace" sysfs attribute' },
  stack_order: { since: [6, 14], change: 'livepatch: Add stack_order sysfs attribute' },
};

/** Whether a per-patch sysfs attribute exists on `release`. */
export function hasPatchAttribute(release: string, attr: string): boolean {
  const since = PATCH_ATTRIBUTES_SINCE[attr];
  return !since || releaseAtLeast(release, since.since);
}
