/**
 * `patchwise init --policy NAME`: a policy of the project's own, ready to edit and test. The test
 * imports the source (not a build), so editing `src/` and running the tests tests the edit; the
 * config names the source too (TypeScript plugins load through jiti), so `run` and `check` see it.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument, YAMLSeq } from 'yaml';
import { Diagnostic } from '@patchwise/diagnostics';
import { displayPath } from '../paths.js';
import type { InitReport } from './init.js';
import { writeFileAtomic } from '../safe-write.js';

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

const source = (name: string) => `import { definePolicy, z } from 'patchwise';

/**
 * ${name}: patches must name a vendor, and only the vendors in \`vendors\` may load them.
 * Edit this to say what your team allows; the tests beside it run against this file.
 */
export default definePolicy({
  name: '${name}',
  version: '0.1.0',
  meta: {
    docs: { description: 'Only patches of the listed vendors may be enabled.' },
    // Every finding is one of these messages; {{placeholders}} are filled from its data.
    messages: {
      'no-vendor': "'{{patch}}' declares no vendor",
      'vendor-not-allowed': "'{{patch}}' is from vendor \`{{vendor}}\`, which is not one of: {{vendors}}",
    },
    // The options a config may give, checked before the policy runs.
    schema: z.strictObject({
      vendors: z.array(z.string().min(1)).min(1),
    }),
    defaults: { vendors: ['acme'] },
  },
  apply(hooks, { vendors }) {
    hooks.prePatch((ctx, report) => {
      const vendor = ctx.patch.metadata.vendor;
      const data = { patch: ctx.patch.name, patches: [ctx.patch.name], vendors: vendors.join(', ') };
      if (typeof vendor !== 'string') {
        report({ messageId: 'no-vendor', data, hint: 'add \`vendor:\` to the manifest' });
      } else if (!vendors.includes(vendor)) {
        report({ messageId: 'vendor-not-allowed', data: { ...data, vendor }, hint: \`add \\\`\${vendor}\\\` to the \\\`vendors\\\` option\` });
      }
    });
  },
});
`;

const test = () => `import { describe, it } from 'vitest';
import { PolicyTester } from 'patchwise/testing';
import policy from '../src/index.js';

// PolicyTester makes one test per case (vitest here; node:test, mocha and jest work the same way).
PolicyTester.describe = describe;
PolicyTester.it = it;

const fix = { name: 'acme-fix', vendor: 'acme', functions: ['cmdline_proc_show'] };

new PolicyTester().run(policy, {
  valid: [
    { name: 'a listed vendor', enable: fix },
    { name: 'another listed vendor', enable: { ...fix, vendor: 'beta' }, options: { vendors: ['acme', 'beta'] } },
  ],
  invalid: [
    { name: 'a vendor not listed', enable: { ...fix, vendor: 'beta' }, errors: [{ code: 'vendor-not-allowed', data: { vendor: 'beta' } }] },
    { name: 'no vendor at all', enable: { name: 'anon-fix', functions: ['cmdline_proc_show'] }, errors: ['no-vendor'] },
  ],
});
`;

const readme = (name: string, dir: string) => `# ${name}

A patchwise policy of this project: patches must name a vendor, and only the vendors in
\`vendors\` may load them. Change it to say what your team allows.

- \`src/index.ts\`: the policy (\`definePolicy\`: its messages, its options schema and defaults, and
  the hooks it judges).
- \`test/${name}.test.ts\`: its PolicyTester cases, run against \`src/\` (no build step):

  \`\`\`sh
  npx vitest run ${dir}
  \`\`\`

- Enabled in \`patchwise.config.yaml\`:

  \`\`\`yaml
  plugins:
    - plugin: ./${dir}/src/index.ts
      options:
        vendors: [acme]
  \`\`\`

  then \`npx patchwise check PATCH.yaml\` and \`npx patchwise run scenarios\` judge with it.
`;

/** The config entry that enables the policy. */
const configEntry = (dir: string) => ({ plugin: `./${dir}/src/index.ts`, options: { vendors: ['acme'] } });

export function initPolicy(name: string, options: { force?: boolean; dir?: string }): InitReport {
  if (!NAME.test(name)) {
    throw new Diagnostic({ code: 'PW_USAGE', reason: `\`${name}\` is not a usable policy name`, hint: 'lower-case words joined by `-`, e.g. `vendor-allowlist`' });
  }
  const root = options.dir ?? process.cwd();
  const dir = `policies/${name}`;
  const files = [
    [join(root, dir, 'src', 'index.ts'), source(name)],
    [join(root, dir, 'test', `${name}.test.ts`), test()],
    [join(root, dir, 'README.md'), readme(name, dir)],
  ] as const;
  const existing = files.find(([file]) => existsSync(file));
  if (existing && !options.force) {
    throw new Diagnostic({ code: 'PW_EXISTS', file: existing[0], reason: 'already exists; nothing was written', hint: 'pass --force to overwrite, or choose another name' });
  }
  const config = join(root, 'patchwise.config.yaml');
  // Read (and check) the config before writing anything: bad input changes nothing.
  const doc = existsSync(config) ? parseDocument(readFileSync(config, 'utf8')) : undefined;
  if (doc && doc.errors.length) {
    throw new Diagnostic({ code: 'PW_CONFIG', file: config, reason: `cannot add the policy: ${doc.errors[0]?.message.split('\n')[0] ?? 'invalid YAML'}`, hint: 'fix the config first' });
  }
  for (const [file, text] of files) {
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileAtomic(file, text);
  }
  const report: InitReport = { written: files.map(([file]) => displayPath(file)), notes: [], next: [`npx vitest run ${dir}`] };
  const entry = configEntry(dir);
  if (doc) {
    const plugins = doc.get('plugins');
    const listed = plugins instanceof YAMLSeq && plugins.items.some((item) => String((item as { get?: (k: string) => unknown }).get?.('plugin') ?? item) === entry.plugin);
    if (!listed) {
      if (plugins instanceof YAMLSeq) plugins.add(doc.createNode(entry));
      else doc.set('plugins', doc.createNode([entry]));
      writeFileAtomic(config, doc.toString({ flowCollectionPadding: false }));
      report.notes.push(`enabled it in ${displayPath(config)}`);
    }
  } else {
    report.notes.push(`enable it in your config:\n  plugins:\n    - plugin: ${entry.plugin}\n      options: {vendors: [acme]}`);
  }
  return report;
}
