/**
 * A case's own patches (`patches:`) on a real kernel: each manifest becomes a livepatch module
 * generated and built by `@patchwise/modgen` against the booted kernel's headers. A patch the case
 * only loads with `load_failing_mod` (the kernel must refuse it) and that `livepatchModule` cannot
 * generate (a function the kernel lacks, an object name too long for a module) is built as written
 * by `stubLivepatchModule`: its replacements never run on a kernel that refuses it.
 */
import type { SelftestCase } from '@patchwise/kselftest';
import type { PatchManifest } from '@patchwise/manifest';
import { buildModules, livepatchModule, stubLivepatchModule, UnsupportedOnKernel, type GeneratedModule } from '@patchwise/modgen';

/** The `.ko` of each of a case's patches, or why the case cannot run on a real kernel. */
export type CasePatches = { readonly kos: ReadonlyMap<string, string> } | { readonly notApplicable: string };

function onlyRefused(c: SelftestCase, name: string): boolean {
  const uses = c.ops.filter((op) => (op.spec.modules?.(op.args) ?? []).includes(name));
  return uses.every((op) => op.name === 'load_failing_mod');
}

function generate(c: SelftestCase, patch: PatchManifest): GeneratedModule | string {
  try {
    return livepatchModule(patch);
  } catch (err) {
    if (!(err instanceof UnsupportedOnKernel)) throw err;
    if (!onlyRefused(c, patch.name)) return `patch ${patch.name} cannot be generated for a real kernel: ${err.message}`;
    try {
      return stubLivepatchModule(patch);
    } catch (stubErr) {
      if (!(stubErr instanceof UnsupportedOnKernel)) throw stubErr;
      return `patch ${patch.name} cannot be generated for a real kernel: ${stubErr.message}`;
    }
  }
}

/** The modules of a case's patches, or why one cannot be generated for a real kernel. */
export function generateCasePatches(c: SelftestCase): GeneratedModule[] | string {
  const modules: GeneratedModule[] = [];
  for (const patch of c.patches ?? []) {
    const m = generate(c, patch);
    if (typeof m === 'string') return m;
    modules.push(m);
  }
  return modules;
}

const sameSources = (a: GeneratedModule, b: GeneratedModule) => JSON.stringify(a.files) === JSON.stringify(b.files);

/**
 * Generates every case's patches and builds them (one kbuild run per set of distinct names; the same
 * patch in several cases is built once). Returns, per case, its modules or why it does not apply.
 */
export async function buildCasePatches(
  cases: readonly SelftestCase[],
  kernel: { readonly release: string; readonly headersDir: string },
): Promise<Map<SelftestCase, CasePatches>> {
  const generated = new Map<SelftestCase, GeneratedModule[] | string>();
  // Batches of modules with distinct names: two cases may give one name different patches.
  const batches: GeneratedModule[][] = [];
  for (const c of cases) {
    const modules = generateCasePatches(c);
    generated.set(c, modules);
    if (typeof modules === 'string') continue;
    for (const m of modules) {
      if (batches.some((b) => b.some((o) => o.name === m.name && sameSources(o, m)))) continue;
      const batch = batches.find((b) => !b.some((o) => o.name === m.name));
      if (batch) batch.push(m);
      else batches.push([m]);
    }
  }
  const built: { module: GeneratedModule; ko: string }[] = [];
  for (const batch of batches) {
    const kos = await buildModules(batch, kernel);
    for (const module of batch) built.push({ module, ko: kos.get(module.name)! });
  }
  const result = new Map<SelftestCase, CasePatches>();
  for (const [c, modules] of generated) {
    if (typeof modules === 'string') {
      result.set(c, { notApplicable: modules });
      continue;
    }
    const kos = new Map(modules.map((m) => [m.name, built.find((b) => b.module.name === m.name && sameSources(b.module, m))!.ko]));
    result.set(c, { kos });
  }
  return result;
}
