import { describe, expect, it } from 'vitest';
import { CASES_DIR, caseFiles, EXTRA_CASES_DIR, loadCase, OWN_CASES_DIR, runCase } from '@patchwise/kselftest';

// The kernel's own selftests: the simulated kernel must print exactly the lines they expect.
describe.each([
  ['kernel selftest cases', CASES_DIR],
  ['further selftests transcribed from the kernel scripts', EXTRA_CASES_DIR],
  ['our own cases, written from real-kernel runs', OWN_CASES_DIR],
])('%s', (_label, dir) => {
  const files = caseFiles(dir);

  it('are all present', () => {
    expect(files.length).toBeGreaterThan(5);
  });

  it.each(files.map((file) => [file.split('/').pop() ?? file, file]))('%s replays byte-exact', async (_name, file) => {
    const result = await runCase(loadCase(file));
    expect(result.failure).toBeUndefined();
    expect(result.output).toEqual(result.expected);
  });
});
