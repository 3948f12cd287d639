/**
 * The build script's own output, read: every module of kernel/modules as built by
 * scripts/build-kernel-modules.sh, in each variant (debug info, stripped, signed). The kernel suite
 * builds the modules and points PATCHWISE_KMOD_BUILT at the output (a folder per series, e.g.
 * DIR/6.1, DIR/6.12, or a single series' folder). Without it `pnpm test` skips this file and says
 * so; in CI (CI=true) it builds 6.1 itself, and a failed build fails the test.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readCertificate, verifySignature } from '@patchwise/kmod';
import { expectModule } from './check-module.js';
import { LIVEPATCH_MODULES } from './expected.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const given = process.env.PATCHWISE_KMOD_BUILT;
const inCi = process.env.CI === 'true';
const reason = 'set PATCHWISE_KMOD_BUILT=DIR (scripts/build-kernel-modules.sh output) to check real builds';

function seriesDirs(dir: string): { series: string; dir: string }[] {
  if (existsSync(join(dir, 'build-info.txt'))) {
    const release = /^release: (\d+\.\d+)/m.exec(readFileSync(join(dir, 'build-info.txt'), 'utf8'))?.[1] ?? '';
    return [{ series: release, dir }];
  }
  return readdirSync(dir)
    .filter((d) => existsSync(join(dir, d, 'build-info.txt')))
    .map((d) => ({ series: d, dir: join(dir, d) }));
}

describe.skipIf(!given && !inCi)(`modules from scripts/build-kernel-modules.sh${given || inCi ? '' : ` (skipped: ${reason})`}`, () => {
  let built = given;
  let temp: string | undefined;
  if (!built) {
    temp = mkdtempSync(join(tmpdir(), 'patchwise-kmod-build-'));
    built = join(temp, '6.1');
  }
  afterAll(() => {
    if (temp) rmSync(temp, { recursive: true, force: true });
  });

  it('the build output holds every variant of every module', { timeout: 15 * 60_000 }, () => {
    if (temp) execFileSync(join(ROOT, 'scripts', 'build-kernel-modules.sh'), ['6.1', built as string], { stdio: 'inherit' });
    const dirs = seriesDirs(built as string);
    expect(dirs.length).toBeGreaterThan(0);
    for (const { series, dir } of dirs) {
      const cert = readCertificate(readFileSync(join(dir, 'signing_cert.pem')));
      for (const name of Object.keys(LIVEPATCH_MODULES)) {
        for (const variant of ['debug', 'nodebug', 'signed']) {
          const bytes = new Uint8Array(readFileSync(join(dir, variant, `${name}.ko`)));
          const m = expectModule(bytes, name, series);
          if (variant === 'signed') expect(verifySignature(bytes, cert).valid, `${series}/${variant}/${name}`).toBe(true);
          else expect(m.signature).toBeNull();
        }
      }
      expect(existsSync(join(dir, 'nodebug', 'pw_target.ko'))).toBe(true);
    }
  });
});
