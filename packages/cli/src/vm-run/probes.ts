/**
 * Which patch runs a function, from the output of modgen's probe for it: the patch whose
 * replacement prints that output (the manifest's `output`, or modgen's default naming the patch),
 * or `original` when none does.
 */
import { normalObjects, type PatchManifest } from '@patchwise/manifest';

export function ownerFromProbe(stdout: string, object: string, fn: string, patches: readonly PatchManifest[]): string {
  const seen = stdout.trim();
  const candidates = patches.flatMap((p) =>
    normalObjects(p).flatMap((o) => (o.name === object ? o.functions.filter((f) => f.name === fn).map((f) => ({ patch: p.name, output: f.output })) : [])),
  );
  const exact = candidates.find((c) => c.output !== undefined && c.output.trim() === seen);
  if (exact) return exact.patch;
  const named = candidates.filter((c) => c.output === undefined && new RegExp(`(^|[^A-Za-z0-9_])${c.patch}([^A-Za-z0-9_]|$)`).test(seen));
  return named.length === 1 ? (named[0] as { patch: string }).patch : 'original';
}
