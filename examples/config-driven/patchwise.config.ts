// The same setup as patchwise.config.yaml, typed, plus the team's own change-window policy
// (examples/custom-policy), loaded by package name. Use it with `--config` or rename it to be found.
import { defineConfig } from '@patchwise/config';
import { readFileSync } from 'node:fs';

const key = (vendor: string) => readFileSync(new URL(`./keys/${vendor}.pub`, import.meta.url), 'utf8');

export default defineConfig({
  extends: 'patchwise:recommended',
  plugins: [
    {
      plugin: 'vendor-tags',
      options: {
        sameFunction: 'same-vendor',
        replace: 'same-vendor',
        signatures: 'required',
        keys: { acme: key('acme'), beta: key('beta') },
      },
    },
    { plugin: 'semver-deps', options: { allowDowngrade: false } },
    { plugin: 'scoped-callbacks', severity: 'warn' },
    {
      plugin: '@patchwise/example-custom-policy',
      options: { windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '06:00', to: '18:00' }] },
    },
  ],
});
