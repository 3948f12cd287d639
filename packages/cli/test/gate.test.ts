/**
 * `gate` against a fake kernel on a system tree: the real sysfs reader and the gate's decisions,
 * with the kernel's side of each operation faked as the real kernel behaves.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOutput, gateDisable, gateLoad, gateStatus, gateUnload, type GateEnv, type GateOptions } from '@patchwise/cli';
import { loadManifestFile, type PatchManifest } from '@patchwise/manifest';
import { materializeFixture, type MaterializedFixture } from '@patchwise/qemu';
import { readSystem } from '@patchwise/sysfs';
import { FakeKernel } from './fake-kernel.js';
import { fx, tempPath } from './support.js';

const ACME = fx('patches/acme-fix.yaml');
const BETA = fx('patches/beta-fix.yaml');
const CUMULATIVE = fx('patches/acme-cumulative.yaml');
const byName = new Map([ACME, BETA, CUMULATIVE].map((f) => [loadManifestFile(f).name, loadManifestFile(f)]));

let root: string;
let kernel: FakeKernel;
let stdout: string[];
let stderr: string[];
let clock: number;

function env(): GateEnv {
  return {
    machine: kernel.machine(),
    moduleManifest: (file) => loadManifestFile(file),
    patchModules: (_dir, names) => new Map(names.flatMap((n) => (byName.has(n) ? [[n, byName.get(n) as PatchManifest]] : []))),
    watch: { pollMs: 250, now: () => clock, sleep: async (ms) => void (clock += ms) },
  };
}

const out = () =>
  createOutput({
    color: false,
    stdout: { write: (c: unknown) => (stdout.push(String(c)), true) } as unknown as NodeJS.WritableStream,
    stderr: { write: (c: unknown) => (stderr.push(String(c)), true) } as unknown as NodeJS.WritableStream,
  });

const options = (extra: Partial<GateOptions> = {}): GateOptions => ({ config: fx('configs/vendor-tags.yaml'), ...extra });

const SYSFS_FIXTURES = join(fx('.'), '../../../../fixtures/sysfs');
let fixture: MaterializedFixture | undefined;

/** The fake kernel starts from the tree captured on the real 6.1 kernel with no patch loaded. */
async function setup(stall: string[] = []) {
  await fixture?.cleanup();
  fixture = await materializeFixture(join(SYSFS_FIXTURES, '6.1/no-patches'));
  root = fixture.root;
  kernel = new FakeKernel(root, (file) => loadManifestFile(file), { replaceFile: false, stall: new Set(stall) });
}

beforeEach(async () => {
  stdout = [];
  stderr = [];
  clock = 0;
  await setup();
});
afterEach(async () => {
  await fixture?.cleanup();
  fixture = undefined;
});

const text = () => stdout.join('');
const installed = () => readSystem(root).patches.map((p) => `${p.name}:${p.enabled ? 1 : 0}${p.transition ? 't' : ''}`);
const modules = () => readFileSync(join(root, 'proc/modules'), 'utf8');

describe('gate load', () => {
  it('allows acme, loads it, and it is live', async () => {
    expect(await gateLoad(out(), env(), ACME, options())).toBe(0);
    expect(installed()).toEqual(['acme_fix:1']);
    expect(text()).toContain(`gate load ${ACME}`);
    expect(text()).toContain("gate transition: 'acme_fix' patched (patching complete)");
    expect(text()).toContain("gate 'acme_fix' is live");
  });

  it("refuses beta's patch of the same function: the kernel is never touched", async () => {
    await gateLoad(out(), env(), ACME, options());
    kernel.calls.length = 0;
    stdout = [];
    expect(await gateLoad(out(), env(), BETA, options())).toBe(1);
    expect(kernel.calls).toEqual([]);
    expect(modules()).not.toContain('beta_fix');
    expect(text()).toContain('function-vendor-mismatch');
    expect(text()).toContain("refused: 'beta_fix' not loaded; the kernel was not touched");
  });

  it("allows acme's cumulative replace, and the replaced patch is gone", async () => {
    await gateLoad(out(), env(), ACME, options());
    expect(await gateLoad(out(), env(), CUMULATIVE, options())).toBe(0);
    expect(installed()).toEqual(['acme_cumulative:1']);
    expect(text()).toContain("replaced: 'acme_fix' no longer installed");
  });

  it('--dry-run decides and touches nothing', async () => {
    expect(await gateLoad(out(), env(), ACME, options({ dryRun: true }))).toBe(0);
    expect(kernel.calls).toEqual([]);
    expect(installed()).toEqual([]);
    expect(text()).toContain(`dry run: would load ${ACME}`);
  });

  it('a refused dry run exits 1 too', async () => {
    await gateLoad(out(), env(), ACME, options());
    expect(await gateLoad(out(), env(), BETA, options({ dryRun: true }))).toBe(1);
  });

  it('--decisions appends one record per decision', async () => {
    const log = tempPath('decisions.jsonl');
    await gateLoad(out(), env(), ACME, options({ decisions: log }));
    await gateLoad(out(), env(), BETA, options({ decisions: log }));
    const records = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { patch: string; outcome: string });
    expect(records.map((r) => [r.patch, r.outcome])).toEqual([
      ['acme_fix', 'allowed'],
      ['beta_fix', 'denied'],
    ]);
  });

  it('a kernel error is reported with its errno and meaning, exit 1', async () => {
    // The module is loaded but its patch was disabled: the kernel says EEXIST on insmod.
    writeFileSync(join(root, 'proc/modules'), 'acme_fix 16384 0 - Live 0x0000000000000000 (OEK)\n');
    expect(await gateLoad(out(), env(), ACME, options({ config: 'none' }))).toBe(1);
    expect(text()).toContain("module 'acme_fix' is already loaded");
  });
});

describe('gate disable / unload', () => {
  it('disables through the preUnpatch gate, then unloads', async () => {
    await gateLoad(out(), env(), ACME, options());
    expect(await gateDisable(out(), env(), 'acme_fix', options())).toBe(0);
    expect(installed()).toEqual([]);
    expect(text()).toContain('write 0 to /sys/kernel/livepatch/acme_fix/enabled');
    expect(await gateUnload(out(), env(), 'acme_fix', options())).toBe(0);
    expect(modules()).not.toContain('acme_fix');
  });

  it('unload of an enabled patch disables it first', async () => {
    await gateLoad(out(), env(), ACME, options());
    expect(await gateUnload(out(), env(), 'acme_fix', options())).toBe(0);
    expect(kernel.calls.slice(1)).toEqual(['write acme_fix/enabled=0', 'unload acme_fix']);
  });

  it('--dry-run on disable and unload touches nothing', async () => {
    await gateLoad(out(), env(), ACME, options());
    kernel.calls.length = 0;
    expect(await gateDisable(out(), env(), 'acme_fix', options({ dryRun: true }))).toBe(0);
    expect(await gateUnload(out(), env(), 'acme_fix', options({ dryRun: true }))).toBe(0);
    expect(kernel.calls).toEqual([]);
    expect(installed()).toEqual(['acme_fix:1']);
  });

  it('a stalled unpatching transition is forced by the transition policy at its retry', async () => {
    await setup(['acme_fix']);
    // Patching stalls too: force it through the kernel's own file before the test proper.
    await gateLoad(out(), env(), ACME, options({ config: 'none', timeout: '1' }));
    kernel.write('acme_fix', 'force', '1');
    stdout = [];
    expect(await gateDisable(out(), env(), 'acme_fix', options({ config: fx('configs/gate-force-unpatch.yaml') }))).toBe(0);
    expect(text()).toContain("transition: 'acme_fix' unpatching, retry 1: 1 task pending (kworker_sleeper/4242)");
    expect(text()).toContain("a policy asked to force the unpatching transition of 'acme_fix' at retry 3: write 1 to force");
    expect(text()).toContain("'acme_fix' unpatched (unpatching complete, forced)");
    expect(installed()).toEqual([]);
    // A forced unpatch pins the module until reboot.
    stdout = [];
    expect(await gateUnload(out(), env(), 'acme_fix', options())).toBe(1);
    expect(stderr.join('')).toContain('EAGAIN (Resource temporarily unavailable): the patch is still enabled (or a forced transition pinned its module until reboot)');
  });

  it('writing the state a patch already has: EINVAL with its meaning, exit 1', async () => {
    await setup(['acme_fix']);
    await gateLoad(out(), env(), ACME, options({ config: 'none', timeout: '1' }));
    kernel.write('acme_fix', 'force', '1');
    // The first disable stalls and gives up waiting; the patch stays in its unpatching transition.
    expect(await gateDisable(out(), env(), 'acme_fix', options({ config: 'none', timeout: '2' }))).toBe(1);
    expect(installed()).toEqual(['acme_fix:0t']);
    expect(await gateDisable(out(), env(), 'acme_fix', options({ config: 'none' }))).toBe(1);
    expect(stderr.join('')).toContain('EINVAL (Invalid argument): the patch already has this state (writing the same value twice)');
  });

  it('disabling a patch that is not installed: ENOENT, exit 1', async () => {
    expect(await gateDisable(out(), env(), 'nope', options())).toBe(1);
    expect(stderr.join('')).toContain('ENOENT (No such file or directory): the patch is not installed');
  });
});

describe('gate status', () => {
  it('shows what sysfs shows, with vendor and version from the modules', async () => {
    await gateLoad(out(), env(), ACME, options());
    stdout = [];
    expect(gateStatus(out(), env(), { format: 'json' })).toBe(0);
    expect(JSON.parse(text())).toEqual({
      release: readFileSync(join(SYSFS_FIXTURES, '6.1/no-patches/proc/sys/kernel/osrelease'), 'utf8').trim(),
      patches: [
        {
          name: 'acme_fix',
          enabled: true,
          transition: false,
          replace: null,
          stackOrder: null,
          vendor: 'acme',
          version: '1.0.0',
          objects: [{ name: 'vmlinux', patched: true, functions: [{ name: 'cmdline_proc_show', sympos: 1 }] }],
        },
      ],
      disabledModules: [],
      unknown: ['whether each patch replaces others (no `replace` file before Linux 6.11)'],
    });
    stdout = [];
    gateStatus(out(), env(), {});
    expect(text()).toContain('  acme_fix [enabled] replace: ?; vendor acme, version 1.0.0\n    vmlinux: cmdline_proc_show,1');
  });
});
