#!/usr/bin/env node
// Rewrites every example's expected output by running its command (run `pnpm build` first).
import { writeFileSync } from 'node:fs';
import { EXAMPLE_COMMANDS, runExample } from '../examples/example-commands.mjs';

for (const example of EXAMPLE_COMMANDS) {
  const { code, stdout, stderr } = await runExample(example.args);
  if (code !== example.exit) {
    console.error(`patchwise ${example.args.join(' ')}: exit ${code}, expected ${example.exit}\n${stderr}`);
    process.exitCode = 1;
  }
  writeFileSync(example.expected, stdout);
  console.log(`wrote ${example.expected}`);
}
