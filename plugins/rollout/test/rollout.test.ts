import { describe, expect, it } from 'vitest';
import { PolicyTester } from '@patchwise/testing';
import { formatDuration, parseDuration, rollout } from '@patchwise/plugin-rollout';

PolicyTester.describe = describe;
PolicyTester.it = it;

const fix = (published?: string, extra: Record<string, unknown> = {}) => ({
  name: 'acme_fix',
  vendor: 'acme',
  functions: ['cmdline_proc_show'],
  ...(published === undefined ? {} : { published }),
  ...extra,
});
const rings = { edge: '0h', beta: '24h', stable: '7d' };

new PolicyTester({ now: '2026-03-10T12:00:00Z' }).run(rollout, {
  valid: [
    { name: 'no delay: a published patch loads at once', enable: fix('2026-03-10T11:59:00Z') },
    { name: 'delay passed', options: { delay: '48h' }, enable: fix('2026-03-08T12:00:00Z') },
    { name: 'an offset is honoured (10:00+02:00 is 08:00Z)', options: { delay: '4h' }, enable: fix('2026-03-10T10:00:00+02:00') },
    { name: 'edge ring gets it at once', options: { rings, ring: 'edge' }, enable: fix('2026-03-10T12:00:00Z') },
    { name: 'stable ring after a week', options: { rings, ring: 'stable' }, enable: fix('2026-03-03T12:00:00Z') },
    { name: 'published exactly at the cut-off', options: { cutoff: '2026-03-01T00:00:00Z' }, enable: fix('2026-03-01T00:00:00Z') },
    {
      name: 'disable is never judged, even after the cut-off',
      options: { cutoff: '2026-01-01T00:00:00Z', requirePublished: true },
      installed: [fix('2026-02-01T00:00:00Z')],
      disable: 'acme_fix',
    },
    {
      name: 'a cumulative patch is judged by its own date, not by what it replaces',
      options: { delay: '7d' },
      installed: [{ ...fix('2026-03-10T00:00:00Z'), name: 'acme_old' }],
      enable: fix('2026-03-01T00:00:00Z', { replace: true }),
    },
    { name: 'unpublished: allowed with a warning', enable: fix(), warnings: ['unpublished'] },
  ],
  invalid: [
    {
      name: 'too new for the delay: says when it becomes eligible',
      options: { delay: '48h' },
      enable: fix('2026-03-09T18:00:00Z'),
      errors: [
        {
          code: 'too-new',
          data: { eligible: '2026-03-11T18:00:00Z', remaining: '1d 6h' },
          message:
            "patch 'acme_fix' was published at 2026-03-09T18:00:00Z; with `delay` (`48h`) it becomes eligible at 2026-03-11T18:00:00Z, 1d 6h from now (2026-03-10T12:00:00Z)",
        },
      ],
    },
    {
      name: "the ring's delay applies instead of `delay`",
      options: { delay: '0m', rings, ring: 'beta' },
      enable: fix('2026-03-10T00:00:00Z'),
      errors: [{ code: 'too-new', message: /with ring `beta` \(`24h`\) it becomes eligible at 2026-03-11T00:00:00Z/ }],
    },
    {
      name: 'published after the cut-off',
      options: { cutoff: '2026-03-01T00:00:00Z' },
      enable: fix('2026-03-01T00:00:01Z'),
      errors: [{ code: 'after-cutoff', data: { cutoff: '2026-03-01T00:00:00Z' } }],
    },
    {
      name: 'a cumulative patch too new is refused even when what it replaces is old',
      options: { delay: '7d' },
      installed: [{ ...fix('2026-01-01T00:00:00Z'), name: 'acme_old' }],
      enable: fix('2026-03-09T00:00:00Z', { replace: true }),
      errors: ['too-new'],
    },
    { name: 'unpublished with `requirePublished`', options: { requirePublished: true }, enable: fix(), errors: ['unpublished'] },
    {
      name: 'a `published` in metadata that is no date fails closed',
      enable: { ...fix(), metadata: { published: 'last tuesday' } },
      errors: [{ code: 'invalid-published', data: { value: 'last tuesday' } }],
    },
  ],
});

describe('rollout options', () => {
  const tester = new PolicyTester({ now: '2026-03-10T12:00:00Z' });
  const bad = (options: unknown) => () => tester.runCase(rollout, { options, enable: fix('2026-03-01T00:00:00Z') });

  it('refuses an unknown ring, naming the known ones', async () => {
    await expect(bad({ rings, ring: 'canary' })()).rejects.toThrow(/unknown ring `canary`; the configured rings are `edge`, `beta`, `stable`/);
  });
  it('refuses a ring without rings, and rings without a ring', async () => {
    await expect(bad({ ring: 'beta' })()).rejects.toThrow(/no `rings` are configured/);
    await expect(bad({ rings })()).rejects.toThrow(/say which ring this host is in/);
  });
  it('refuses durations it cannot read, and a cut-off without an offset', async () => {
    await expect(bad({ delay: '3 days' })()).rejects.toThrow(/expected a duration/);
    await expect(bad({ delay: '1y' })()).rejects.toThrow(/expected a duration/);
    await expect(bad({ delay: '99999w' })()).rejects.toThrow(/at most 3650 days/);
    await expect(bad({ cutoff: '2026-03-01T00:00:00' })()).rejects.toThrow(/with an offset/);
  });
});

describe('durations', () => {
  it('reads the units and sums', () => {
    expect(parseDuration('90m')).toBe(90 * 60_000);
    expect(parseDuration('48h')).toBe(48 * 3_600_000);
    expect(parseDuration('2w')).toBe(14 * 86_400_000);
    expect(parseDuration('1d12h')).toBe(36 * 3_600_000);
    expect(parseDuration('0h')).toBe(0);
  });
  it('refuses what is not a duration', () => {
    for (const text of ['', 'h', '12', '1.5h', '-1h', '1 h', '1d 2h', '1H']) expect(parseDuration(text)).toBeUndefined();
  });
  it('formats largest units first', () => {
    expect(formatDuration(30 * 3_600_000)).toBe('1d 6h');
    expect(formatDuration(45 * 60_000)).toBe('45m');
    expect(formatDuration(0)).toBe('0m');
  });
});
