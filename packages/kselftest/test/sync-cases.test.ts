/**
 * `pnpm sync-cases` refreshes only the shared cases: a shared case reusing the id of one of our own
 * (cases-patchwise/) is refused before anything is copied.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CASES_DIR, OWN_CASES_DIR } from '@patchwise/kselftest';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '../../../scripts/sync-cases.mjs');

describe('sync-cases', () => {
  it('refuses a shared case with the id of one of our own cases, and copies nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-sync-'));
    try {
      const before = readdirSync(CASES_DIR);
      writeFileSync(join(dir, 'aaa-new.yaml'), "id: shared/new\ntitle: t\nops: []\nexpect: ''\n");
      copyFileSync(join(OWN_CASES_DIR, 'init--bad-sympos.yaml'), join(dir, 'zz.yaml'));
      const r = spawnSync(process.execPath, [SCRIPT, dir], { encoding: 'utf8' });
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/zz\.yaml \(id init\/bad-sympos, also cases-patchwise\/init--bad-sympos\.yaml\); nothing copied/);
      expect(readdirSync(CASES_DIR)).toEqual(before);
    } finally {
      // Should the script copy after all, the repository keeps nothing of the test.
      rmSync(join(CASES_DIR, 'aaa-new.yaml'), { force: true });
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
