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

export const GATE = `**What is timed, line by line.** Both sides decide the same \`prePatch\` of an enable.

| step | hooks side (\`livepatch.check\`, three policies) | plain side (\`bench/src/plain-rules.ts\`) |
|---|---|---|
| snapshot | the core's \`patchInfo\` of the definition | the same \`patchInfo\`, every call |
| kernel | the kernel's own dry-run findings (states, module) | — |
| context | the gate context: installed list, owners, \`ctx.index\` | — |
| vendor and tags | NFC names; \`sameFunction\`: the new patch's function keys from \`ctx.index.functions\` (computed once per decision), owners through \`ctx.owners\`; \`conflictsWithTag\` and \`requiresTag\` through \`ctx.index.byTag\` | NFC names; the new patch's function keys, every call; its own owner index; its own by-tag index |
| scoped callbacks | each ID checked with \`ScopedCallbacksSchema\` (zod) | each ID checked with the same schema |
| semver-deps, new patch | version, ranges, capabilities and kernel range parsed on every call | the same, every call |
| semver-deps, installed | readings kept by the core's index (\`ctx.index.derived\`), candidates by \`ctx.index.byName\` | readings made once up front, its own by-name index |
| kernel release | parsed on every call | parsed on every call |
| result | findings by message id (templates rendered), a \`Decision\` | a list of findings |

Neither side keeps any other cache: the plugins keep none of their own (issue 16), and the plain
side was given every index the plugins get from the core. What remains of the difference is the
framework: the context, the hooks (tapable, one wrapper per tap), the message templates, the
decision object, and the kernel's own findings.

**Same answers.** Before timing, both sides decide a set of variants of the patch, each tripping a
different rule; the run stops unless both report the same findings (policy and code, in order) for
every variant (table below).

**Inputs.** A machine with a few dozen patches installed through real, gated loads: two vendors,
each with a base patch (version, a provided capability, a kernel range, tags, a scoped-callback ID)
and feature patches (versions, requirements on the base and the capability, a conflict declaration,
tags), 10 functions each, some shared within a vendor. The new patch: vendor \`acme\`, 10 functions
(4 already patched by \`acme\` patches), requirements met, a conflict with a patch that is not
installed, a kernel range, tags, one scoped-callback ID; the decision allows it.`;

export const SCALING = `**What is timed.** Two decisions with \`livepatch.check\` (every gate of a real enable, nothing
changed), the three policies applied:
- *enable*: a non-replace patch of 1,000 functions of vendor \`acme\`, all already patched (the first
  layer's): each owner stack is looked up, each installed patch's conflicts read;
- *replace*: a cumulative patch of the same 1,000 functions: the \`prePatch\` gate, the kernel's
  findings, then the \`replace\` gate with every installed patch as \`replaced\` and every other
  installed function as a nop (999,000 at 10^6).
And the *plain nop loop*: one function computing the same nops from the same installed snapshots,
given the index the core keeps (a number per function key, each installed patch's functions with
their numbers, built before timing): it marks the new patch's functions in a table, walks the
installed ones and keeps each unmarked function once, answering in the core's form (a bit per
installed function, \`packages/core/src/nop-list.ts\`). The run stops unless it finds the same nops,
in the same order, as the decision.

**The stack.** One simulated machine per size, built through real loads: manifest modules of 1,000
functions each (\`insmod\`, through the same three policies' gates, each transition completed),
from 1 to 1,000 patches, all kept, in a child process with a larger heap.
Samples run back to back after a warm-up (at least 5 runs and 200 ms, so that the small sizes are
not measured while the code is still being optimised), **with no forced collection**: garbage
collection is part of what is measured, at every size. 201 samples at 10^3 and 10^4, 41 at 10^5,
15 at 10^6.

**The ratios.** \`marginalScalingRatio\` is the replace decision's marginal time per installed
function over the last decade, (t(10^6) − t(10^5)) / 900,000, over that of the first,
(t(10^4) − t(10^3)) / 9,000: above 1 means each added function costs more on a bigger stack. Each
difference t(b) − t(a) is the median of paired runs, the decision on machine *a* and on machine *b*
back to back (alternating which goes first), after a warm-up of both: the first decade's
difference is a few hundredths of a millisecond, less than two separately timed medians drift
apart, and taken that way the ratio swung between 0.2 and 3.7 from run to run. The
enable's is reported beside it: its work hardly grows with the stack, so its marginal times are
differences of small numbers, mostly noise. \`replaceFloorRatio\` is the replace decision at 10^6
over the plain nop loop at 10^6: what the framework, the policies and the decision cost on top of
the work no implementation can skip.`;

export const SCALING_MEMORY = `**Memory.** A replace decision's nops are one bit per installed function (\`NopList\` in the
core), about 125 KB at 10^6, not a list of function references: such a list is 8 bytes an entry
(Node 20 does not compress pointers), a large object past about 16,000 entries, mapped fresh from
the operating system at each allocation, and on a virtual machine first touching those pages cost
more per function than finding the nops (a replace decision at 10^6 took about 66 ms that way,
against about 5 ms now; the marginal ratio was 2.3). The table counts the minor page faults per
run (\`process.resourceUsage()\`) and the time the replace decisions spent in garbage collection
(\`perf_hooks\` GC entries).`;

export const CLI = `**What is timed.** \`patchwise check fix.yaml\` in a project folder (a \`package.json\` ends config
discovery there) whose \`patchwise.config.yaml\` enables the three plugins, on a manifest with a
vendor, version, kernel range, tags and a scoped callback: the whole command (config discovery and
loading, plugin imports, manifest parsing, a machine, the dry run and the load that follows an
allowed check). The baseline is \`node -e 0\`. **The headline is cold**: each cold sample runs with a
fresh, empty \`XDG_CACHE_HOME\` (the launcher keeps its V8 code cache in
\`$XDG_CACHE_HOME/patchwise\`), as the first run after a build. Warm runs share a cache made by an
earlier run (in a temporary folder of its own), and are reported beside it, with the same command
under a \`patchwise.config.ts\` (warm) and a light verb (\`init --help\`).

A cold sample pays what a first run pays: V8 parses every chunk of the bundle the command loads
(how many, and their size, is given below; the rest of the bundle is never read), compiles each function the
first time it runs, and at exit the launcher serializes and writes the code cache of each chunk.

**Where the time goes.** The import table times each module alone in a fresh process, minus
\`node -e 0\`; the profile is one cold \`check\` under \`--cpu-prof\`, self time grouped by
package: code in the bundle's chunks is attributed through their source maps; "compiling the
bundle" is the launcher's \`vm.Script\` (parsing, cold); "esbuild glue" is code esbuild generated
(its helpers, and the module bodies of the CommonJS packages it wraps); "node internals" is Node's
own code (builtin modules, fs).`;

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

export const OPTIMIZATIONS = `Issue 16 moved the speed from the plugins into the core:
- **One index of the installed patches, owned by the core** (\`packages/core/src/installed-index.ts\`),
  kept as patches come and go: patches by vendor, by tag (NFC), by the names they answer to (name,
  lineage, capabilities), each patch's function keys (\`ctx.index.functions\`; for the patch being
  decided, computed once per decision for every policy), and what policies derive from a patch
  (\`ctx.index.derived(patch, read)\`: parsed versions, scoped callbacks), computed once per
  installed patch. Gates query it through \`ctx.index\`.
- **The standard plugins keep no cache and no fast path of their own**: vendor-tags' tag index,
  tag and key caches; semver-deps' version, range and kernel-release caches and its enabled-set
  snapshot; scoped-callbacks' hand-written schema shortcut and parse cache are gone. Each rule reads
  like its README; the model-based tests compare each plugin with a plain reference of its rules.

Then the framework itself was made cheaper (profiles of one decision with \`--cpu-prof\`):
- **The gate context as one object, frozen once.** It was built as \`{ ...shared, patch }\` and then
  frozen: on Node 20 that spread-and-freeze takes V8's slow path, about 3 µs a decision, more than
  the rest of the context, the hooks and the decision together.
- **One shared installed list, with fast callback methods.** The frozen list of installed patches is
  made once per change of the installed set instead of once per decision, and answers \`filter\`,
  \`map\`, \`some\` and the other callback methods with plain index loops
  (\`packages/core/src/frozen-list.ts\`): V8 runs those methods of a frozen array on a generic slow
  path, about a microsecond per call, which every policy reading \`ctx.installed\` paid. It stays
  frozen.
- **The findings of the taps joined with a loop** instead of \`flat()\`, and a patch's function keys
  computed by the core once per decision instead of by a policy with \`flatMap\` (slow builtins on
  Node 20).
- **Nops from function numbers.** The index numbers every installed function; the nops of an atomic
  replace are found by marking numbers in a flat table (a new mark per decision, never cleared)
  instead of hashing a million key strings into two sets per decision, and kept as a bit per
  installed function (\`NopList\`) instead of a fresh list of references. The plain nop loop was
  given the same index and answers in the same form.

`;

export const LEFT_ALONE = `- **Load.** Figures from a run on a loaded machine (see the load average above) are inflated and
  noisy, ratios included: a run above a load of about the number of cores should be repeated on a
  quiet machine before a target is judged.
- **The gate's remaining overhead** is the framework itself (kernel findings, context, hooks, the
  policies' message plumbing, the decision) and the plugins' own way of writing each rule: see the
  breakdown rows of the gate table.
- **A marginal ratio below 1**, when a run gives one, means the last decade cost less per installed
  function than the first, for the decision and the plain nop loop alike: the work per function is a few nanoseconds of
  sequential reads and the first decade's difference is small (tenths of a millisecond), so a part
  of the per-decision cost that is not per function leaks into it. It is read as "no super-linear
  growth", not as the framework getting cheaper per function.`;
