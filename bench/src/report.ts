/**
 * BENCHMARKS.md from one run's results (plus, when bench/baseline.json exists, the same script's
 * results on the tree before the optimizations, for the before/after table).
 */
import * as prose from './prose.js';
import { TARGETS, type Results } from './results.js';

const fmt = (value: number | null | undefined, digits = 2): string =>
  value === null || value === undefined || Number.isNaN(value) ? '—' : value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
const us = (ns: number | undefined): string => (ns === undefined ? '—' : `${fmt(ns / 1000, 1)} µs`);
const ms = (value: number | undefined, digits = 0): string => (value === undefined ? '—' : `${fmt(value, digits)} ms`);
const met = (value: boolean | null): string => (value === null ? 'not run' : value ? '**met**' : '**not met**');

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

/** `a ×3, b` from a list of codes. */
function codes(list: readonly string[]): string {
  if (list.length === 0) return 'none (allowed)';
  const counts = new Map<string, number>();
  for (const c of list) counts.set(c, (counts.get(c) ?? 0) + 1);
  return [...counts].map(([c, n]) => `\`${c}\`${n > 1 ? ` ×${n}` : ''}`).join(', ');
}

function summary(r: Results): string {
  return table(
    ['key', 'this run', 'target', ''],
    [
      ['`gateOverheadRatio`', fmt(r.gateOverheadRatio), `≤ ${TARGETS.gateOverheadRatio}`, met(r.met.gateOverheadRatio)],
      ['`marginalScalingRatio` (replace)', fmt(r.marginalScalingRatio), `≤ ${TARGETS.marginalScalingRatio}`, met(r.met.marginalScalingRatio)],
      ['`marginalScalingRatio` of the enable (reported beside)', fmt(r.details.scaling?.enableMarginalRatio), '—', 'informational'],
      ['`replaceFloorRatio`', fmt(r.replaceFloorRatio), `≤ ${TARGETS.replaceFloorRatio}`, met(r.met.replaceFloorRatio)],
      ['`cliStartupRatio` (cold code cache)', fmt(r.cliStartupRatio), `≤ ${TARGETS.cliStartupRatio}`, met(r.met.cliStartupRatio)],
      ['`cliStartupRatio`, warm code cache', fmt(r.cliStartupWarmRatio), '—', 'informational'],
      ['`cliStartupRatio`, TypeScript config (reported separately)', fmt(r.cliStartupTsRatio), '—', 'informational'],
      ['`simOpsPerSec`', fmt(r.simOpsPerSec, 0), '—', 'informational'],
      ['`replayAllMs`', fmt(r.replayAllMs, 0), '—', 'informational'],
    ],
  );
}

function machine(r: Results): string {
  const m = r.machine;
  return [
    `- Node ${m.node} (V8 ${m.v8}), ${m.platform}`,
    `- CPU: ${m.cpuModel} (\`os.cpus()\`), ${m.cores} cores; ${fmt(m.memoryGb, 1)} GB memory (${fmt(m.freeMemoryGb, 1)} GB free at the start)`,
    `- 1-minute load average: ${fmt(m.loadAtStart)} at the start, ${fmt(m.loadAtEnd ?? null)} at the end`,
    `- Run: ${r.generatedAt}, ${fmt(r.durationSec, 1)} s in all`,
    ...(Math.max(m.loadAtStart, m.loadAtEnd ?? 0) > m.cores
      ? ['', `**Heavy load: this run is flagged.** The load average exceeded the ${m.cores} cores; absolute times are inflated and ratios noisy. Repeat \`pnpm bench\` on a quiet machine before judging a target.`]
      : []),
  ].join('\n');
}

function gate(r: Results, plan: Plan): string {
  const g = r.details.gate;
  if (!g) return '_Not run._';
  return [
    prose.GATE,
    '',
    table(
      ['side', 'median per decision', 'what it does'],
      [
        ['hooks', us(g.hooksNs), '`livepatch.check` with the three policies (snapshot, kernel findings, context, 3 taps, decision)'],
        ['plain', us(g.plainNs), '`patchInfo` + the plain function'],
        ['plain rules only', us(g.plainRulesOnlyNs), 'the plain function on a snapshot built beforehand'],
        ['snapshot only', us(g.snapshotNs), '`patchInfo(name, definition)`'],
        ['check without policies', us(g.checkWithoutPoliciesNs), '`livepatch.check` on the same machine state with no policy applied'],
        ['check, vendor-tags alone', us(g.onlyVendorTagsNs), 'the same, with only vendor-tags applied'],
        ['check, scoped-callbacks alone', us(g.onlyScopedCallbacksNs), 'the same, with only scoped-callbacks applied'],
        ['check, semver-deps alone', us(g.onlySemverDepsNs), 'the same, with only semver-deps applied'],
        ['check, the plain function as the only policy', us(g.plainAsPolicyNs), 'the plain rules in one `prePatch` tap: the hooks around the same rules'],
      ],
    ),
    '',
    `**gateOverheadRatio = hooks / plain = ${fmt(g.ratio)}** (median of the per-round ratios: ${fmt(g.pairedRatio)}). ` +
      `${g.installedPatches} installed patches (${g.installedFunctions} functions), a new patch of ${g.newPatchFunctions} functions; ` +
      `${g.batches} rounds of ${g.opsPerBatch} decisions per side per round (batches of about ${plan.gate.batchMs} ms, ${plan.gate.warmupMs} ms warm-up).`,
    '',
    `Split: the hooks around the very same rules (the plain function as the only policy) cost ${fmt(g.plainAsPolicyNs / g.plainNs)}× the plain side; ` +
      `the three policies cost ${fmt(g.hooksNs / g.plainAsPolicyNs)}× that policy. ` +
      `Policies alone, above a check without policies: vendor-tags ${us(g.onlyVendorTagsNs - g.checkWithoutPoliciesNs)}, scoped-callbacks ${us(g.onlyScopedCallbacksNs - g.checkWithoutPoliciesNs)}, semver-deps ${us(g.onlySemverDepsNs - g.checkWithoutPoliciesNs)}; ` +
      `the plain rules on a fresh snapshot: ${us(g.plainNs - g.snapshotNs)}.`,
    '',
    'Both sides agreed on every variant:',
    '',
    table(
      ['variant of the new patch', 'findings (both sides)'],
      g.equivalence.map((v) => [v.variant, codes(v.codes)]),
    ),
  ].join('\n');
}

function scaling(r: Results): string {
  const s = r.details.scaling;
  if (!s) return '_Not run._';
  const last = s.rows[s.rows.length - 1];
  return [
    prose.SCALING,
    '',
    table(
      ['installed functions', 'installed patches', 'samples', 'enable decision', 'replace decision', 'plain nop loop', 'replace per installed function', 'heap used', 'time to load the added patches'],
      s.rows.map((row) => [
        fmt(row.installedFunctions, 0),
        fmt(row.installedPatches, 0),
        String(row.samples),
        ms(row.enableMs, 2),
        ms(row.replaceMs, 2),
        ms(row.floorMs, 2),
        `${fmt(row.replaceNsPerInstalledFunction, 1)} ns`,
        `${fmt(row.heapUsedMb, 0)} MB`,
        ms(row.buildMs),
      ]),
    ),
    '',
    `**marginalScalingRatio = ${fmt(s.marginalRatio)}** (replace: marginal time per installed function from 10^5 to 10^6 over that from 10^3 to 10^4; the enable's: ${fmt(s.enableMarginalRatio)}, a difference of small numbers, see below). ` +
      `**replaceFloorRatio = ${fmt(s.floorRatio)}** (a replace decision at ${fmt(last?.installedFunctions ?? null, 0)} functions over the plain nop loop there). Deciding patches of ${fmt(s.replacingFunctions, 0)} functions; worker heap limit ${fmt(s.heapLimitMb, 0)} MB.`,
    '',
    table(
      ['decade', 'paired runs', 'replace decision', 'enable decision', 'plain nop loop'],
      s.decades.map((m) => [
        `${fmt(m.from, 0)} → ${fmt(m.to, 0)}`,
        fmt(m.pairs, 0),
        `${fmt(m.replaceNs, 2)} ns`,
        `${fmt(m.enableNs, 2)} ns`,
        `${fmt(m.floorNs, 2)} ns`,
      ]),
    ),
    '',
    `Marginal time per installed function by decade, above. The same marginal ratio, last decade over first: the plain nop loop's **${fmt(s.floorMarginalRatio)}** (the replace decision's: ${fmt(s.marginalRatio)}).`,
    '',
    prose.SCALING_MEMORY,
    '',
    table(
      ['installed functions', 'replace decision: page faults', 'replace decision: time in GC', 'plain nop loop: page faults'],
      s.rows.map((row) => [
        fmt(row.installedFunctions, 0),
        fmt(row.replaceFaults, 0),
        ms(row.replaceGcMs, 2),
        fmt(row.floorFaults, 0),
      ]),
    ),
  ].join('\n');
}

function cli(r: Results): string {
  const c = r.details.cli;
  if (!c) return '_Not run._';
  return [
    prose.CLI,
    '',
    table(
      ['command', 'median wall time', 'ratio to `node -e 0`'],
      [
        ['`node -e 0`', ms(c.nodeMs, 1), '1'],
        ['`patchwise check fix.yaml`, YAML config, cold code cache', ms(c.coldMs, 1), `**${fmt(c.ratio)}**`],
        ['`patchwise check fix.yaml`, YAML config, warm code cache', ms(c.yamlMs, 1), fmt(c.warmRatio)],
        ['`patchwise check fix.yaml`, TypeScript config, warm', ms(c.tsMs, 1), fmt(c.tsRatio)],
        ['`patchwise init --help` (a verb that needs no simulator, config or plugin)', ms(c.lightVerbMs, 1), fmt(c.lightVerbRatio)],
      ],
    ),
    '',
    `${c.runs} interleaved rounds (all four commands in each). One \`check\` compiles ${fmt(c.chunksLoaded, 0)} of the bundle's ${fmt(c.chunksShipped, 0)} chunks (${fmt(c.chunkKb, 0)} KB of the ${fmt(c.shippedKb, 0)} KB shipped: what a cold start parses), and Node loads ${fmt(c.modulesLoaded, 0)} module files (the launcher and the few outside the bundle).`,
    '',
    `Import cost, each module alone in a fresh process minus \`node -e 0\` (median of ${c.importRuns}; a package's figure includes what it imports, so rows overlap; differences of a few ms are noise):`,
    '',
    table(
      ['module', 'import cost'],
      c.imports.map((i) => [`\`${i.module}\``, ms(i.ms)]),
    ),
    '',
    `Profile of one \`check\` (YAML config; \`--cpu-prof\`, ${ms(c.profileTotalMs)} sampled), self time by package:`,
    '',
    table(
      ['where', 'self time', 'share'],
      c.profile.map((p) => [p.where, ms(p.ms, 1), `${fmt(p.share * 100, 1)} %`]),
    ),
  ].join('\n');
}

function sim(r: Results): string {
  const s = r.details.sim;
  if (!s) return '_Not run._';
  return [
    prose.SIM,
    '',
    `**simOpsPerSec = ${fmt(s.opsPerSec, 0)}** (median of ${s.rounds} rounds of ${fmt(s.opsPerRound, 0)} operations, ${s.tasks} tasks, seed ${s.seed}; every round's kernel log: ${fmt(s.logLines, 0)} lines, sha256 \`${s.logDigest}…\`).`,
    '',
    table(
      ['operation', 'per round', 'of which failed'],
      Object.entries(s.mix).map(([op, m]) => [op, fmt(m.count, 0), fmt(m.failed, 0)]),
    ),
  ].join('\n');
}

function replay(r: Results): string {
  const p = r.details.replay;
  if (!p) return '_Not run._';
  return [prose.REPLAY, '', `**replayAllMs = ${fmt(p.ms, 0)}** (runs: ${p.samplesMs.map((t) => fmt(t, 0)).join(', ')} ms; the CLI reported \`${p.summary}\`, exit ${p.exitCode}).`].join('\n');
}

interface Plan {
  readonly gate: { readonly batches: number; readonly batchMs: number; readonly warmupMs: number };
}

export function renderReport(r: Results, plan: Plan): string {
  return `${[
    '# Benchmarks',
    '',
    '<!-- Generated by `pnpm bench` (bench/src/run.ts): do not edit; run it again. -->',
    '',
    prose.INTRO,
    '',
    '## Results',
    '',
    summary(r),
    '',
    '## Machine',
    '',
    machine(r),
    '',
    '## Method',
    '',
    prose.METHOD,
    '',
    '## Gate overhead (`gateOverheadRatio`)',
    '',
    gate(r, plan),
    '',
    '## Scaling (`marginalScalingRatio`, `replaceFloorRatio`)',
    '',
    scaling(r),
    '',
    '## CLI startup (`cliStartupRatio`)',
    '',
    cli(r),
    '',
    '## Simulator throughput (`simOpsPerSec`)',
    '',
    sim(r),
    '',
    '## Selftest replay (`replayAllMs`)',
    '',
    replay(r),
    '',
    '## What was optimized',
    '',
    prose.OPTIMIZATIONS,
    '',
    '## Targets not met, and what was left alone',
    '',
    prose.LEFT_ALONE,
  ].join('\n')}\n`;
}
