import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { CASES_DIR, loadCase, logSince, parseCase, VM_LIBRARY, vmCaseScript } from '@patchwise/kselftest';
import { join } from 'node:path';

const ALL = new Set([
  'test_klp_livepatch',
  'test_klp_atomic_replace',
  'test_klp_callbacks_demo',
  'test_klp_callbacks_demo2',
  'test_klp_callbacks_busy',
  'test_klp_callbacks_mod',
]);

describe('vmCaseScript', () => {
  it('turns each op into a library call that exits with 100 + its index when it fails', () => {
    const c = loadCase(join(CASES_DIR, 'callbacks--atomic-replace.yaml'));
    const plan = vmCaseScript(c, ALL, '6.12.95+deb12-amd64');
    expect(plan).toEqual({
      script: [
        "pw_op=0; load_lp 'test_klp_callbacks_demo' || exit $((100 + 0))",
        "pw_op=1; load_lp 'test_klp_callbacks_demo2' 'replace=1' || exit $((100 + 1))",
        "pw_op=2; disable_lp 'test_klp_callbacks_demo2' || exit $((100 + 2))",
        "pw_op=3; unload_mod 'test_klp_callbacks_demo2' || exit $((100 + 3))",
        "pw_op=4; unload_mod 'test_klp_callbacks_demo' || exit $((100 + 4))",
      ].join('\n'),
    });
  });

  it('does not apply when a module is missing from the kernel source package', () => {
    const c = loadCase(join(CASES_DIR, 'livepatch--module-function-patching.yaml'));
    expect(vmCaseScript(c, ALL, '6.1.0-57-amd64')).toEqual({ notApplicable: expect.stringMatching(/^module test_klp_\w+ is not in this kernel's source package$/) });
  });

  it("does not apply to a kernel older than the sysfs file a case reads, naming the kernel change", () => {
    const c = loadCase(join(CASES_DIR, 'sysfs--replace-enabled.yaml'));
    const plan = vmCaseScript(c, ALL, '6.1.0-57-amd64');
    expect(plan).toEqual({ notApplicable: expect.stringMatching(/replace, added in 6\.11 \(commit 'livepatch: Add "replace" sysfs attribute'\); this kernel is 6\.1\.0-57-amd64$/) });
    expect('script' in vmCaseScript(c, ALL, '6.12.95+deb12-amd64')).toBe(true);
  });
});

describe('a library function that dies', () => {
  it("exits the script with 100 + the index of the op that called it, so the failure names the op", () => {
    const plan = vmCaseScript(parseCase("id: t/x\ntitle: x\nops:\n- log: a\n- trace_function: f\nexpect: ''\n", 'x.yaml'), ALL, '6.12.0');
    if (!('script' in plan)) throw new Error(plan.notApplicable);
    // No tracefs here: trace_function dies (mount fails), in op 2.
    const r = spawnSync('sh', ['-c', `${VM_LIBRARY}\npw_log() { :; }; mount() { return 1; }; tracing=/nonexistent\n${plan.script}`]);
    expect(r.status).toBe(101);
    expect(r.stderr.toString()).toBe('cannot mount tracefs at /nonexistent\n');
  });
});

describe('logSince', () => {
  it('keeps the lines after the last marker, without timestamps', () => {
    const dmesg = '[    1.000000] ===== TEST: t =====\n[    2.5] old\n[   10.000001] ===== TEST: t =====\n[   10.2] livepatch: x\n[  11.0] % rmmod y\n';
    expect(logSince(dmesg, '===== TEST: t =====')).toEqual(['livepatch: x', '% rmmod y']);
  });
});

describe('VM_LIBRARY', () => {
  it('is valid shell', () => {
    expect(() => execFileSync('sh', ['-n', '-c', VM_LIBRARY])).not.toThrow();
  });
});

describe('case format additions', () => {
  const parse = (ops: string) => parseCase(`id: t/x\ntitle: x\nops:\n${ops}\nexpect: ''\n`, 'x.yaml');
  it('reads a write expected to fail with its errno, and refuses an unknown errno', () => {
    const c = parse('- write: {path: /sys/kernel/livepatch/p/enabled, value: 1, errno: EINVAL}');
    expect(c.ops[0]!.args).toEqual({ path: '/sys/kernel/livepatch/p/enabled', value: '1', errno: 'EINVAL' });
    expect(() => parse('- write: {path: /a, value: 1, errno: EINVALL}')).toThrow(/unknown `errno` EINVALL.*EINVAL/s);
  });
  it('reads pass_time in whole milliseconds up to a minute', () => {
    expect(parse('- pass_time: 1500').ops[0]!.args).toBe(1500);
    for (const bad of ['0', '-5', '1.5', '60001', 'soon']) expect(() => parse(`- pass_time: ${bad}`)).toThrow(/`pass_time` takes whole milliseconds from 1 to 60000/);
  });
  it('becomes guest lines that check the strerror text and pass time in seconds', () => {
    const c = parse('- write: {path: /p, value: 1, errno: EBUSY}\n- pass_time: 250');
    const plan = vmCaseScript(c, ALL, '6.12.0');
    expect(plan).toEqual({ script: expect.stringContaining("grep -qF 'Device or resource busy' /tmp/.pw-w") });
    expect((plan as { script: string }).script).toContain('pw_op=1; sleep 0.25 || exit $((100 + 1))');
  });
});

describe('the ops the VM replays since the syscall and ftrace selftests', () => {
  const parse = (ops: string) => parseCase(`id: t/x\ntitle: x\nops:\n${ops}\nexpect: ''\n`, 'x.yaml');
  const GETPID = new Set(['test_klp-call_getpid']);
  const script = (ops: string, programs = GETPID) => {
    const plan = vmCaseScript(parse(ops), new Set([...ALL, 'test_klp_syscall']), '6.12.0', programs);
    if (!('script' in plan)) throw new Error(plan.notApplicable);
    return plan.script.split('\n');
  };

  it('spawns and kills the getpid hammers, and traces functions through tracefs', () => {
    expect(script('- spawn_tasks: {count: 3, behavior: getpid-loop}\n- kill_tasks: all\n- trace_function: cmdline_proc_show\n- assert_traced: [cmdline_proc_show, livepatch_cmdline_proc_show]')).toEqual([
      'pw_op=0; spawn_tasks 3 || exit $((100 + 0))',
      'pw_op=1; kill_tasks || exit $((100 + 1))',
      "pw_op=2; trace_function 'cmdline_proc_show' || exit $((100 + 2))",
      "pw_op=3; assert_traced 'cmdline_proc_show' 'livepatch_cmdline_proc_show' || exit $((100 + 3))",
    ]);
  });

  it('expands $PIDS in a log line and in module parameters, and nothing else', () => {
    const lines = script("- log: 'pids $PIDS, $HOME'\n- load_lp: {name: test_klp_syscall, params: klp_pids=$PIDS}");
    const out = execFileSync('sh', ['-c', `PIDS=12,13; pw_log() { echo "$*"; }; load_lp() { echo "$@"; }\n${lines.join('\n')}`]).toString();
    expect(out).toBe('pids 12,13, $HOME\ntest_klp_syscall klp_pids=12,13\n');
  });

  it('does not apply when the kernel source package lacks the helper program, naming it', () => {
    const plan = vmCaseScript(parse('- spawn_tasks: {count: 1, behavior: getpid-loop}'), ALL, '6.12.0', new Set());
    expect(plan).toEqual({ notApplicable: "op 1 `spawn_tasks` runs the selftest helper test_klp-call_getpid, which is not in this kernel's source package" });
  });

  it('names the missing module before a missing helper', () => {
    const c = loadCase(join(CASES_DIR, 'syscall--patch-getpid-hammered.yaml'));
    expect(vmCaseScript(c, ALL, '6.1.0-57-amd64', new Set())).toEqual({ notApplicable: "module test_klp_syscall is not in this kernel's source package" });
  });

  it('runs the tracer helpers against a tracefs-like folder: a function missing from the trace dies with its name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-vm-trace-'));
    try {
      for (const f of ['tracing_on', 'set_ftrace_filter', 'current_tracer']) writeFileSync(join(dir, f), '');
      writeFileSync(join(dir, 'trace'), '  cat-80  [000] .....  12.5: cmdline_proc_show <-seq_read_iter\n');
      const run = (call: string) => spawnSync('sh', ['-c', `${VM_LIBRARY}\ntracing=${dir}\n${call}`]);
      expect(run('trace_function cmdline_proc_show').status).toBe(0);
      expect(readFileSync(join(dir, 'current_tracer'), 'utf8')).toBe('function\n');
      expect(readFileSync(join(dir, 'set_ftrace_filter'), 'utf8')).toBe('cmdline_proc_show\n');
      writeFileSync(join(dir, 'trace'), '  cat-80  [000] .....  12.5: livepatch_cmdline_proc_show <-seq_read_iter\n');
      const missing = run('assert_traced cmdline_proc_show');
      expect(missing.status).toBe(1);
      expect(missing.stderr.toString()).toBe('Function (cmdline_proc_show) not found during the tests\n');
      expect(run('assert_traced livepatch_cmdline_proc_show').status).toBe(0);
      expect(readFileSync(join(dir, 'current_tracer'), 'utf8')).toBe('nop\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
