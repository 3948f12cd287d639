/**
 * Every example scenario on a real kernel: `patchwise run --compare` runs each on the simulator and
 * on Debian's kernel under QEMU (one guest for all of them), and every difference it finds must be
 * explained in the example's README, section "On a real kernel" (the list is read from there, never
 * written here). 6.12 always; 6.1 too with PATCHWISE_COMPARE_KERNELS="6.12 6.1".
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { documentedDifferences, unexplained, type Difference } from '@patchwise/cli';
import { realKernelUnavailable } from '@patchwise/qemu';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const PATCHWISE = join(REPO, 'packages/cli/bin/patchwise.cjs');
const unavailable = await realKernelUnavailable();
const inCi = process.env['CI'] === 'true';
const KERNELS = (process.env['PATCHWISE_COMPARE_KERNELS'] ?? '6.12').split(/\s+/).filter(Boolean);

/** Every example scenario: the experiments' folders and the config-driven example. */
const SCENARIOS = [
  ...readdirSync(join(REPO, 'examples/experiments'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && /^\d\d-/.test(d.name))
    .flatMap((d) => readdirSync(join(REPO, 'examples/experiments', d.name)).filter((f) => f.endsWith('.scenario.yaml')).map((f) => `examples/experiments/${d.name}/${f}`)),
  'examples/config-driven/rollout.scenario.yaml',
].sort();

interface Line {
  type: string;
  file?: string;
  name?: string;
  passed?: boolean;
  notPerformable?: number;
  step?: number;
  kind?: Difference['kind'];
  lines?: string[];
}

function compare(series: string): Promise<{ code: number; lines: Line[]; stderr: string }> {
  // The config-driven example's scenario uses its folder's config; the experiments carry their own.
  const args = [PATCHWISE, 'run', '--compare', '--kernel', series, '--format', 'json', '--config', 'examples/config-driven/patchwise.config.yaml', ...SCENARIOS];
  return new Promise((done) => {
    execFile('node', args, { cwd: REPO, maxBuffer: 1 << 26, timeout: 3_000_000 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? 70) : 0;
      done({ code: typeof code === 'number' ? code : 70, lines: stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line), stderr });
    });
  });
}

if (unavailable && !inCi) console.warn(`real-kernel comparison of the examples skipped: ${unavailable}`);

describe.runIf(unavailable && inCi)('the examples on a real kernel, in CI', () => {
  it('has QEMU and the tools to boot a kernel', () => {
    expect.fail(`CI must run the real-kernel suite, but ${unavailable}`);
  });
});

describe.skipIf(unavailable).each(KERNELS)('every example scenario, simulator against the real %s', (series) => {
  it('differs only where the example README explains it', async () => {
    const started = Date.now();
    const { code, lines, stderr } = await compare(series);
    console.log(`run --compare of ${SCENARIOS.length} scenarios on ${series}: ${Math.round((Date.now() - started) / 1000)} s\n${stderr}`);
    expect([0, 1], stderr).toContain(code);
    // One result per scenario, in order: none died on the way.
    const results = lines.filter((l) => l.type === 'result');
    expect(results.length, stderr).toBe(SCENARIOS.length);
    const failures: string[] = [];
    let scenario = '';
    const found = new Map<string, Difference[]>();
    const verdicts = new Map<string, Line>();
    for (const line of lines) {
      if (line.type === 'scenario') scenario = line.file as string;
      if (line.type === 'result') verdicts.set(scenario, line);
      if (line.type === 'difference') found.set(scenario, [...(found.get(scenario) ?? []), { step: line.step as number, name: line.name as string, kind: line.kind as Difference['kind'], lines: line.lines ?? [] }]);
    }
    // Every line is attributed to one of the scenarios asked for (else a difference could go unchecked).
    expect([...verdicts.keys()].sort()).toEqual(SCENARIOS);
    expect([...found.keys()].filter((f) => !SCENARIOS.includes(f))).toEqual([]);
    for (const file of SCENARIOS) {
      const readme = readFileSync(join(REPO, dirname(file), 'README.md'), 'utf8');
      for (const d of unexplained(found.get(file) ?? [], file, series, documentedDifferences(readme))) {
        failures.push(`${relative(REPO, join(REPO, file))} step ${d.step} \`${d.name}\` ${d.kind}:\n    ${d.lines.join('\n    ')}`);
      }
    }
    // `run --vm`'s own verdicts: what a real kernel can hold runs and passes; a worker asleep in a
    // vmlinux function is reported as not performable, and the scenario fails.
    const S07 = 'examples/experiments/07-stalled-transition';
    expect(verdicts.get(`${S07}/module-worker.scenario.yaml`)).toMatchObject({ passed: true, notPerformable: 0 });
    expect(verdicts.get('examples/experiments/02-two-vendors-one-function/2-vendor-tags.scenario.yaml')).toMatchObject({ passed: true, notPerformable: 0 });
    for (const name of ['kernel', 'force', 'reverse']) {
      const verdict = verdicts.get(`${S07}/${name}.scenario.yaml`);
      expect(verdict?.passed).toBe(false);
      expect(verdict?.notPerformable).toBeGreaterThan(0);
    }
    expect(failures, `differences not explained under "On a real kernel" in the example's README:\n${failures.join('\n')}`).toEqual([]);
  });
});
