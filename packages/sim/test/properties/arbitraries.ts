/**
 * What a random run is made of: a small world (vmlinux functions, two target modules, a few
 * livepatch modules built from random specs, policies that refuse at random) and a sequence of
 * operations on it. Everything is plain data, so fast-check can shrink it and print it.
 */
import fc from 'fast-check';

export type ObjName = 'vmlinux' | 'modA' | 'modB';
export type TargetName = Exclude<ObjName, 'vmlinux'>;

/** The functions of each object. `g0` exists in both modules: objects match by name, not function. */
export const OBJECT_FUNCS: Readonly<Record<ObjName, readonly string[]>> = {
  vmlinux: ['f0', 'f1', 'f2'],
  modA: ['g0', 'g1'],
  modB: ['g0'],
};
export const OBJECTS = Object.keys(OBJECT_FUNCS) as ObjName[];
/** A function no object has: patching it fails `klp_init_object_loaded` once its object is loaded. */
export const MISSING_FUNC = 'gone';
export const TARGETS: readonly TargetName[] = ['modA', 'modB'];
export const PATCH_NAMES = ['p0', 'p1', 'p2', 'p3'] as const;
export type PatchName = (typeof PATCH_NAMES)[number];
/** What an operation on a patch names: a patch, or `current`, the patch in transition (else `p0`). */
export type PatchRef = PatchName | 'current';
/** Sleepers only ever sleep in vmlinux functions (a module cannot go while code runs in it). */
export const SLEEP_FUNCS = OBJECT_FUNCS.vmlinux;

/** Per-object callbacks: which exist, and when `prePatch` fails. */
export interface CallbackSpec {
  readonly prePatch: boolean;
  readonly postPatch: boolean;
  readonly preUnpatch: boolean;
  readonly postUnpatch: boolean;
  /** The n-th call of this object's `prePatch` (over every load of the patch) fails iff `fail[n % length]`. */
  readonly fail: readonly boolean[];
  /** What a failing `prePatch` returns. */
  readonly errno: number;
}

export interface ObjSpec {
  readonly name: ObjName;
  readonly funcs: readonly string[];
  readonly callbacks: CallbackSpec | null;
}

export interface PatchSpec {
  readonly name: PatchName;
  readonly replace: boolean;
  readonly states: readonly { readonly id: number; readonly version: number }[];
  /** Distinct objects, in `klp_object` order; may be empty. */
  readonly objects: readonly ObjSpec[];
}

/** A policy rule: the gate refuses (by a finding, a throw or a rejection) when it matches. */
export interface PolicyRule {
  readonly hook: 'prePatch' | 'replace' | 'preUnpatch' | 'moduleComing';
  /** For `prePatch`/`preUnpatch`: which operation (`enable`, `disable`, `reverse`). */
  readonly operation: 'enable' | 'disable' | 'reverse';
  /** A patch name, or a module name for `moduleComing`. */
  readonly target: string;
  readonly how: 'deny' | 'throw' | 'reject';
}

export type Op =
  | { readonly op: 'load'; readonly patch: PatchName }
  /** `echo 0 > enabled`: disable, or reverse a patching transition. */
  | { readonly op: 'disable'; readonly patch: PatchRef }
  /** `echo 1 > enabled`: reverse an unpatching transition (anything else is refused). */
  | { readonly op: 'enable'; readonly patch: PatchRef }
  | { readonly op: 'force'; readonly patch: PatchRef }
  | { readonly op: 'rmmod'; readonly patch: PatchName }
  | { readonly op: 'loadTarget'; readonly module: TargetName }
  | { readonly op: 'unloadTarget'; readonly module: TargetName }
  | { readonly op: 'tick'; readonly ms: number }
  /** Kernel thread `task` calls `func` and sleeps inside whatever implementation runs for it. */
  | { readonly op: 'sleep'; readonly task: number; readonly func: string }
  | { readonly op: 'wake'; readonly task: number };

export interface Scenario {
  readonly cpus: number;
  /** A user task calling getpid() in a loop: always on a CPU, switches at every syscall exit. */
  readonly hammer: boolean;
  /** Kernel threads that sleep in functions on demand. */
  readonly sleepers: number;
  readonly patches: readonly PatchSpec[];
  readonly rules: readonly PolicyRule[];
  readonly ops: readonly Op[];
}

const ERRNOS = [-19, -22, -16, -12];

/** Mostly successful pre-patch callbacks: about one call in five fails. */
const failPattern = fc.array(fc.integer({ min: 0, max: 4 }).map((n) => n === 4), { minLength: 1, maxLength: 4 });

const callbackSpec: fc.Arbitrary<CallbackSpec> = fc.record({
  prePatch: fc.boolean(),
  postPatch: fc.boolean(),
  preUnpatch: fc.boolean(),
  postUnpatch: fc.boolean(),
  fail: failPattern,
  errno: fc.constantFrom(...ERRNOS),
});

const ALL_FUNCS = [...new Set(OBJECTS.flatMap((o) => OBJECT_FUNCS[o]))];

/** An object as generated: duplicates and foreign functions are dropped by `patchSpec` (no `chain`: it all shrinks). */
const rawObject = fc.record({
  name: fc.constantFrom(...OBJECTS),
  funcs: fc.subarray(ALL_FUNCS),
  // Now and then a function the object does not have.
  missing: fc.integer({ min: 0, max: 15 }).map((n) => n === 15),
  callbacks: fc.option(callbackSpec, { nil: null, freq: 4 }),
});

const patchSpec = (name: PatchName): fc.Arbitrary<PatchSpec> =>
  fc
    .record({
      replace: fc.integer({ min: 0, max: 3 }).map((n) => n === 3),
      states: fc.uniqueArray(fc.record({ id: fc.integer({ min: 1, max: 2 }), version: fc.integer({ min: 0, max: 2 }) }), {
        selector: (s) => s.id,
        maxLength: 2,
      }),
      objects: fc.array(rawObject, { maxLength: 3 }),
    })
    .map(({ replace, states, objects }) => ({
      name,
      replace,
      states,
      objects: objects
        .filter((o, i) => objects.findIndex((other) => other.name === o.name) === i)
        .map((o) => ({
          name: o.name,
          funcs: [...o.funcs.filter((f) => OBJECT_FUNCS[o.name].includes(f)), ...(o.missing ? [MISSING_FUNC] : [])],
          callbacks: o.callbacks,
        })),
    }));

const rule: fc.Arbitrary<PolicyRule> = fc.record({
  hook: fc.constantFrom('prePatch', 'replace', 'preUnpatch', 'moduleComing'),
  operation: fc.constantFrom('enable', 'disable', 'reverse'),
  target: fc.constantFrom<string>(...PATCH_NAMES, ...TARGETS),
  how: fc.constantFrom('deny', 'throw', 'reject'),
});

const patchName = fc.constantFrom(...PATCH_NAMES);
const patchRef = fc.oneof(fc.constant('current' as const), patchName);
const target = fc.constantFrom(...TARGETS);

/** Sleep and wake name one of two sleepers; with fewer, they do nothing. */
const task = fc.integer({ min: 0, max: 1 });

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: patchName.map((patch) => ({ op: 'load', patch }) as const) },
  { weight: 4, arbitrary: patchRef.map((patch) => ({ op: 'disable', patch }) as const) },
  { weight: 2, arbitrary: patchRef.map((patch) => ({ op: 'enable', patch }) as const) },
  { weight: 2, arbitrary: patchRef.map((patch) => ({ op: 'force', patch }) as const) },
  { weight: 3, arbitrary: patchName.map((patch) => ({ op: 'rmmod', patch }) as const) },
  { weight: 3, arbitrary: target.map((module) => ({ op: 'loadTarget', module }) as const) },
  { weight: 2, arbitrary: target.map((module) => ({ op: 'unloadTarget', module }) as const) },
  {
    weight: 6,
    arbitrary: fc.oneof(fc.constant(1000), fc.integer({ min: 10, max: 2500 })).map((ms) => ({ op: 'tick', ms }) as const),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('sleep' as const), task, func: fc.constantFrom(...SLEEP_FUNCS) }) },
  { weight: 2, arbitrary: task.map((t) => ({ op: 'wake', task: t }) as const) },
);

/** A whole random run. */
export const scenario: fc.Arbitrary<Scenario> = fc.record({
  cpus: fc.integer({ min: 1, max: 2 }),
  hammer: fc.boolean(),
  sleepers: fc.integer({ min: 0, max: 2 }),
  patches: fc.tuple(...PATCH_NAMES.map(patchSpec)),
  rules: fc.oneof({ weight: 2, arbitrary: fc.constant([]) }, { weight: 3, arbitrary: fc.array(rule, { maxLength: 3 }) }),
  ops: fc.array(op, { minLength: 1, maxLength: 40, size: 'max' }),
});

/** How many runs: `FUZZ_RUNS` (the `pnpm fuzz` script), else 1000. */
export function numRuns(): number {
  const runs = Number(process.env.FUZZ_RUNS ?? '');
  return Number.isInteger(runs) && runs > 0 ? runs : 1000;
}

/** fast-check parameters: `FUZZ_SEED` (and `FUZZ_PATH`) replay a reported failure. */
export function fcParameters<T>(): fc.Parameters<T> {
  const seed = Number(process.env.FUZZ_SEED ?? '');
  return {
    numRuns: numRuns(),
    ...(Number.isInteger(seed) && process.env.FUZZ_SEED ? { seed } : {}),
    ...(process.env.FUZZ_PATH ? { path: process.env.FUZZ_PATH } : {}),
    // The shrunk counterexample, then the seed and path to replay it.
    verbose: fc.VerbosityLevel.None,
  };
}
