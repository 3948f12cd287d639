/**
 * The gate's added latency on a real `load`, measured INSIDE a guest running a real kernel (the
 * real-kernel suite runs it: `pnpm bench:kernel`). Both sides end when the patch is live (its
 * sysfs `transition` reads 0): `insmod` alone, then `patchwise gate load` (Node start-up, reading
 * the module and /sys, the decision, insmod, the watch). Rounds alternate the two sides so both
 * see the same guest; each round removes the patch again. Prints one JSON object.
 *
 *   node bench/dist/kernel-gate.js MODULE.ko CONFIG ROUNDS
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './stats.js';

const PATCHWISE = resolve(dirname(fileURLToPath(import.meta.url)), '../../packages/cli/bin/patchwise.cjs');

const [module, config, roundsText = '5'] = process.argv.slice(2);
if (!module || !config) {
  console.error('usage: kernel-gate.js MODULE.ko CONFIG [ROUNDS]');
  process.exit(2);
}
const name = basename(module, '.ko').replaceAll('-', '_');
const dir = `/sys/kernel/livepatch/${name}`;
const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function waitFor(done: () => boolean, what: string): void {
  const start = Date.now();
  while (!done()) {
    if (Date.now() - start > 60_000) throw new Error(`timed out waiting for ${what}`);
    sleep(2);
  }
}

const live = () => existsSync(dir) && readFileSync(join(dir, 'transition'), 'utf8').trim() === '0';

function teardown(): void {
  execFileSync('sh', ['-c', `echo 0 > ${dir}/enabled`]);
  waitFor(() => !existsSync(dir), `${name} to be disabled`);
  execFileSync('rmmod', [name]);
}

function timed(run: () => void): number {
  const start = process.hrtime.bigint();
  run();
  waitFor(live, `${name} to be live`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const insmodMs: number[] = [];
const gateMs: number[] = [];
for (let round = 0; round < Number(roundsText); round += 1) {
  insmodMs.push(timed(() => execFileSync('insmod', [module])));
  teardown();
  gateMs.push(
    timed(() => {
      const r = spawnSync('node', [PATCHWISE, 'gate', 'load', module, '-c', config], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`gate load failed (${r.status}): ${r.stdout}${r.stderr}`);
    }),
  );
  teardown();
}
const insmod = median(insmodMs);
const gate = median(gateMs);
console.log(JSON.stringify({ module: name, rounds: insmodMs.length, insmodMs, gateMs, medianInsmodMs: insmod, medianGateMs: gate, addedMs: gate - insmod, ratio: gate / insmod }));
