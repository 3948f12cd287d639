/**
 * Time an operator's fleet lives in: days of machine time, a daily timer that tries the feed, and
 * the exposure window (publication to load) measured on the machine's clock.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig, policyEntries } from '@patchwise/config';
import { Diagnostic } from '@patchwise/diagnostics';
import { parseScenario, runScenario, type ScenarioResult } from '@patchwise/scenario';

const FILE = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'inline.scenario.yaml');

const head = (delay: string) => `# delay ${delay}
name: timer
machine: {time: "2026-03-02T06:00:00Z"}
patches:
  - {name: fix_a, vendor: acme, published: "2026-03-02T09:00:00Z", functions: [cmdline_proc_show]}
  - {name: fix_b, vendor: acme, published: "2026-03-04T20:15:00Z", functions: [meminfo_proc_show]}
  - {name: fix_old, vendor: acme, functions: [version_proc_show]}
steps:
`;

async function run(text: string): Promise<ScenarioResult> {
  const delay = /^# delay (\S+)/.exec(text)?.[1] ?? '0m';
  const policies = policyEntries(await loadConfig({ config: { plugins: [{ plugin: 'rollout', options: { delay } }] } }));
  return runScenario(parseScenario(text, FILE), { policies });
}
const messages = (r: ScenarioResult) => r.expectations.map((e) => `${e.passed ? 'ok' : 'FAIL'} ${e.message}`);
const loads = (r: ScenarioResult) =>
  r.events.flatMap((e) => (e.type === 'log' && e.record.text.startsWith('% insmod') ? [`${Math.round(e.record.time / 3_600_000)}h ${e.record.text}`] : []));

function parseError(text: string): string {
  try {
    parseScenario(text, FILE);
  } catch (err) {
    if (err instanceof Diagnostic) return err.message;
    throw err;
  }
  throw new Error('the scenario parsed');
}

describe('timer and exposure', () => {
  it('tries each published, not yet loaded patch at every run, on schedule, and measures its exposure', async () => {
    const r = await run(
      head('24h') +
        '  - timer: {every: 24h, until: "2026-03-07T06:00:00Z", load: [fix_a, fix_b]}\n' +
        '  - expect: {exposure: {patch: fix_a, min: 24h, max: 48h}}\n' +
        '  - expect: {exposure: {patch: fix_b}}\n',
    );
    // Hours since boot (06:00 on 2 March): fix_a is published at 3h, eligible at 27h, tried at 24h
    // (too new) and loaded at 48h; fix_b is published at 62h, eligible at 86h: tried at 72h, loaded at 96h.
    expect(loads(r)).toEqual([
      '24h % insmod test_modules/fix_a.ko',
      '48h % insmod test_modules/fix_a.ko',
      '72h % insmod test_modules/fix_b.ko',
      '96h % insmod test_modules/fix_b.ko',
    ]);
    expect(messages(r)).toEqual([
      "ok exposure of 'fix_a': 1d 21h (published 2026-03-02T09:00:00Z, loaded 2026-03-04T06:00:00Z), within 1d..2d",
      "ok exposure of 'fix_b': 1d 9h 45m (published 2026-03-04T20:15:00Z, loaded 2026-03-06T06:00:00Z)",
    ]);
    expect(r.passed).toBe(true);
  });

  it('fails an exposure out of bounds, of a patch never loaded, and of a patch without `published`', async () => {
    const r = await run(
      head('7d') +
        '  - timer: {every: 12h, until: "2026-03-05T06:00:00Z", load: [fix_a, fix_old]}\n' +
        '  - expect: {exposure: {patch: fix_a, max: 1d}}\n' +
        '  - expect: {exposure: {patch: fix_old, max: 1d}}\n' +
        '  - timer: {every: 7d, until: "2026-03-12T06:00:00Z", load: [fix_a]}\n' +
        '  - expect: {exposure: {patch: fix_a, max: 1d}}\n',
    );
    expect(messages(r)).toEqual([
      "FAIL exposure of 'fix_a', at most 1d, but it was never loaded (published 2026-03-02T09:00:00Z)",
      "FAIL exposure of 'fix_old': it has no `published` date",
      "FAIL exposure of 'fix_a', at most 1d, got 9d 21h (published 2026-03-02T09:00:00Z, loaded 2026-03-12T06:00:00Z)",
    ]);
    // fix_old has no date: tried at the first run (allowed with a warning) and never again.
    expect(loads(r).filter((l) => l.includes('fix_old'))).toEqual(['0h % insmod test_modules/fix_old.ko']);
    expect(r.passed).toBe(false);
  });

  it('refuses to pass days under a busy task, and more than a year of daily runs', async () => {
    const busy = await run(head('0m').replace('steps:', 'tasks: [{name: spin, behavior: getpid-loop}]\nsteps:') + '  - timer: {every: 24h, until: "2026-03-07T06:00:00Z", load: [fix_a]}\n');
    expect(busy.failure?.message).toMatch(/a busy task \(`spin`\)/);
    const long = await run(head('0m') + '  - timer: {every: 1h, until: "2027-03-07T06:00:00Z", load: [fix_a]}\n');
    expect(long.failure?.message).toMatch(/more than 366 times/);
  });

  it('refuses a timer it cannot read', () => {
    expect(parseError(head('0m') + '  - timer: {every: 24h, until: "2026-03-07T06:00", load: [fix_a]}\n')).toMatch(/`until` is an ISO 8601 date-time with an offset/);
    expect(parseError(head('0m') + '  - timer: {every: 1 day, until: "2026-03-07T06:00:00Z", load: [fix_a]}\n')).toMatch(/expected a duration/);
    expect(parseError(head('0m') + '  - timer: {every: 24h, until: "2026-03-07T06:00:00Z", load: []}\n')).toMatch(/`load` is a list of patch names/);
    expect(parseError(head('0m') + '  - expect: {exposure: {patch: fix_a, min: 2d, max: 1d}}\n')).toMatch(/`exposure.min` is more than `exposure.max`/);
  });
});
