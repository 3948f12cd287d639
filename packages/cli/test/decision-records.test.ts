/**
 * Decision records a fleet collects: every record `--decisions` and `--format json` write is valid
 * against the JSON Schema the package ships, with a unique id, the labels of config and command
 * line, the host facts, and a policy revision that changes with what decides and only with that.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { cli, fx, tempPath } from './support.js';

const require = createRequire(import.meta.url);
const schema = JSON.parse(readFileSync(require.resolve('@patchwise/cli/decision-record.schema.json'), 'utf8')) as object;
const ajv = new Ajv2020({ allErrors: true, strict: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
const validate = ajv.compile(schema);

const records = (file: string) => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
const expectValid = (record: unknown) => expect(validate(record) ? [] : validate.errors).toEqual([]);

function config(text: string): string {
  const file = tempPath('patchwise.config.yaml');
  writeFileSync(file, text);
  return file;
}

describe('decision records', () => {
  it('`--decisions` writes records valid against the shipped schema, with labels, host facts and a revision', async () => {
    const log = tempPath('decisions.jsonl');
    const cfg = config('plugins: [vendor-tags]\nlabels: {ring: beta, site: fra1}\n');
    const scenario = tempPath('fleet.scenario.yaml');
    writeFileSync(scenario, readFileSync(fx('scenarios/pass.scenario.yaml'), 'utf8').replace('config: {plugins: [vendor-tags]}\n', ''));
    const r = await cli(['run', '--config', cfg, '--decisions', log, '--label', 'site=ams2', '--label', 'team=kernel', scenario]);
    expect(r.code, r.stderr).toBe(0);
    const written = records(log);
    expect(written.length).toBeGreaterThan(1);
    for (const record of written) expectValid(record);
    expect(written[0]).toMatchObject({
      format: 'patchwise-decision/1',
      labels: { ring: 'beta', site: 'ams2', team: 'kernel' },
      host: { kind: 'simulated', kernelRelease: expect.any(String) as unknown },
      policyRevision: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) as unknown,
    });
    expect(new Set(written.map((w) => w.decisionId)).size).toBe(written.length);
  });

  it('`--format json` decision lines carry the same fields and validate too', async () => {
    const r = await cli(['check', '--format', 'json', '--config', fx('configs/vendor-tags.yaml'), fx('patches/acme-fix.yaml'), fx('patches/beta-fix.yaml')]);
    const decisions = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.type === 'decision');
    expect(decisions).toHaveLength(2);
    for (const d of decisions) expectValid(d);
  });

  it('the revision is the same for the same policies written differently, and differs when options differ', async () => {
    const revision = async (text: string) => {
      const r = await cli(['check', '--format', 'json', '--config', config(text), fx('patches/acme-fix.yaml')]);
      expect(r.code, r.stderr).toBe(0);
      return (r.stdout.split('\n').map((l) => (l ? (JSON.parse(l) as { type: string; policyRevision?: string }) : undefined)).find((l) => l?.type === 'decision') as { policyRevision: string }).policyRevision;
    };
    const a = await revision('plugins:\n  - {plugin: vendor-tags, options: {sameFunction: same-vendor, replace: same-vendor}}\nlabels: {ring: edge}\n');
    const b = await revision('labels: {ring: stable}\nplugins:\n  - {plugin: vendor-tags, options: {replace: same-vendor, sameFunction: same-vendor}}\n');
    const c = await revision('plugins:\n  - {plugin: vendor-tags, options: {sameFunction: any}}\n');
    const d = await revision('plugins:\n  - {plugin: vendor-tags, severity: warn, options: {sameFunction: same-vendor, replace: same-vendor}}\n');
    expect(a).toBe(b);
    expect(new Set([a, c, d]).size).toBe(3);
  });

  it('a bad `--label` or config `labels` is bad input', async () => {
    const flag = await cli(['check', '--label', 'no-equals', fx('patches/acme-fix.yaml')]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('`--label no-equals` is not `key=value`');
    const key = await cli(['check', '--config', config('labels: {"-bad": x}\n'), fx('patches/acme-fix.yaml')]);
    expect(key.code).toBe(2);
    expect(key.stderr).toContain('label key `-bad`: 1 to 63 letters');
  });

  it('the schema itself refuses what a record must not be', () => {
    const good = { format: 'patchwise-decision/1', decisionId: '3f1c7a52-9a2b-4c3d-8e4f-5a6b7c8d9e0f', id: 1, time: '2026-01-01T00:00:00.000Z', operation: 'enable', gate: 'prePatch', patch: 'p', policies: [], findings: [], outcome: 'allowed', audit: false, labels: {}, host: { kind: 'simulated', kernelRelease: '6.1.0' }, policyRevision: `sha256:${'a'.repeat(64)}` };
    expect(validate(good)).toBe(true);
    expect(validate({ ...good, decisionId: 'not-a-uuid' })).toBe(false);
    expect(validate({ ...good, outcome: 'maybe' })).toBe(false);
    expect(validate({ ...good, extra: 1 })).toBe(false);
    const { labels: _labels, ...withoutLabels } = good;
    expect(validate(withoutLabels)).toBe(false);
  });
});
