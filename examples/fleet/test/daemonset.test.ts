/**
 * The DaemonSet is validated against the Kubernetes API schema (apps/v1 DaemonSet, as bundled by the
 * `kubernetes-models` package: offline), then checked for what the gate needs on a node.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const FILE = join(dirname(fileURLToPath(import.meta.url)), '..', 'kubernetes', 'patchwise-gate.daemonset.yaml');
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a parsed manifest, checked field by field below
const manifest = (): any => parse(readFileSync(FILE, 'utf8'));

describe('the DaemonSet', () => {
  it('is a valid apps/v1 DaemonSet', () => {
    expect(() => new DaemonSet(manifest()).validate()).not.toThrow();
  });

  it('is refused by the same validation when a field is wrong (the check can fail)', () => {
    const wrongType = manifest();
    wrongType.spec.template.spec.containers[0].securityContext.privileged = 'yes';
    expect(() => new DaemonSet(wrongType).validate()).toThrow(/privileged must be boolean/);
    const noSelector = manifest();
    delete noSelector.spec.selector;
    expect(() => new DaemonSet(noSelector).validate()).toThrow(/selector/);
  });

  it('runs the gate privileged with the host /sys and /lib/modules, and prints the records', () => {
    const ds = manifest();
    const pod = ds.spec.template.spec;
    expect(ds.spec.selector.matchLabels).toEqual(ds.spec.template.metadata.labels);
    const gate = pod.containers.find((c: { name: string }) => c.name === 'gate');
    expect(gate.securityContext.privileged).toBe(true);
    const hostPaths = Object.fromEntries(pod.volumes.filter((v: { hostPath?: unknown }) => v.hostPath).map((v: { name: string; hostPath: { path: string } }) => [v.name, v.hostPath.path]));
    const mounts = Object.fromEntries(gate.volumeMounts.map((m: { name: string; mountPath: string }) => [m.name, m.mountPath]));
    expect(hostPaths.sys).toBe('/sys');
    expect(mounts.sys).toBe('/sys');
    expect(hostPaths.modules).toBe('/lib/modules');
    expect(mounts.modules).toBe('/lib/modules');
    expect(gate.args.join('\n')).toMatch(/patchwise gate load .*\n?.*--decisions \/var\/log\/patchwise\/decisions\.jsonl/);
    const records = pod.containers.find((c: { name: string }) => c.name === 'records');
    expect(records.command).toEqual(['tail', '-n', '+1', '-F', '/var/log/patchwise/decisions.jsonl']);
    expect(ds.spec.template.spec.nodeSelector['patchwise.dev/ring']).toBe(gate.env.find((e: { name: string }) => e.name === 'RING').value);
  });
});
