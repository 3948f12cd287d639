/**
 * Which patches answer to a name in `requires` or `conflicts`, at which version.
 *
 * A name is answered by a patch of that name, a patch of that lineage, and a patch providing that
 * capability (`x@1.2.0` at 1.2.0, a bare `x` at the providing patch's own version). A patch without
 * a version could be any version: it meets a requirement only when the range admits every version,
 * and it hits every conflict.
 */
import type { Range, SemVer } from 'semver';
import type { PatchDeps } from './deps.js';
import { admitsEveryVersion } from './versions.js';

export interface Match {
  readonly patch: PatchDeps;
  readonly via: 'name' | 'lineage' | 'provides';
  /** The name matched (for `provides`, the capability). */
  readonly name: string;
  readonly version: SemVer | undefined;
}

/** Every way the patches answer to `name`. */
export function matchesFor(name: string, patches: readonly PatchDeps[]): Match[] {
  const found: Match[] = [];
  for (const patch of patches) {
    if (patch.name === name) found.push({ patch, via: 'name', name, version: patch.version });
    else if (patch.lineage === name) found.push({ patch, via: 'lineage', name, version: patch.version });
    for (const capability of patch.provides) {
      if (capability.name === name) found.push({ patch, via: 'provides', name, version: capability.version ?? patch.version });
    }
  }
  return found;
}

/** Whether a version (`undefined`: a patch without one) meets a requirement with this range. */
const meetsVersion = (version: SemVer | undefined, range: Range): boolean => (version ? range.test(version) : admitsEveryVersion(range));

/** Whether the match meets a requirement with this range. */
export const meets = (match: Match, range: Range): boolean => meetsVersion(match.version, range);

/** Whether the match is hit by a conflict with this range. */
export const hits = (match: Match, range: Range): boolean => (match.version ? range.test(match.version) : true);

/** A patch name as messages write it: in single quotes, as the kernel's log does (`'a'`). */
export const quoted = (name: string): string => `'${name}'`;

/** `'a' 1.4.0`, `'a' (no version)`. */
export const patchLabel = (patch: PatchDeps): string => `${quoted(patch.name)} ${patch.version ? patch.version.version : '(no version)'}`;

/** How a match reads in a message: `'a' is 1.4.0`, ``'x' provides `a` 1.2.0``, ... */
export function describeMatch(match: Match): string {
  const version = match.version ? match.version.version : undefined;
  const patch = quoted(match.patch.name);
  switch (match.via) {
    case 'name':
      return version ? `${patch} is ${version}` : `${patch} has no version`;
    case 'lineage':
      return `${patch} (lineage \`${match.name}\`) ${version ? `is ${version}` : 'has no version'}`;
    case 'provides':
      return `${patch} provides \`${match.name}\` ${version ?? 'without a version'}`;
  }
}

/** The patches of these matches, each once, in order. */
export const patchNames = (matches: readonly Match[]): string[] => [...new Set(matches.map((m) => m.patch.name))];
