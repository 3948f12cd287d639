/**
 * `--format junit`: JUnit XML, the report format CI systems (GitLab, Jenkins, GitHub test
 * reporters) read. One `<testsuite>` per scenario (or one for all selftest cases), one
 * `<testcase>` per expectation (or case); a failed check is a `<failure>`, a step that died an
 * `<error>`.
 */
export interface JunitCase {
  readonly name: string;
  readonly classname: string;
  readonly file?: string;
  readonly timeSeconds?: number;
  readonly failure?: string;
  readonly error?: string;
  /** Shown under the test case (the log), as `<system-out>`. */
  readonly output?: string;
}

export interface JunitSuite {
  readonly name: string;
  readonly file?: string;
  readonly cases: readonly JunitCase[];
}

/** XML 1.0 text: escaped, and without the control characters XML cannot carry at all. */
// eslint-disable-next-line no-control-regex -- exactly those characters are removed
const INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
const escape = (text: string) =>
  text.replace(INVALID, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const attrs = (values: Record<string, string | number | undefined>) =>
  Object.entries(values)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${escape(String(v))}"`)
    .join('');

export function junitXml(name: string, suites: readonly JunitSuite[]): string {
  const count = (suite: JunitSuite, key: 'failure' | 'error') => suite.cases.filter((c) => c[key] !== undefined).length;
  const total = (key: 'failure' | 'error') => suites.reduce((n, s) => n + count(s, key), 0);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs({ name, tests: suites.reduce((n, s) => n + s.cases.length, 0), failures: total('failure'), errors: total('error') })}>`,
  ];
  for (const suite of suites) {
    lines.push(`  <testsuite${attrs({ name: suite.name, file: suite.file, tests: suite.cases.length, failures: count(suite, 'failure'), errors: count(suite, 'error') })}>`);
    for (const c of suite.cases) {
      const head = `    <testcase${attrs({ name: c.name, classname: c.classname, file: c.file, time: c.timeSeconds })}`;
      const body = [
        ...(c.failure === undefined ? [] : [`      <failure${attrs({ message: c.failure.split('\n')[0] })}>${escape(c.failure)}</failure>`]),
        ...(c.error === undefined ? [] : [`      <error${attrs({ message: c.error.split('\n')[0] })}>${escape(c.error)}</error>`]),
        ...(c.output === undefined ? [] : [`      <system-out>${escape(c.output)}</system-out>`]),
      ];
      lines.push(body.length ? `${head}>\n${body.join('\n')}\n    </testcase>` : `${head}/>`);
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return lines.join('\n');
}
