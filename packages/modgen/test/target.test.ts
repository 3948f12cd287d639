import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildModules, probeFor, targetModule, UnsupportedOnKernel, type GeneratedModule } from '@patchwise/modgen';
import { decodeCLiteral, literals } from './c-literal-decoder.js';

function unsupported(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UnsupportedOnKernel);
    return (err as Error).message;
  }
  throw new Error('expected UnsupportedOnKernel');
}

describe('targetModule', () => {
  it('makes each function a real, non-inlined, non-cloned function of that name behind a /proc file', () => {
    const m = targetModule({ name: 'pw-mod', functions: ['work', 'idle'] });
    expect(m).toMatchObject({ name: 'pw-mod', kernelName: 'pw_mod', kind: 'target' });
    const src = m.files['pw-mod.c']!;
    expect(src).toContain('static noinline __attribute__((__noipa__)) int work(struct seq_file *m, void *v)\n');
    expect(src).toContain('\tseq_write(m, "pw-mod:work original\\n", 21);\n');
    expect(src).toContain('pw__dir = proc_mkdir("patchwise_pw_mod", NULL);');
    expect(src).toContain('\tif (!proc_create_single("idle", 0444, pw__fdir, idle))\n\t\tgoto fail;\n');
    // No task: no thread machinery at all.
    expect(src).not.toContain('kthread');
  });

  it('makes each task a kernel thread with its comm that starts inside its function', () => {
    const src = targetModule({ name: 'pw_mod', functions: ['work', 'idle'] }, [
      { name: 'worker', comm: 'kworker/u4:2', sleepsIn: 'idle' },
      { name: 'reader', sleepsIn: 'pw_mod:work' },
      { name: 'idler' },
    ]).files['pw_mod.c']!;
    expect(src).toContain('\t{ .sleep = { pw__sleep }, .name = "worker", .comm = "kworker/u4:2", .first = 1 },\n');
    expect(src).toContain('\t{ .sleep = { pw__sleep }, .name = "reader", .comm = "reader", .first = 0 },\n');
    expect(src).toContain('\t{ .sleep = { pw__sleep }, .name = "idler", .comm = "idler", .first = -1 },\n');
    expect(src).toContain('kthread_run(pw__thread, t, "%s", t->comm)');
    expect(src).toMatch(/if \(t->first >= 0 && !wait_for_completion_timeout\(&t->entered, 10 \* HZ\)\)/);
    expect(src).toContain('proc_create_data(t->name, 0644, pw__tdir, &pw__task_ops, t)');
  });

  it('keeps hostile comms inside literals', () => {
    const comm = 'a"\\%n\né';
    const src = targetModule({ name: 'm', functions: ['f'] }, [{ name: 't', comm, sleepsIn: 'f' }]).files['m.c']!;
    expect(literals(src).map((l) => decodeCLiteral(l).toString('utf8'))).toContain(comm);
  });

  it.each([
    ['a task in vmlinux', { name: 't', sleepsIn: 'cmdline_proc_show' }, /task `t`: it sleeps in "cmdline_proc_show", which is not a function of module `m` \(`f`\): a real kernel thread can only be made to sleep inside a generated target module's function/],
    ['a task in another module', { name: 't', sleepsIn: 'other:f' }, /not a function of module `m`/],
    ['a task name that is a path', { name: '../t', sleepsIn: 'f' }, /task name "\.\.\/t" must be/],
    ['a comm the kernel would cut', { name: 't', comm: 'sixteen-chars-xx', sleepsIn: 'f' }, /comm "sixteen-chars-xx" must be 1 to 15 bytes/],
    ['a comm of 8 two-byte characters', { name: 't', comm: 'éééééééé', sleepsIn: 'f' }, /must be 1 to 15 bytes/],
  ] as const)('refuses %s', (_what, task, message) => {
    expect(unsupported(() => targetModule({ name: 'm', functions: ['f'] }, [task]))).toMatch(message);
  });

  it('refuses function names that are not C identifiers, and a function listed twice', () => {
    expect(unsupported(() => targetModule({ name: 'm', functions: ['f(void);'] }))).toMatch(/^function of module `m`: "f\(void\);" is not a C identifier/);
    expect(unsupported(() => targetModule({ name: 'm', functions: ['f', 'f'] }))).toMatch(/^function `m:f`: listed twice/);
    expect(unsupported(() => targetModule({ name: 'm/x', functions: [] }))).toMatch(/^target module name: "m\/x" is not a module name/);
    expect(unsupported(() => targetModule({ name: 'm', functions: ['init_module'] }))).toMatch(/`init_module` is a symbol every kernel module defines/);
  });
});

describe('probeFor', () => {
  it('reads the /proc file of a show function, or of a target module’s function', () => {
    expect(probeFor('vmlinux', 'cmdline_proc_show')).toEqual({ object: 'vmlinux', function: 'cmdline_proc_show', command: 'cat /proc/cmdline' });
    expect(probeFor('vmlinux', 'meminfo_proc_show')?.command).toBe('cat /proc/meminfo');
    expect(probeFor('pw-mod', 'work')).toEqual({ object: 'pw-mod', function: 'work', command: 'cat /proc/patchwise_pw_mod/functions/work' });
  });

  it('has none for replacements that behave as the original, unknown functions, and bad names', () => {
    expect(probeFor('vmlinux', '__x64_sys_getpid')).toBeUndefined();
    expect(probeFor('vmlinux', 'tcp_sendmsg')).toBeUndefined();
    expect(probeFor('vmlinux', 'do_sys_open')).toBeUndefined();
    expect(probeFor('m; reboot', 'f')).toBeUndefined();
    expect(probeFor('m', 'f; reboot')).toBeUndefined();
  });
});

describe('buildModules checks its input before running make', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });
  const mod = (files: Record<string, string>, name = 'm'): GeneratedModule => ({ name, kernelName: name, kind: 'target', files });

  it.each([
    ['a release with a slash', { release: '../6.1', headersDir: '/' }, [mod({ 'm.c': '' })], /kernel release: "\.\.\/6\.1" is not a kernel release/],
    ['relative headers', { release: '6.1.0-1-amd64', headersDir: 'headers' }, [mod({ 'm.c': '' })], /kernel headers: "headers" is not an absolute path/],
    ['a file name with a path', { release: '6.1.0-1-amd64', headersDir: '/' }, [mod({ '../m.c': '' })], /file name "\.\.\/m\.c" must be `m\.c`/],
    ['a Makefile', { release: '6.1.0-1-amd64', headersDir: '/' }, [mod({ 'm.c': '', Makefile: 'all:' })], /file name "Makefile"/],
    ['two modules of one kernel name', { release: '6.1.0-1-amd64', headersDir: '/' }, [mod({ 'a-b.c': '' }, 'a-b'), mod({ 'a_b.c': '' }, 'a_b')], /two modules of this name/],
  ] as const)('refuses %s', async (_what, kernel, modules, message) => {
    dir = await mkdtemp(join(tmpdir(), 'modgen-'));
    await expect(buildModules(modules, kernel, { cache: dir })).rejects.toThrow(message);
    expect(await readdir(dir)).toEqual([]);
  });
});
