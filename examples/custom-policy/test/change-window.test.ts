import { describe, expect, it } from 'vitest';
import { PolicyTester } from '@patchwise/testing';
// The source, not the build: editing src/ and running the tests tests the edit.
import { changeWindow } from '../src/index.js';

PolicyTester.describe = describe;
PolicyTester.it = it;

const fix = { name: 'acme-fix', vendor: 'acme', functions: ['cmdline_proc_show'] };
// 2026-11-24 is a Tuesday.
const tuesdayMorning = '2026-11-24T10:15:00Z';
const tuesdayNight = '2026-11-24T23:30:00Z';
const saturday = '2026-11-28T10:15:00Z';

new PolicyTester().run(changeWindow, {
  valid: [
    { name: 'inside the default window', now: tuesdayMorning, enable: fix },
    { name: 'an emergency outside the window warns', now: saturday, enable: { ...fix, tags: ['emergency'] }, options: { emergencyTag: 'emergency' }, warnings: ['emergency'] },
    { name: 'a window of our own', now: saturday, enable: fix, options: { windows: [{ days: ['sat'], from: '10:00', to: '11:00' }] } },
    { name: 'disable inside the window', now: tuesdayMorning, installed: [fix], disable: 'acme-fix' },
  ],
  invalid: [
    {
      name: 'outside the window at night',
      now: tuesdayNight,
      enable: fix,
      errors: [{ code: 'outside-window', message: "enable of 'acme-fix' at tue 23:30 UTC is outside the change windows: mon,tue,wed,thu 09:00-16:00" }],
    },
    { name: 'the window end is exclusive', now: '2026-11-24T16:00:00Z', enable: fix, errors: ['outside-window'] },
    { name: 'the emergency tag only counts when configured', now: saturday, enable: { ...fix, tags: ['emergency'] }, errors: ['outside-window'] },
    { name: 'disable outside the window', now: saturday, installed: [fix], disable: 'acme-fix', errors: [{ code: 'outside-window', data: { operation: 'disable' } }] },
  ],
});

describe('change-window options', () => {
  const tester = new PolicyTester();
  it('refuses a malformed time, naming the option', async () => {
    await expect(
      tester.runCase(changeWindow, { enable: fix, options: { windows: [{ days: ['mon'], from: '9am', to: '17:00' }] } }),
    ).rejects.toThrow(/option `windows\[0\]\.from`: expected a 24-hour time like `09:30`/);
  });
  it('refuses an unknown day', async () => {
    await expect(tester.runCase(changeWindow, { enable: fix, options: { windows: [{ days: ['funday'], from: '09:00', to: '17:00' }] } })).rejects.toThrow(
      /option `windows\[0\]\.days\[0\]`/,
    );
  });
});
