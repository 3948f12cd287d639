/**
 * The fixed prose of BENCHMARKS.md: what each benchmark measures and how, and what was optimized.
 * No numbers here: every number in the document comes from the run (see report.ts).
 */

export const INTRO = `Every number in this document is the output of one run of \`pnpm bench\`
(\`tsc -b && node --expose-gc bench/dist/run.js\`), on the machine described below; the run also
writes \`bench/results.json\`. The prose is fixed text (\`bench/src/prose.ts\`); the tables are
generated (\`bench/src/report.ts\`). Targets are ratios against a baseline measured in the same
run, because absolute times on a shared machine mean little.`;

export const METHOD = `- **Medians, interleaved.** In-process measurements run in batches: each round runs one batch of
  every side of a comparison, in an order that rotates each round, so drift and background load
  fall on all sides alike. A batch is calibrated to last about the batch time given below; the
  reported time of a side is the median over its batches of the per-operation time. Ratios are
  ratios of medians; the gate section also gives the median of the per-round ratios.
- **Processes, interleaved.** The CLI is measured as fresh processes (\`spawnSync\`, wall time from
  spawn to exit), one \`node -e 0\`, one \`check\` with a YAML config and one with a TypeScript config
  per round; medians over the rounds.
- **Warm-up.** In-process benchmarks warm up (JIT, caches) before sampling; the CLI runs each
  command once before timing (file cache).
- **Determinism.** Fixtures are built from fixed manifests and a seeded PRNG (mulberry32); the
  simulator benchmark checks that its rounds produce the same kernel log, byte for byte.
- **Load.** The machine may be shared. The load average at the start and end of the run is
  recorded; when it is high, absolute times inflate and the medians and ratios carry the noise.`;

export const GATE = `**What is timed.** *Hooks*: \`livepatch.check({ operation: 'enable', name, patch })\` on a
machine where \`vendor-tags\`, \`scoped-callbacks\` and \`semver-deps\` are applied: the core builds the
frozen \`PatchInfo\` snapshot of the definition, the kernel's own dry-run findings, the gate
context, runs the three policies' \`prePatch\` taps through the hooks (tapable, per-tap wrappers,
findings by message id) and builds the \`Decision\`. *Plain*: one hand-written function
(\`bench/src/plain-rules.ts\`) with the same three policies' \`prePatch\` rules for an enable at the
same options — vendor-tags' signature check (unsigned, \`optional\`), \`sameFunction: same-vendor\`
through an owner index, \`conflictsWithTag\` and \`requiresTag\`; scoped-callbacks' validation of the
declared callbacks (by hand, no zod); semver-deps' fields, kernel range, requirements and conflicts in
both directions — on the snapshot of the same definition, built by the core's \`patchInfo\` on every
call, as the hooks side builds it. Both sides read the new patch in full on every call; both use
what they know of the installed patches from earlier calls (the plugins' per-snapshot caches; the
plain function's one-time reading of the installed patches and its owner index). The plain side
builds no context, runs no hooks, renders no message templates and builds no decision.

**Same answers.** Before timing, both sides decide a set of variants of the patch, each tripping a
different rule; the run stops unless both report the same findings (policy and code, in order) for
every variant (table below).

**Inputs.** A machine with a few dozen patches installed through real, gated loads: two vendors,
each with a base patch (version, a provided capability, a kernel range, tags, a scoped-callback ID)
and feature patches (versions, requirements on the base and the capability, a conflict declaration,
tags), 10 functions each, some shared within a vendor. The new patch: vendor \`acme\`, 10 functions
(4 already patched by \`acme\` patches), requirements met, a conflict with a patch that is not
installed, a kernel range, tags, one scoped-callback ID; the decision allows it.`;

export const SCALING = `**What is timed.** \`livepatch.check({ operation: 'enable', name, patch })\` of an atomic-replace
patch of 1,000 functions (vendor \`acme\`, the functions of the first installed layer), with the three
policies applied: the \`prePatch\` gate, the kernel's findings, then the \`replace\` gate with every
installed patch as \`replaced\` and every other installed function as a nop (the decision lists them
all). It is the dry run of the decision a real load would make, without enabling anything, so the
installed stack stays the same between samples.

**The stack.** Built on one simulated machine through real loads: manifest modules of 1,000
functions each (\`machine.addKernelFunctions\` for their names, then \`insmod\`, through the same three
policies' gates, each transition completed), growing from 1 to 1,000 patches; each size is measured
when reached. The benchmark runs in a child process with a larger heap (\`--max-old-space-size\`,
below) and a forced GC before each sample. \`scalingRatio\` is the time per installed function at
10^6 divided by the time per installed function at 10^3.`;

export const CLI = `**What is timed.** \`patchwise check fix.yaml\` in a project folder (a \`package.json\` ends config
discovery there) whose \`patchwise.config.yaml\` enables the three plugins, on a manifest with a
vendor, version, kernel range, tags and a scoped callback: the whole command (config discovery and
loading, plugin imports, manifest parsing, a machine, the dry run and the load that follows an
allowed check). The baseline is \`node -e 0\`. The same command with a \`patchwise.config.ts\` (loaded
through cosmiconfig-typescript-loader/jiti) is reported separately, and so is a light verb
(\`init --help\`) for comparison.

**Where the time goes.** The import table times each module alone in a fresh process, minus
\`node -e 0\`; the profile is one \`check\` under \`--cpu-prof\`, self time grouped by package
("node internals" is Node's module loader: resolving, reading and compiling files).`;

export const SIM = `Random lifecycle operations on a simulated machine with 4 CPUs, 64 tasks (half busy in user space
making syscalls through patchable functions, half asleep, a quarter of them inside a patchable
function, so transitions wait for them), 12 patch modules of two vendors (some atomic replace,
some with scoped callbacks) and the three policies at their permissive settings. Operations, drawn
by a seeded PRNG: load a patch module, disable a patch, unload a module, let time pass (10 ms to
1.5 s: scheduler ticks, transition retries, fake signals), a task calls a patchable function, a
sleeper wakes, read a sysfs file. Refusals and errors (EEXIST, EBUSY, EPERM) count as operations.
Each round starts a fresh machine; the figure is the median over rounds. Informational: an absolute
figure, so only comparable between runs on the same machine.`;

export const REPLAY = `\`patchwise replay --check\` (every bundled selftest case, each on a fresh simulated machine, its
filtered log compared with the expected one), spawned as a process, process startup included;
median wall time over a few runs. Informational.`;

export const OPTIMIZATIONS = `Changes made for these benchmarks (each commented in the code with why; behaviour unchanged, the
whole test suite passes):

1. **Frozen arrays on Node 20 (the gate's largest cost).** V8 11.3 (Node 20) runs the array
   builtins (\`filter\`, \`find\`, \`some\`, \`map\`, \`slice\`, \`new Set(array)\`, and \`for...of\`) on frozen
   arrays on a slow path, 5-30 times slower than on ordinary arrays, plus a fixed cost per call,
   while a spread copy of a frozen array stays fast. Policies see frozen snapshots and a frozen
   \`ctx.installed\`, so every rule over the installed patches paid this. Fixed where it was hot: the
   core's gate context keeps an unfrozen copy for its own closures (\`packages/core/src/core.ts\`), the
   kernel's dry-run findings use an index loop (\`check.ts\`), vendor-tags and semver-deps copy before
   iterating (\`thaw\` in \`plugins/vendor-tags/src/patch-facts.ts\`, \`enabled\` in
   \`plugins/semver-deps/src/policy.ts\`).
2. **The snapshot** (\`patchInfo\`, \`packages/core/src/info.ts\`): one pass that copies and freezes,
   instead of a copy followed by a recursive freeze that tracked visited objects in a \`WeakSet\`.
3. **Per-decision work in the plugins**: vendor-tags reads a snapshot's tags once (a cache keyed by
   the frozen \`tags\` array), builds message data only for an actual finding, and returns early for
   an unsigned patch when signatures are optional; semver-deps keeps the parsed running-kernel
   release, and skips pairs a conflict rule does not name before building matches; scoped-callbacks
   checks the common callback shapes by hand and leaves the rest (and every error message) to zod.
4. **Verbs on demand** (\`packages/cli/src/main.ts\`): a command line imports only its own verb's
   module (help and unknown verbs still load all of them); \`check\` imports the scenario package
   only for \`--state\`; semver-deps imports the four semver modules it uses instead of the
   \`semver\` index; the TypeScript config loader (jiti) is imported only for a \`.ts\` config.
5. **One bundle with a code cache (the CLI's largest win).** Unbundled, a \`check\` loaded ~340
   module files one at a time (zod alone ~95) and ran at 5.2× \`node -e 0\`.
   \`scripts/bundle-cli.mjs\` bundles the command into one minified CommonJS file (no ES module
   loader at all); the launcher \`packages/cli/bin/patchwise.cjs\` compiles it with \`vm.Script\` and
   keeps V8's cached data (top level and every function the run compiled) in a per-user folder, and
   lends Node's own \`import()\` for user plugins and configs (a cached script cannot \`import()\`;
   that is also why v8-compile-cache could not be used). The standard plugins are imported by name
   (\`packages/config/src/builtins.ts\`) so they ride in the bundle. Measured while making it: ESM
   bundle 2.7×, CommonJS bundle 2.4×, with the code cache ~1.9×.
6. **The policies' gate paths** (vendor-tags, semver-deps, scoped-callbacks): what depends only on
   the installed patches is indexed once per installed set (which patches carry which tag; who
   answers to which name and which names a conflict rule mentions) instead of scanned per decision;
   fast checks that allocate nothing decide that no finding is possible and otherwise run the
   original rule, so findings, order and data are unchanged (the plugin suites, this benchmark's
   equivalence check, and 8,000 random scenarios compared against the previous builds). Per
   decision: vendor-tags ~20 → ~5 µs, semver-deps ~17 → ~7 µs, scoped-callbacks ~4 → ~1 µs.

A note on \`scalingRatio\`: making the fixed cost of a replace decision smaller (the snapshot of the
1,000-function patch) makes the 10^3 case faster, which raises the ratio; it stays under its
target.`;

export const LEFT_ALONE = `- **\`gateOverheadRatio\`: what the breakdown shows.** Met now that the policies index what they
  read of the installed patches; what remains is in two parts, read off the gate table. (1) The
  hooks themselves: the plain function run as the only policy costs more than the same function
  called directly — the gate context (a frozen copy of the installed list, the owner and state
  lookups), the per-tap wrappers, the findings and the \`Decision\`, and the kernel's own dry-run
  checks. (2) The policies: general code where the baseline is special-cased — three taps instead
  of one, per-snapshot caches in \`WeakMap\`s that take one insertion per policy for every new
  snapshot (a dry run's snapshot is garbage right after), message data and match lists built as
  the rules go, the gate context's lookups instead of direct fields. Both sides pay for the frozen
  snapshot of the new patch, the largest single cost, because the core's contract is that policies
  see deep-frozen \`PatchInfo\`s: every \`Object.freeze\` is a call into the V8 runtime. Tried and
  kept: the items above. Not done: caching a snapshot per definition (an author may change a
  definition between two dry runs), or skipping the snapshot for a dry run (policies could then
  observe a definition that is not frozen).
- **CLI startup after bundling.** The profile of a bundled \`check\` cannot name packages any more
  (it is one file); the rest of a \`check\` is compiling what the cache does not hold, zod and the
  schemas initialising, YAML parsing and the dry run itself. zod's classic API still initialises
  every locale; its mini API would be a rewrite of every schema. Node 22's
  \`module.enableCompileCache\` would replace the launcher's cache.
- **The snapshot freezes every object it copies**, and \`Object.freeze\` costs about as much as the
  copy. A manifest's metadata holds the manifest itself (\`metadata.manifest\`, for signatures), so
  each field is copied and frozen twice. Sharing the copies of the same source object inside one
  snapshot would halve that, but would make two fields of a snapshot the same object where they are
  distinct today; left as it is.
- **The replace decision lists every nop** (one \`FuncRef\` per installed function not in the new
  patch), so a replace decision is linear in the installed functions by design; building the
  function keys (strings) and the set of them is most of its time.`;
