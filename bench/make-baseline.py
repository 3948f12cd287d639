"""
How bench/baseline.json (the "before" column of BENCHMARKS.md) was made: a copy of the tree with the
benchmark optimizations undone (each edit's new text put back to its old text), built and run with
the same bench script:

    cp -a /work/main /tmp/pw-before && rm -rf /tmp/pw-before/.git
    python3 bench/make-baseline.py /tmp/pw-before
    (cd /tmp/pw-before && npx tsc -b && node --expose-gc bench/dist/run.js --write-baseline /work/main/bench/baseline.json)

Every edit must apply exactly once; the script says which one does not (the tree moved on).
"""
import sys, os
root = sys.argv[1]
edits = []
def e(path, new, old): edits.append((path, new, old))

# core: snapshot
e('packages/core/src/info.ts', '''/**
 * A frozen deep copy of plain data (plain objects and arrays, all the way down) that keeps
 * functions and other non-plain objects as they are, by reference and unfrozen.
 *
 * Perf: one pass that copies and freezes as it goes. It used to be a copy followed by a recursive
 * freeze with a `WeakSet` of visited objects (`Reflect.ownKeys`, a second walk); the copy is fresh
 * and acyclic, so nothing needs remembering. Same result; the snapshot is built on every enable
 * and every dry run (`check`), and this was its largest cost.
 */
function frozenCopy(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return Object.freeze(value.map(frozenCopy));
  if (!isPlain(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) copy[key] = frozenCopy(v);
  return Object.freeze(copy);
}

/**
 * The snapshot of a patch definition. Metadata is copied (functions in it, such as scoped
 * callbacks, are kept by reference) so freezing never reaches the author's own objects.
 */
export function patchInfo(name: string, def: PatchDefinition): PatchInfo {
  return Object.freeze({
    name,
    replace: def.replace === true,
    metadata: frozenCopy(def.metadata ?? {}) as PatchMetadata,
    objects: Object.freeze(
      def.objects.map((obj) =>
        Object.freeze({
          name: obj.name ?? null,
          funcs: Object.freeze((obj.funcs ?? []).map((f) => Object.freeze({ object: obj.name ?? null, name: f.oldName, sympos: f.oldSympos ?? 0 }))),
        }),
      ),
    ),
    states: Object.freeze((def.states ?? []).map((s) => Object.freeze({ id: s.id, version: s.version }))),
  });
}
''', '''/** Freeze plain objects and arrays all the way down; other objects (and functions) stay as they are. */
function deepFreeze<T>(value: T, seen = new WeakSet<object>()): T {
  if (typeof value !== 'object' || value === null || seen.has(value) || !isPlain(value)) return value;
  seen.add(value);
  for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<PropertyKey, unknown>)[key], seen);
  return Object.freeze(value);
}

/**
 * The snapshot of a patch definition. Metadata is copied (functions in it, such as scoped
 * callbacks, are kept by reference) so freezing never reaches the author's own objects.
 */
export function patchInfo(name: string, def: PatchDefinition): PatchInfo {
  return deepFreeze({
    name,
    replace: def.replace === true,
    metadata: structuredCloneFunctions(def.metadata ?? {}) as PatchMetadata,
    objects: def.objects.map((obj) => ({
      name: obj.name ?? null,
      funcs: (obj.funcs ?? []).map((f) => ({ object: obj.name ?? null, name: f.oldName, sympos: f.oldSympos ?? 0 })),
    })),
    states: (def.states ?? []).map((s) => ({ id: s.id, version: s.version })),
  });
}

/** A deep copy of plain data that keeps functions as they are. */
function structuredCloneFunctions(value: unknown): unknown {
  if (typeof value === 'function' || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(structuredCloneFunctions);
  if (!isPlain(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) copy[key] = structuredCloneFunctions(v);
  return copy;
}
''')
e('packages/core/src/info.ts', '''  readonly #owners = new Map<string, PatchInfo[]>();
  #version = 0;

  /** Changes with every `add` and `remove` (lets a gate context know the index is as it saw it). */
  get version(): number {
    return this.#version;
  }

  add(patch: PatchInfo): void {
    this.#version += 1;
''', '''  readonly #owners = new Map<string, PatchInfo[]>();

  add(patch: PatchInfo): void {
''')
e('packages/core/src/info.ts', '''  remove(patch: PatchInfo): void {
    this.#version += 1;
''', '''  remove(patch: PatchInfo): void {
''')
# core: context
e('packages/core/src/core.ts', '''    const infos = core.patches.map((p) => p.info);
    // Perf: policies get a frozen copy; the closures below keep the unfrozen one. On Node 20, V8
    // runs `new Set`, `flatMap` and the other array builtins on frozen arrays on a slow path
    // (about 10x slower), and every gate builds a context.
    const installed = Object.freeze([...infos]);
    // The owner index is live; filtering by the installed snapshot keeps a context valid after its gate.
    // Perf: while the index has not changed since, every owner it lists is installed, so a copy of
    // the stack is that filtered list, and the set of installed patches is built only when needed.
    const version = core.owners.version;
    let present: Set<PatchInfo> | undefined;
''', '''    const installed = Object.freeze(core.patches.map((p) => p.info));
    // The owner index is live; filtering by the installed snapshot keeps a context valid after its gate.
    const present = new Set(installed);
''')
e('packages/core/src/core.ts', '''      owners: (func) => {
        const stack = core.owners.owners(func);
        if (core.owners.version === version) return [...stack];
        present ??= new Set(infos);
        return stack.filter((p) => (present as Set<PatchInfo>).has(p));
      },''', '''      owners: (func) => core.owners.owners(func).filter((p) => present.has(p)),''')
e('packages/core/src/core.ts', '''        infos.flatMap((p) =>''', '''        installed.flatMap((p) =>''')
e('packages/core/src/check.ts', '''    // Perf: an index loop; `for...of` over a snapshot's frozen array is slow on Node 20's V8, and
    // this runs for every installed patch on every dry run (most have no states).
    const states = old.info.states;
    for (let i = 0; i < states.length; i += 1) {
      const oldState = states[i] as (typeof states)[number];''', '''    for (const oldState of old.info.states) {''')
# vendor-tags
e('plugins/vendor-tags/src/patch-facts.ts', '''/**
 * A plain copy of a snapshot's array (`ctx.installed`, a patch's `objects`, `funcs`, `tags`).
 * Perf: on Node 20, V8 runs `filter`, `some`, `for...of` and the like on frozen arrays on a slow
 * path (about 10x slower, plus a fixed cost per call); a spread copies one fast.
 */
export const thaw = <T>(list: readonly T[]): T[] => [...list];

''', '')
e('plugins/vendor-tags/src/patch-facts.ts', '''export function tagsOf(patch: Pick<PatchInfo, 'metadata'>): string[] {
  return [...tagList(patch)];
}

const NO_TAGS: readonly string[] = Object.freeze([]);
/** Tags read from frozen `tags` arrays (the snapshots'), which can never change. */
const tagCache = new WeakMap<readonly unknown[], readonly string[]>();

/**
 * `tagsOf` without the copy, for the rules. Perf: the tag rules read the tags of every installed
 * patch on every decision; a snapshot's `tags` array is frozen, so it is read once (a `Set` and a
 * filter per patch per decision were most of this policy's time).
 */
export function tagList(patch: Pick<PatchInfo, 'metadata'>): readonly string[] {
  const tags = patch.metadata.tags;
  if (!Array.isArray(tags)) return NO_TAGS;
  let list = tagCache.get(tags);
  if (list === undefined) {
    list = [...new Set(thaw(tags).filter((t): t is string => typeof t === 'string' && t.length > 0))];
    if (Object.isFrozen(tags)) tagCache.set(tags, list);
  }
  return list;
}
''', '''export function tagsOf(patch: Pick<PatchInfo, 'metadata'>): string[] {
  const tags = patch.metadata.tags;
  if (!Array.isArray(tags)) return [];
  return [...new Set(tags.filter((t): t is string => typeof t === 'string' && t.length > 0))];
}
''')
e('plugins/vendor-tags/src/patch-facts.ts', '''export function functionsOf(patch: PatchInfo): string[] {
  // Perf: one loop and one Set, without the intermediate arrays of flatMap/map/spread.
  const keys = new Set<string>();
  for (const obj of thaw(patch.objects)) for (const func of thaw(obj.funcs)) keys.add(funcKey(func));
  return [...keys];
}''', '''export function functionsOf(patch: PatchInfo): string[] {
  return [...new Set(patch.objects.flatMap((obj) => obj.funcs.map(funcKey)))];
}''')
e('plugins/vendor-tags/src/rules/tags.ts', "import { code, listText, quoted, tagList, thaw } from '../patch-facts.js';", "import { code, listText, quoted, tagsOf } from '../patch-facts.js';")
e('plugins/vendor-tags/src/rules/tags.ts', '''  // Perf: built only when one of the patch's tags has a requirement.
  let after: readonly PatchInfo[] | undefined;
  for (const tag of tagList(patch)) {
    for (const required of settings.requiresTag.get(tag) ?? []) {
      after ??= patch.replace ? [patch] : [...thaw(ctx.installed).filter((p) => p.name !== patch.name), patch];
      if (carries(after, required)) continue;''', '''  const after = patch.replace ? [patch] : [...ctx.installed.filter((p) => p.name !== patch.name), patch];
  for (const tag of tagList(patch)) {
    for (const required of settings.requiresTag.get(tag) ?? []) {
      if (carries(after, required)) continue;''')
e('plugins/vendor-tags/src/rules/tags.ts', "  const remaining = thaw(ctx.installed).filter((p) => p.name !== patch.name);", "  const remaining = ctx.installed.filter((p) => p.name !== patch.name);")
e('plugins/vendor-tags/src/rules/tags.ts', '''  // Perf: each own tag's conflicts looked up once, not per installed patch; none, nothing to check.
  const own = tagList(patch).map((tag) => ({ tag, conflicts: settings.conflictsWithTag.get(tag) }));
  if (own.every((o) => o.conflicts === undefined)) return;
  for (const other of thaw(ctx.installed)) {
    if (other.name === patch.name) continue;
    const theirs = tagList(other);
    for (const { tag, conflicts } of own) {
      for (const otherTag of theirs) {
        if (!conflicts?.has(otherTag)) continue;''', '''  const own = tagList(patch);
  for (const other of ctx.installed) {
    if (other.name === patch.name) continue;
    const theirs = tagList(other);
    for (const tag of own) {
      for (const otherTag of theirs) {
        if (!settings.conflictsWithTag.get(tag)?.has(otherTag)) continue;''')
e('plugins/vendor-tags/src/rules/same-function.ts', '''    // Perf: a same-vendor sharer is allowed; the message data is built only for a finding.
    if (settings.sameFunction === 'same-vendor' && vendor !== null && otherVendor === vendor) continue;
''', '')
e('plugins/vendor-tags/src/rules/signatures.ts', '''  // Perf: an unsigned patch under `optional` signatures (the default) passes before any message
  // data is built; this check runs on every enable.
  if (settings.signatures === 'optional' && (manifest === null || typeof manifest.signature !== 'string')) return true;
''', '')
# semver-deps
e('plugins/semver-deps/src/rules/kernel.ts', '''import { parseKernelRelease, type KernelRelease } from '../kernel-release.js';
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
''', '''import { parseKernelRelease } from '../kernel-release.js';
import type { MessageId } from '../messages.js';
''')
e('plugins/semver-deps/src/rules/kernel.ts', "  const parsed = releaseOf(release);\n", "  const parsed = parseKernelRelease(release);\n")
e('plugins/semver-deps/src/rules/conflicts.ts', '''  // Perf: most pairs do not name each other; skip them without building their matches.
  if (!answersTo(rule.name, target)) return undefined;
''', '')
e('plugins/semver-deps/src/rules/conflicts.ts', "import { answersTo, describeMatch, hits, matchesFor } from '../matches.js';", "import { describeMatch, hits, matchesFor } from '../matches.js';")
e('plugins/semver-deps/src/rules/requires.ts', '''    if (!someMeets(rule.name, others, rule.range)) reportUnmet(deps, rule, matchesFor(rule.name, others), report);''', '''    const found = matchesFor(rule.name, others);
    if (!found.some((m) => meets(m, rule.range))) reportUnmet(deps, rule, found, report);''')
e('plugins/semver-deps/src/rules/requires.ts', "import { describeMatch, matchesFor, meets, patchNames, someMeets, type Match } from '../matches.js';", "import { describeMatch, matchesFor, meets, patchNames, type Match } from '../matches.js';")
e('plugins/semver-deps/src/policy.ts', '''      // Perf: a copy first; builtins on a frozen array (`ctx.installed`) are slow on Node 20's V8.
      return [...patches].filter((p) => p !== except''', '''      return patches.filter((p) => p !== except''')
e('plugins/semver-deps/src/semver-cache.ts', """// Perf: the modules used, not the `semver` index, which loads all 47 of its files (about half the
// import time of this plugin's dependencies at CLI startup).
import type { SemVer } from 'semver';
import Range from 'semver/classes/range.js';
import parse from 'semver/functions/parse.js';
import subset from 'semver/ranges/subset.js';""", "import { parse, Range, subset, type SemVer } from 'semver';")
e('plugins/semver-deps/src/rules/downgrade.ts', "// Perf: the function alone, not the whole `semver` index (see semver-cache.ts).\nimport lt from 'semver/functions/lt.js';", "import { lt } from 'semver';")
# scoped-callbacks
e('plugins/scoped-callbacks/src/spec.ts', '''    if (surelyValid(spec)) {
      ids.push({ id, callbacks: spec as ScopedCallbacks });
      continue;
    }
''', '')
# cli
e('packages/cli/src/commands/check.ts', '''  // Perf: the scenario package (saved states) is imported only for --state.
  const scenario = options.state ? await import('@patchwise/scenario') : undefined;
  const state = options.state && scenario ? scenario.readState(options.state) : undefined;
''', '''  const state = options.state ? readState(options.state) : undefined;
''')
e('packages/cli/src/commands/check.ts', '''  const machine =
    state && scenario
      ? await scenario.restoreState(state, manifests)
      : new Machine({''', '''  const machine = state
    ? await restoreState(state, manifests)
    : new Machine({''')
e('packages/cli/src/commands/check.ts', "import { Machine } from '@patchwise/sim';", "import { readState, restoreState } from '@patchwise/scenario';\nimport { Machine } from '@patchwise/sim';")

failed = 0
for path, new, old in edits:
    p = os.path.join(root, path)
    s = open(p).read()
    if s.count(new) != 1:
        print('NOT FOUND', path, repr(new[:80])); failed += 1; continue
    s = s.replace(new, old)
    open(p, 'w').write(s)
print('applied', len(edits) - failed, 'of', len(edits))

# tags.ts: the rules called tagsOf before
p = os.path.join(root, 'plugins/vendor-tags/src/rules/tags.ts')
s = open(p).read().replace('tagList(', 'tagsOf(')
open(p, 'w').write(s)

# cli main: static imports of every verb
p = os.path.join(root, 'packages/cli/src/main.ts')
s = open(p).read()
start = s.index("export interface MainOptions extends OutputOptions {}")
end = s.index("/** Run the command line")
s = s[:start] + """export interface MainOptions extends OutputOptions {}

""" + s[end:]
s = s.replace("import { createOutput, type Output, type OutputOptions } from './output.js';\n", """import { createOutput, type Output, type OutputOptions } from './output.js';
import { checkCommand } from './commands/check.js';
import { initCommand } from './commands/init.js';
import { keygenCommand, signCommand } from './commands/keys.js';
import { printConfigCommand } from './commands/print-config.js';
import { replayCommand } from './commands/replay.js';
import { runCommand } from './commands/run.js';
""")
old = """  const verb = verbOf(argv);
  const makers = await Promise.all((verb ? [verb] : Object.keys(VERBS)).map((name) => (VERBS[name] as () => Promise<MakeCommand>)()));
  for (const make of makers) program.addCommand(make(run, out));
"""
assert s.count(old) == 1
s = s.replace(old, """  for (const make of [runCommand, checkCommand, replayCommand, printConfigCommand, initCommand, keygenCommand, signCommand]) {
    program.addCommand(make(run, out));
  }
""")
open(p, 'w').write(s)
print('main.ts and tags.ts reverted')
