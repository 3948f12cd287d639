/**
 * Which patch runs a function, from the output of modgen's probe for it: the patch whose
 * replacement prints that output (the manifest's `output`, or modgen's default naming the patch),
 * or `original` when none does (the kernel's own text, or a target module's original).
 */
import { normalObjects, type PatchManifest } from '@patchwise/manifest';

export function ownerFromProbe(stdout: string, object: string, fn: string, patches: readonly PatchManifest[], defaultOutput: (patch: string) => string): string {
  const seen = stdout.trim();
  const candidates = patches.flatMap((p) =>
    normalObjects(p).flatMap((o) => (o.name === object ? o.functions.filter((f) => f.name === fn).map((f) => ({ patch: p.name, output: f.output })) : [])),
  );
  // Each replacement prints its manifest's `output`, or modgen's default naming its patch.
  const match = candidates.find((c) => (c.output ?? defaultOutput(c.patch)).trim() === seen);
  return match ? match.patch : 'original';
}
