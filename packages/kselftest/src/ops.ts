/**
 * The selftest harness's operations (functions.sh), one entry each: the value it takes, what it
 * logs, and what it does on the machine. `--help` and the case parser read this table.
 */
import { strerror } from '@patchwise/core';
import { suggestion } from '@patchwise/diagnostics';
import { getpidLoop, LIVEPATCH_SYSFS, type Task } from '@patchwise/sim';
import type { Harness } from './harness.js';

/** An op's value was not of the documented shape: the message says what was expected. */
export class OpValueError extends Error {}

export const fail = (message: string): never => {
  throw new OpValueError(message);
};

export interface OpSpec<A = unknown, H extends Harness = Harness> {
  readonly name: string;
  /** The value's shape, as the case format documents it. */
  readonly value: string;
  /** The lines it writes to the kernel log. */
  readonly logs: string;
  /** What it does and waits for. */
  readonly summary: string;
  /** Module names it refers to (checked against the known modules). */
  modules?(args: A): string[];
  parse(raw: unknown): A;
  run(h: H, args: A): void | Promise<void>;
  /**
   * For an op that only asserts: what it asserts, so that scenarios list it among their
   * expectations (a failed assertion still fails a selftest case at once).
   */
  asserts?(args: A): string;
}

/** Define an op (its argument type is checked here; tables only need names and calls). */
export const defineOp = <A, H extends Harness = Harness>(spec: OpSpec<A, H>): OpSpec<A, H> => spec;

// ---- value shapes ----

export interface ModuleArg {
  readonly name: string;
  readonly params?: string;
}

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function str(v: unknown, what: string): string {
  if (typeof v === 'string' && v.length > 0) return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return fail(`\`${what}\` must be a non-empty string`);
}

export function onlyKeys(v: Record<string, unknown>, allowed: readonly string[], required: readonly string[]): void {
  for (const key of Object.keys(v)) {
    if (!allowed.includes(key)) fail(`unknown key \`${key}\`${suggestion(key, allowed)}; expected ${allowed.map((k) => `\`${k}\``).join(', ')}`);
  }
  for (const key of required) if (!(key in v)) fail(`missing \`${key}\``);
}

function moduleArg(raw: unknown): ModuleArg {
  if (typeof raw === 'string') return { name: raw };
  if (!isRecord(raw)) return fail('expected a module name or `{name, params}`');
  onlyKeys(raw, ['name', 'params'], ['name']);
  const name = str(raw.name, 'name');
  return raw.params === undefined || raw.params === null ? { name } : { name, params: String(raw.params) };
}

type FileCheck = { kind: 'read'; path: string; value: string } | { kind: 'count_dirs'; path: string; value: number };

function fileCheck(raw: unknown): FileCheck {
  if (!isRecord(raw)) return fail('expected `{read: PATH, value: V}` or `{count_dirs: PATH, value: N}`');
  if ('count_dirs' in raw) {
    onlyKeys(raw, ['count_dirs', 'value'], ['count_dirs', 'value']);
    const value = Number(raw.value);
    if (!Number.isInteger(value) || value < 0) fail('`value` of `count_dirs` must be a non-negative integer');
    return { kind: 'count_dirs', path: str(raw.count_dirs, 'count_dirs'), value };
  }
  onlyKeys(raw, ['read', 'value'], ['read', 'value']);
  return { kind: 'read', path: str(raw.read, 'read'), value: String(raw.value) };
}

const moduleNames = (m: ModuleArg) => [m.name];
const insmodLine = (h: Harness, m: ModuleArg) =>
  `% insmod test_modules/${m.name}.ko${m.params ? ` ${h.substitute(m.params)}` : ''}`;
const insmodLogs = '`% insmod test_modules/NAME.ko[ PARAMS]`';

/** kmod's `insmod` error texts (`mod_strerror`). */
export function insmodStrerror(err: number): string {
  switch (Math.abs(err)) {
    case 8:
      return 'Invalid module format';
    case 2:
    case 3:
      return 'Unknown symbol in module';
    case 22:
      return 'Invalid parameters';
    default:
      return strerror(err);
  }
}

function checkHolds(h: Harness, check: FileCheck): boolean {
  if (check.kind === 'count_dirs') return h.countDirs(check.path) === check.value;
  return h.readOrUndefined(check.path) === check.value;
}

function describe(check: FileCheck): string {
  return check.kind === 'count_dirs' ? `${check.path} holds ${check.value} entries` : `${check.path} reads '${check.value}'`;
}

// ---- the ops ----

const loadMod = defineOp<ModuleArg>({
  name: 'load_mod',
  value: 'NAME | {name, params}',
  logs: insmodLogs,
  summary: 'loads an ordinary (non-livepatch) module; must succeed; waits until it is live',
  modules: moduleNames,
  parse: moduleArg,
  run: async (h, m) => {
    h.log(insmodLine(h, m));
    await h.insmod(m);
    h.waitFor(() => h.readOrUndefined(`/sys/module/${m.name}/initstate`) === 'live', `failed to load module ${m.name}`);
  },
});

const loadLpNowait = defineOp<ModuleArg>({
  name: 'load_lp_nowait',
  value: 'NAME | {name, params}',
  logs: insmodLogs,
  summary: 'loads a livepatch module; must succeed; waits until /sys/kernel/livepatch/NAME exists',
  modules: moduleNames,
  parse: moduleArg,
  run: async (h, m) => {
    h.log(insmodLine(h, m));
    await h.insmod(m);
    h.waitFor(() => h.machine.fs.exists(`${LIVEPATCH_SYSFS}/${m.name}`), `failed to load module ${m.name} (sysfs)`);
  },
});

const loadLp = defineOp<ModuleArg>({
  name: 'load_lp',
  value: 'NAME | {name, params}',
  logs: insmodLogs,
  summary: 'load_lp_nowait, then waits until /sys/kernel/livepatch/NAME/transition reads 0',
  modules: moduleNames,
  parse: moduleArg,
  run: async (h, m) => {
    await loadLpNowait.run(h, m);
    h.waitFor(
      () => h.readOrUndefined(`${LIVEPATCH_SYSFS}/${m.name}/transition`) === '0',
      `failed to complete transition for ${m.name}`,
    );
  },
});

const loadFailingMod = defineOp<ModuleArg>({
  name: 'load_failing_mod',
  value: 'NAME | {name, params}',
  logs: `${insmodLogs}, then \`insmod: ERROR: could not insert module test_modules/NAME.ko: STRERROR\``,
  summary: 'loads a module that must fail to load',
  modules: moduleNames,
  parse: moduleArg,
  run: async (h, m) => {
    h.log(insmodLine(h, m));
    const ret = await h.machine.insmod(m.name, h.substitute(m.params ?? ''));
    if (ret === 0) h.die(`${m.name} unexpectedly loaded`);
    h.log(`insmod: ERROR: could not insert module test_modules/${m.name}.ko: ${insmodStrerror(ret)}`);
  },
});

async function unload(h: Harness, name: string): Promise<void> {
  h.waitFor(() => h.readOrUndefined(`/sys/module/${name}/refcnt`) === '0', `failed to unload module ${name} (refcnt)`);
  h.log(`% rmmod ${name}`);
  const ret = await h.machine.rmmod(name);
  if (ret) h.die(`rmmod: ERROR: Module ${name} is in use (${strerror(ret)})`);
  h.waitFor(() => !h.machine.fs.exists(`/sys/module/${name}`), `failed to unload module ${name} (/sys/module)`);
}

const unloadMod = defineOp<ModuleArg>({
  name: 'unload_mod',
  value: 'NAME',
  logs: '`% rmmod NAME`',
  summary: "waits until the module's refcount is 0, removes it (must succeed), waits until it is gone",
  modules: moduleNames,
  parse: moduleArg,
  run: (h, m) => unload(h, m.name),
});

const unloadLp = defineOp<ModuleArg>({ ...unloadMod, name: 'unload_lp' });

const disableLp = defineOp<ModuleArg>({
  name: 'disable_lp',
  value: 'NAME',
  logs: '`% echo 0 > /sys/kernel/livepatch/NAME/enabled`',
  summary: 'writes 0; waits until /sys/kernel/livepatch/NAME disappears (transition done, patch freed)',
  modules: moduleNames,
  parse: moduleArg,
  run: async (h, m) => {
    const path = `${LIVEPATCH_SYSFS}/${m.name}`;
    h.log(`% echo 0 > ${path}/enabled`);
    const ret = await h.machine.write(`${path}/enabled`, '0');
    if (ret) h.die(`echo 0 > ${path}/enabled: ${strerror(ret)}`);
    h.waitFor(() => !h.machine.fs.exists(path), `failed to disable livepatch ${m.name}`);
  },
});

const setPrePatchRet = defineOp<{ name: string; value: string }>({
  name: 'set_pre_patch_ret',
  value: '{name, value}',
  logs: '`% echo VALUE > /sys/module/NAME/parameters/pre_patch_ret`',
  summary: "sets the module's pre_patch_ret parameter",
  modules: (a) => [a.name],
  parse: (raw) => {
    if (!isRecord(raw)) return fail('expected `{name, value}`');
    onlyKeys(raw, ['name', 'value'], ['name', 'value']);
    return { name: str(raw.name, 'name'), value: String(raw.value) };
  },
  run: async (h, a) => {
    const path = `/sys/module/${a.name}/parameters/pre_patch_ret`;
    h.log(`% echo ${a.value} > ${path}`);
    const ret = await h.machine.write(path, a.value);
    if (ret) h.die(`echo ${a.value} > ${path}: ${strerror(ret)}`);
  },
});

const setFtraceEnabled = defineOp<{ value: string; mayFail: boolean }>({
  name: 'set_ftrace_enabled',
  value: 'V | {value, may_fail: true}',
  logs: '`livepatch: kernel.ftrace_enabled = V`, or when refused `livepatch: sysctl: setting key "kernel.ftrace_enabled": STRERROR`',
  summary: 'sets the ftrace_enabled sysctl; `may_fail` allows the refusal (EBUSY while a livepatch is loaded)',
  parse: (raw) => {
    if (!isRecord(raw)) return { value: str(raw, 'value'), mayFail: false };
    onlyKeys(raw, ['value', 'may_fail'], ['value']);
    return { value: str(raw.value, 'value'), mayFail: raw.may_fail === true };
  },
  run: async (h, a) => {
    const ret = await h.machine.write('/proc/sys/kernel/ftrace_enabled', a.value);
    const result = h.readOrUndefined('/proc/sys/kernel/ftrace_enabled');
    if (result !== a.value) {
      if (!a.mayFail) h.die(`failed to set kernel.ftrace_enabled = ${a.value}`);
      h.log(`livepatch: sysctl: setting key "kernel.ftrace_enabled": ${strerror(ret)}`);
      return;
    }
    h.log(`livepatch: kernel.ftrace_enabled = ${result}`);
  },
});

const loopUntil = defineOp<FileCheck>({
  name: 'loop_until',
  value: '{read: PATH, value: V} | {count_dirs: PATH, value: N}',
  logs: '—',
  summary: 'waits (0.1 s polls, at most 600) until the file reads V / the folder holds N entries',
  parse: fileCheck,
  run: (h, c) => h.waitFor(() => checkHolds(h, c), `timed out waiting until ${describe(c)}`),
});

const assertEq = defineOp<FileCheck>({
  name: 'assert_eq',
  value: '{read: PATH, value: V} | {count_dirs: PATH, value: N}',
  logs: '—',
  summary: "asserts a file's content or a folder's entry count",
  parse: fileCheck,
  run: (h, c) => {
    if (!checkHolds(h, c)) h.die(`expected ${describe(c)}, got '${h.describeActual(c)}'`);
  },
  asserts: describe,
});

const assertNe = defineOp<FileCheck>({
  ...assertEq,
  name: 'assert_ne',
  summary: "asserts a file's content or a folder's entry count differs from V",
  run: (h, c) => {
    if (checkHolds(h, c)) h.die(`expected ${c.path} not to be '${c.value}'`);
  },
  asserts: (c) => `${c.path} ${c.kind === 'count_dirs' ? `does not hold ${c.value} entries` : `does not read '${c.value}'`}`,
});

const logGrep = defineOp<{ pattern: string; files: string[] }>({
  name: 'log_grep',
  value: '{pattern: P, files: [F...]}',
  logs: 'each line of the files that contains P, file by file',
  summary: '`grep P F > /dev/kmsg` per file; reading a /proc file runs the live implementation of its show function',
  parse: (raw) => {
    if (!isRecord(raw)) return fail('expected `{pattern, files}`');
    onlyKeys(raw, ['pattern', 'files'], ['pattern', 'files']);
    if (!Array.isArray(raw.files)) return fail('`files` must be a list of paths');
    return { pattern: str(raw.pattern, 'pattern'), files: raw.files.map((f) => str(f, 'files[]')) };
  },
  run: (h, a) => {
    for (const file of a.files) {
      const text = h.readOrUndefined(file, false);
      for (const line of (text ?? '').split('\n')) if (line.includes(a.pattern)) h.log(line);
    }
  },
});

const log = defineOp<string>({
  name: 'log',
  value: 'MSG',
  logs: 'MSG',
  summary: 'writes a line to the kernel log',
  parse: (raw) => str(raw, 'log'),
  run: (h, msg) => h.log(h.substitute(msg)),
});

const logRead = defineOp<{ prefix: string; read: string }>({
  name: 'log_read',
  value: '{prefix: P, read: PATH}',
  logs: "P followed by the file's content",
  summary: 'writes a line built from a file',
  parse: (raw) => {
    if (!isRecord(raw)) return fail('expected `{prefix, read}`');
    onlyKeys(raw, ['prefix', 'read'], ['prefix', 'read']);
    return { prefix: String(raw.prefix), read: str(raw.read, 'read') };
  },
  run: (h, a) => h.log(`${a.prefix}${h.readOrUndefined(a.read) ?? ''}`),
});

const ifEqLog = defineOp<{ read: string; value: string; log: string }>({
  name: 'if_eq_log',
  value: '{read: PATH, value: V, log: MSG}',
  logs: 'MSG when the file reads V',
  summary: 'conditional log',
  parse: (raw) => {
    if (!isRecord(raw)) return fail('expected `{read, value, log}`');
    onlyKeys(raw, ['read', 'value', 'log'], ['read', 'value', 'log']);
    return { read: str(raw.read, 'read'), value: String(raw.value), log: str(raw.log, 'log') };
  },
  run: (h, a) => {
    if (h.readOrUndefined(a.read) === a.value) h.log(a.log);
  },
});

const traceFunction = defineOp<string>({
  name: 'trace_function',
  value: 'FUNC',
  logs: '—',
  summary: 'enables the function tracer on FUNC',
  parse: (raw) => str(raw, 'trace_function'),
  run: async (h, func) => {
    await h.machine.write('/sys/kernel/tracing/set_ftrace_filter', func);
    await h.machine.write('/sys/kernel/tracing/current_tracer', 'function');
  },
});

const assertTraced = defineOp<string[]>({
  name: 'assert_traced',
  value: '[FUNC...]',
  logs: '—',
  summary: 'asserts the tracer recorded calls of each FUNC, then resets the tracer',
  parse: (raw) => {
    const list = Array.isArray(raw) ? raw : [raw];
    return list.map((f) => str(f, 'assert_traced[]'));
  },
  run: async (h, funcs) => {
    const trace = h.readOrUndefined('/sys/kernel/tracing/trace', false) ?? '';
    for (const func of funcs) {
      if (!trace.split('\n').some((line) => line.endsWith(`: ${func}`))) {
        h.die(`Function (${func}) not found during the tests`);
      }
    }
    await h.machine.write('/sys/kernel/tracing/current_tracer', 'nop');
    await h.machine.write('/sys/kernel/tracing/set_ftrace_filter', '');
    await h.machine.write('/sys/kernel/tracing/trace', '');
  },
  asserts: (funcs) => `the tracer recorded calls of ${funcs.join(', ')}`,
});

interface SysfsCheck {
  readonly patch: string;
  readonly rel: string;
  readonly expected: string;
}

function sysfsCheck(key: 'mode' | 'value') {
  return (raw: unknown): SysfsCheck => {
    if (!isRecord(raw)) return fail(`expected \`{patch, rel, ${key}}\``);
    onlyKeys(raw, ['patch', 'rel', key], ['patch', 'rel', key]);
    return { patch: str(raw.patch, 'patch'), rel: raw.rel === null ? '' : String(raw.rel), expected: String(raw[key]) };
  };
}

const sysfsPath = (c: SysfsCheck) => `${LIVEPATCH_SYSFS}/${c.patch}${c.rel ? `/${c.rel}` : ''}`;

const checkSysfsRights = defineOp<SysfsCheck>({
  name: 'check_sysfs_rights',
  value: '{patch, rel, mode}',
  logs: '—',
  summary: "asserts the `ls -l` mode string of /sys/kernel/livepatch/PATCH/REL (`rel: ''` is the folder)",
  modules: (c) => [c.patch],
  parse: sysfsCheck('mode'),
  run: (h, c) => {
    const mode = h.machine.fs.mode(sysfsPath(c));
    if (mode !== c.expected) h.die(`${sysfsPath(c)}: mode is ${mode ?? '(missing)'}, expected ${c.expected}`);
  },
  asserts: (c) => `${sysfsPath(c)} has mode ${c.expected}`,
});

const checkSysfsValue = defineOp<SysfsCheck>({
  name: 'check_sysfs_value',
  value: '{patch, rel, value}',
  logs: '—',
  summary: 'asserts the content of /sys/kernel/livepatch/PATCH/REL',
  modules: (c) => [c.patch],
  parse: sysfsCheck('value'),
  run: (h, c) => {
    const value = h.readOrUndefined(sysfsPath(c));
    if (value !== c.expected) h.die(`${sysfsPath(c)}: reads '${value ?? '(missing)'}', expected '${c.expected}'`);
  },
  asserts: (c) => `${sysfsPath(c)} reads '${c.expected}'`,
});

const write = defineOp<{ path: string; value: string }>({
  name: 'write',
  value: '{path, value}',
  logs: '—',
  summary: 'writes a file (e.g. /sys/kernel/debug/kprobes/enabled)',
  parse: (raw) => {
    if (!isRecord(raw)) return fail('expected `{path, value}`');
    onlyKeys(raw, ['path', 'value'], ['path', 'value']);
    return { path: str(raw.path, 'path'), value: String(raw.value) };
  },
  run: async (h, a) => {
    const ret = await h.machine.write(a.path, a.value);
    if (ret) h.die(`echo ${a.value} > ${a.path}: ${strerror(ret)}`);
  },
});

const spawnTasks = defineOp<{ count: number; behavior: 'getpid-loop' }>({
  name: 'spawn_tasks',
  value: '{count, behavior: getpid-loop}',
  logs: '—',
  summary: 'starts COUNT user tasks calling getpid() in a loop; $PIDS stands for their pids, comma-separated',
  parse: (raw) => {
    if (!isRecord(raw)) return fail('expected `{count, behavior}`');
    onlyKeys(raw, ['count', 'behavior'], ['count', 'behavior']);
    const count = Number(raw.count);
    if (!Number.isInteger(count) || count < 1 || count > 1024) fail('`count` must be an integer from 1 to 1024');
    if (raw.behavior !== 'getpid-loop') fail('`behavior` must be `getpid-loop`');
    return { count, behavior: 'getpid-loop' };
  },
  run: (h, a) => {
    for (let i = 0; i < a.count; i += 1) {
      const task = h.machine.spawn({ comm: 'test-syscall', behavior: getpidLoop });
      h.spawned.push(task);
      h.pids.push(task.pid);
    }
  },
});

const killTasks = defineOp<'all'>({
  name: 'kill_tasks',
  value: 'all',
  logs: '—',
  summary: 'ends the spawned tasks',
  parse: (raw) => (raw === 'all' ? 'all' : fail('the only value is `all`')),
  run: (h) => {
    for (const task of h.spawned.splice(0) as Task[]) h.machine.kill(task);
  },
});

/** Every op, in the order `--help` lists them. */
// Each op's argument type is checked where it is defined; the table only needs names and calls.
export const OPS = [
  loadMod,
  loadLpNowait,
  loadLp,
  loadFailingMod,
  unloadMod,
  unloadLp,
  disableLp,
  setPrePatchRet,
  setFtraceEnabled,
  loopUntil,
  assertEq,
  assertNe,
  logGrep,
  log,
  logRead,
  ifEqLog,
  traceFunction,
  assertTraced,
  checkSysfsRights,
  checkSysfsValue,
  write,
  spawnTasks,
  killTasks,
] as unknown as readonly OpSpec<unknown>[];

export const OP_NAMES: readonly string[] = OPS.map((op) => op.name);

export function findOp(name: string): OpSpec<unknown> | undefined {
  return OPS.find((op) => op.name === name);
}
