// The command of every example, as its README shows it, and where its expected output lives.
// The examples test runs each one and compares; `pnpm examples:update` rewrites the expected files
// by running them (never edit those files by hand).
import { main } from '@patchwise/cli';

/** `pnpm patchwise <args>` from the repository root; `exit` is the code the example should end with. */
export const EXAMPLE_COMMANDS = [
  {
    args: [
      'check',
      '--config',
      'examples/config-driven/patchwise.config.yaml',
      '--kernel',
      '6.8.0-45-generic',
      '--time',
      '2026-11-24T10:00:00Z',
      'examples/config-driven/patches/acme-base.yaml',
      'examples/config-driven/patches/acme-hotfix.yaml',
      'examples/config-driven/patches/beta-fix.yaml',
    ],
    expected: 'examples/config-driven/expected-check.txt',
    exit: 1,
  },
  {
    args: ['run', '--config', 'examples/config-driven/patchwise.config.yaml', 'examples/config-driven/rollout.scenario.yaml'],
    expected: 'examples/config-driven/expected-run.txt',
    exit: 0,
  },
  {
    args: [
      'check',
      '--config',
      'examples/config-driven/patchwise.config.ts',
      '--kernel',
      '6.8.0-45-generic',
      '--time',
      '2026-11-28T20:00:00Z',
      'examples/config-driven/patches/acme-base.yaml',
    ],
    expected: 'examples/config-driven/expected-check-ts.txt',
    exit: 1,
  },
  { args: ['run', '--stacks', 'examples/experiments/01-replace-across-vendors'], expected: 'examples/experiments/01-replace-across-vendors/expected.txt', exit: 0 },
  { args: ['run', 'examples/experiments/02-two-vendors-one-function'], expected: 'examples/experiments/02-two-vendors-one-function/expected.txt', exit: 0 },
  { args: ['run', 'examples/experiments/03-callbacks-on-replace'], expected: 'examples/experiments/03-callbacks-on-replace/expected.txt', exit: 0 },
  { args: ['run', 'examples/experiments/04-block-disable'], expected: 'examples/experiments/04-block-disable/expected.txt', exit: 0 },
  { args: ['run', 'examples/experiments/05-system-state-rule'], expected: 'examples/experiments/05-system-state-rule/expected.txt', exit: 0 },
  {
    args: [
      'check',
      'examples/experiments/05-system-state-rule/patches/loglevel_v3.yaml',
      'examples/experiments/05-system-state-rule/patches/loglevel_v1.yaml',
      '--config',
      'none',
      '--time',
      '2026-11-24T10:00:00Z',
    ],
    expected: 'examples/experiments/05-system-state-rule/expected-check.txt',
    exit: 1,
  },
  { args: ['run', 'examples/experiments/06-semver-dependencies'], expected: 'examples/experiments/06-semver-dependencies/expected.txt', exit: 0 },
  { args: ['run', '--stacks', 'examples/experiments/07-stalled-transition'], expected: 'examples/experiments/07-stalled-transition/expected.txt', exit: 0 },
  { args: ['run', 'examples/experiments/08-rollout-rings'], expected: 'examples/experiments/08-rollout-rings/expected.txt', exit: 0 },
];

/** Run `patchwise <args>` in-process, without color, and return its exit code and output. */
export async function runExample(args) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    color: false,
    stdout: { write: (chunk) => ((stdout += String(chunk)), true), isTTY: false },
    stderr: { write: (chunk) => ((stderr += String(chunk)), true) },
  });
  return { code, stdout, stderr };
}
