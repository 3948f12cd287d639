/**
 * Replaying a case on a real kernel: each op becomes a call of a small shell library that does in the
 * guest what the op does on the simulator (and what the kernel's functions.sh does), logging the same
 * lines to /dev/kmsg; the guest's kernel log is then filtered and compared exactly as the simulated
 * one is. The guest is anything that runs a shell command (`@patchwise/qemu`'s Guest).
 */
import { Errno, strerror } from '@patchwise/core';
import { selftestFilter } from '@patchwise/sim';
import type { CaseOp, SelftestCase } from './case.js';
import type { CaseResult } from './harness.js';
import { notApplicableOn } from './release.js';

/** What the VM replay needs of a guest. */
export interface ShellGuest {
  exec(command: string, options?: { timeoutMs?: number }): Promise<{ status: number; stdout: string; stderr: string }>;
}

/** Where the test modules are in the guest. */
export const VM_MODULE_DIR = '/pw/test_modules';
/** Where the selftests' userspace helpers (`test_klp-call_getpid`) are in the guest. */
export const VM_PROGRAM_DIR = '/pw/bin';
/** The helper program an op runs in the guest, by op name. */
const OP_PROGRAMS: Readonly<Record<string, string>> = { spawn_tasks: 'test_klp-call_getpid' };

/** The guest-side library (busybox sh), sourced before each case. Polls like functions.sh: 0.1 s, 600 times. */
export const VM_LIBRARY = `
lp=/sys/kernel/livepatch
pw_log() { echo "$*" > /dev/kmsg; }
# A library function that dies exits the whole script: with 100 + the op's index, as a failed line does.
pw_op=-99
die() { echo "$*" >&2; exit $((100 + pw_op)); }
wait_until() { i=0; while ! eval "$1"; do i=$((i + 1)); [ $i -lt 600 ] || return 1; sleep 0.1; done; }
reads() { [ "$(cat "$1" 2>/dev/null)" = "$2" ]; }
counts() { [ "$(ls "$1" 2>/dev/null | wc -l)" = "$2" ]; }
# kmod's insmod messages (mod_strerror) from busybox's strerror text.
kmod_err() {
  case "$1" in
    *"Invalid argument"*) echo "Invalid parameters" ;;
    *"Exec format error"*) echo "Invalid module format" ;;
    *"No such file or directory"*|*"No such process"*) echo "Unknown symbol in module" ;;
    *) echo "\${1##*: }" ;;
  esac
}
do_insmod() { n=$1; shift; pw_log "% insmod test_modules/$n.ko\${*:+ $*}"; out=$(pw-insmod ${VM_MODULE_DIR}/$n.ko "$@" 2>&1); }
load_mod() { do_insmod "$@" || die "insmod: ERROR: could not insert module test_modules/$1.ko: $(kmod_err "$out")"; wait_until "reads /sys/module/$1/initstate live" || die "failed to load module $1"; }
load_lp_nowait() { do_insmod "$@" || die "insmod: ERROR: could not insert module test_modules/$1.ko: $(kmod_err "$out")"; wait_until "[ -d $lp/$1 ]" || die "failed to load module $1 (sysfs)"; }
load_lp() { load_lp_nowait "$@" && { wait_until "reads $lp/$1/transition 0" || die "failed to complete transition for $1"; }; }
load_failing_mod() { if do_insmod "$@"; then die "$1 unexpectedly loaded"; fi; pw_log "insmod: ERROR: could not insert module test_modules/$1.ko: $(kmod_err "$out")"; }
unload_mod() {
  wait_until "reads /sys/module/$1/refcnt 0" || die "failed to unload module $1 (refcnt)"
  pw_log "% rmmod $1"; rmmod "$1" || die "rmmod $1 failed"
  wait_until "[ ! -d /sys/module/$1 ]" || die "failed to unload module $1 (/sys/module)"
}
disable_lp() { pw_log "% echo 0 > $lp/$1/enabled"; echo 0 > "$lp/$1/enabled" || die "disabling $1 failed"; wait_until "[ ! -d $lp/$1 ]" || die "failed to disable livepatch $1"; }
set_pre_patch_ret() { pw_log "% echo $2 > /sys/module/$1/parameters/pre_patch_ret"; echo "$2" > "/sys/module/$1/parameters/pre_patch_ret" || die "setting pre_patch_ret failed"; }
set_ftrace_enabled() {
  err=$( (echo "$1" > /proc/sys/kernel/ftrace_enabled) 2>&1 )
  if ! reads /proc/sys/kernel/ftrace_enabled "$1"; then
    [ "$2" = may_fail ] || die "failed to set kernel.ftrace_enabled = $1"
    pw_log "livepatch: sysctl: setting key \\"kernel.ftrace_enabled\\": \${err##*: }"; return 0
  fi
  pw_log "livepatch: kernel.ftrace_enabled = $1"
}
# spawn_tasks/kill_tasks: test-syscall.sh's getpid hammers; their pids are $PIDS (comma-separated),
# also kept in a file so cleanGuest can end them when a case dies first.
spawn_tasks() {
  i=0; while [ $i -lt $1 ]; do ${VM_PROGRAM_DIR}/test_klp-call_getpid >/dev/null 2>&1 & PIDS="\${PIDS:+$PIDS,}$!"; i=$((i + 1)); done
  echo "$PIDS" > /tmp/.pw-pids; echo "pw-pids $PIDS"
}
kill_tasks() { for p in $(echo "$PIDS" | tr , ' '); do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -f /tmp/.pw-pids; true; }
# The function tracer as the newest functions.sh drives it (trace_function, check_traced_functions).
tracing=/sys/kernel/tracing
cleanup_tracing() { echo 0 > $tracing/tracing_on; echo > $tracing/set_ftrace_filter; echo nop > $tracing/current_tracer; echo > $tracing/trace; }
trace_function() {
  [ -e $tracing/trace ] || mount -t tracefs nodev $tracing || die "cannot mount tracefs at $tracing"
  cleanup_tracing
  { echo function > $tracing/current_tracer && echo "$1" > $tracing/set_ftrace_filter && echo 1 > $tracing/tracing_on; } || die "cannot trace $1"
}
assert_traced() { for f in "$@"; do grep -Fwq -- "$f" $tracing/trace || die "Function ($f) not found during the tests"; done; cleanup_tracing; }
log_grep() { p=$1; shift; for f in "$@"; do grep -F -- "$p" "$f" 2>/dev/null | while IFS= read -r l; do pw_log "$l"; done; done; true; }
mode_of() { ls -ld "$1" 2>/dev/null | cut -d' ' -f1; }
`;

function q(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `q`, but `$PIDS` expands to the spawned pids (the shell variable `spawn_tasks` sets). */
function qp(value: string): string {
  return q(value).replaceAll('$PIDS', `'"$PIDS"'`);
}

type FileCheck = { kind: 'read'; path: string; value: string } | { kind: 'count_dirs'; path: string; value: number };
type ModuleArg = { name: string; params?: string };
type SysfsCheck = { patch: string; rel: string; expected: string };

const test = (c: FileCheck) => (c.kind === 'read' ? `reads ${q(c.path)} ${q(c.value)}` : `counts ${q(c.path)} ${c.value}`);
const modCall = (fn: string, m: ModuleArg) => `${fn} ${q(m.name)}${m.params ? ` ${m.params.split(/\s+/).filter(Boolean).map(qp).join(' ')}` : ''}`;
const sysfs = (c: SysfsCheck) => `$lp/${c.patch}${c.rel ? `/${c.rel}` : ''}`;

/** The shell line of one op, or why the VM cannot do it (yet). */
export function vmOpLine(op: CaseOp): { line: string } | { unsupported: string } {
  const a = op.args as never;
  switch (op.name) {
    case 'load_mod':
    case 'load_lp_nowait':
    case 'load_lp':
    case 'load_failing_mod':
      return { line: modCall(op.name, a) };
    case 'unload_mod':
    case 'unload_lp':
      return { line: `unload_mod ${q((a as ModuleArg).name)}` };
    case 'disable_lp':
      return { line: `disable_lp ${q((a as ModuleArg).name)}` };
    case 'set_pre_patch_ret': {
      const s = a as { name: string; value: string };
      return { line: `set_pre_patch_ret ${q(s.name)} ${q(s.value)}` };
    }
    case 'set_ftrace_enabled': {
      const s = a as { value: string; mayFail: boolean };
      return { line: `set_ftrace_enabled ${q(s.value)}${s.mayFail ? ' may_fail' : ''}` };
    }
    case 'loop_until':
      return { line: `wait_until ${q(test(a))} || die ${q(`timed out waiting: ${test(a)}`)}` };
    case 'assert_eq':
      return { line: `${test(a)} || die ${q(`assert_eq failed: ${test(a)}`)}` };
    case 'assert_ne':
      return { line: `! ${test(a)} || die ${q(`assert_ne failed: ${test(a)}`)}` };
    case 'log_grep': {
      const s = a as { pattern: string; files: string[] };
      return { line: `log_grep ${q(s.pattern)} ${s.files.map(q).join(' ')}` };
    }
    case 'log':
      return { line: `pw_log ${qp(a)}` };
    case 'log_read': {
      const s = a as { prefix: string; read: string };
      return { line: `pw_log "${'$'}(printf %s ${q(s.prefix)})$(cat ${q(s.read)} 2>/dev/null)"` };
    }
    case 'if_eq_log': {
      const s = a as { read: string; value: string; log: string };
      return { line: `if reads ${q(s.read)} ${q(s.value)}; then pw_log ${q(s.log)}; fi` };
    }
    case 'check_sysfs_value': {
      const c = a as SysfsCheck;
      return { line: `reads "${sysfs(c)}" ${q(c.expected)} || die "${sysfs(c)}: reads '$(cat "${sysfs(c)}" 2>&1)', expected ${q(c.expected)}"` };
    }
    case 'check_sysfs_rights': {
      const c = a as SysfsCheck;
      return { line: `[ "$(mode_of "${sysfs(c)}")" = ${q(c.expected)} ] || die "${sysfs(c)}: mode is $(mode_of "${sysfs(c)}"), expected ${q(c.expected)}"` };
    }
    case 'write': {
      const s = a as { path: string; value: string; errno?: keyof typeof Errno };
      if (!s.errno) return { line: `echo ${q(s.value)} > ${q(s.path)} || die ${q(`echo ${s.value} > ${s.path} failed`)}` };
      // The shell reports the errno as strerror text ("sh: write error: Invalid argument").
      const text = strerror(Errno[s.errno]);
      return {
        line: `if (echo ${q(s.value)} > ${q(s.path)}) 2>/tmp/.pw-w; then die ${q(`echo ${s.value} > ${s.path}: expected ${s.errno}, got success`)}; fi; grep -qF ${q(text)} /tmp/.pw-w || die "echo ${s.value} > ${s.path}: expected ${s.errno} (${text}), got $(cat /tmp/.pw-w)"`,
      };
    }
    case 'pass_time':
      return { line: `sleep ${(a as number) / 1000}` };
    case 'spawn_tasks':
      return { line: `spawn_tasks ${(a as { count: number }).count}` };
    case 'kill_tasks':
      return { line: 'kill_tasks' };
    case 'trace_function':
      return { line: `trace_function ${q(a)}` };
    case 'assert_traced':
      return { line: `assert_traced ${(a as string[]).map(q).join(' ')}` };
    default:
      return { unsupported: `op \`${op.name}\` is not replayed on the VM yet` };
  }
}

/** A case the VM replay cannot run, with the reason (a missing module, an op it cannot do). */
export interface NotApplicable {
  readonly case: SelftestCase;
  readonly reason: string;
}

/**
 * The whole case as one guest script, or why it does not apply to this kernel (`release`: `uname -r`;
 * `modules`, `programs`: the test modules and selftest helpers built from its source package).
 */
export function vmCaseScript(
  c: SelftestCase,
  modules: ReadonlySet<string>,
  release = '',
  programs: ReadonlySet<string> = new Set(),
): { script: string } | { notApplicable: string } {
  const lacking = notApplicableOn(c, release);
  if (lacking) return { notApplicable: lacking };
  // A missing module first: it is the kernel feature the case lacks, whatever else it runs.
  for (const op of c.ops) {
    for (const m of op.spec.modules?.(op.args) ?? []) {
      if (!modules.has(m)) return { notApplicable: `module ${m} is not in this kernel's source package` };
    }
  }
  const lines: string[] = [];
  for (const op of c.ops) {
    const program = OP_PROGRAMS[op.name];
    if (program && !programs.has(program)) {
      return { notApplicable: `op ${op.index + 1} \`${op.name}\` runs the selftest helper ${program}, which is not in this kernel's source package` };
    }
    const r = vmOpLine(op);
    if ('unsupported' in r) return { notApplicable: r.unsupported };
    lines.push(`pw_op=${op.index}; ${r.line} || exit $((100 + ${op.index}))`);
  }
  return { script: lines.join('\n') };
}

/** dmesg lines after the last `marker` line, without their timestamps. */
export function logSince(dmesg: string, marker: string): string[] {
  const lines = dmesg.split('\n').map((l) => l.replace(/^\[[ 0-9.]*\] /, ''));
  const at = lines.lastIndexOf(marker);
  return (at < 0 ? lines : lines.slice(at + 1)).filter((l) => l !== '');
}

/** Runs one case in the guest and compares its filtered kernel log with `expect`, as `runCase` does. */
export async function runCaseOnGuest(guest: ShellGuest, c: SelftestCase, script: string): Promise<CaseResult> {
  const marker = `===== TEST: ${c.title} =====`;
  const started = Date.now();
  // As functions.sh's set_dynamic_debug: the livepatch core's pr_debug lines, but not klp_try_switch_task's.
  await guest.exec(
    `echo 'file kernel/livepatch/* +p' > /sys/kernel/debug/dynamic_debug/control; echo 'func klp_try_switch_task -p' > /sys/kernel/debug/dynamic_debug/control; dmesg -c > /dev/null; echo ${q(marker)} > /dev/kmsg`,
  );
  const r = await guest.exec(`${VM_LIBRARY}\n${script}`, { timeoutMs: 300_000 });
  const dmesg = await guest.exec('dmesg');
  const output = selftestFilter(logSince(dmesg.stdout, marker));
  // `$PIDS` as on the simulator: the pids spawn_tasks started (it prints them).
  const pids = /^pw-pids (.*)$/m.exec(r.stdout)?.[1] ?? '';
  const expected = c.expect.map((line) => line.replaceAll('$PIDS', pids));
  let failure: CaseResult['failure'];
  if (r.status !== 0) {
    const index = r.status >= 100 ? r.status - 100 : -1;
    const op = c.ops[index];
    failure = { op: index, message: `${op ? `op ${index + 1} \`${op.name}\`: ` : ''}${r.stderr.trim() || `exit status ${r.status}`}` };
  }
  const passed = !failure && output.length === expected.length && output.every((l, i) => l === expected[i]);
  return { case: c, output, expected, passed, elapsedMs: Date.now() - started, ...(failure ? { failure } : {}) };
}

/** Leaves the guest as a fresh one would be: no patch, no test module. False when it cannot (a forced unpatch pins its module). */
export async function cleanGuest(guest: ShellGuest): Promise<boolean> {
  const r = await guest.exec(
    `[ -f /tmp/.pw-pids ] && for p in $(tr , ' ' < /tmp/.pw-pids); do kill $p; done 2>/dev/null; rm -f /tmp/.pw-pids
     [ -e /sys/kernel/tracing/trace ] && { echo 0 > /sys/kernel/tracing/tracing_on; echo > /sys/kernel/tracing/set_ftrace_filter; echo nop > /sys/kernel/tracing/current_tracer; }
     for p in $(ls /sys/kernel/livepatch); do echo 0 > /sys/kernel/livepatch/$p/enabled; done 2>/dev/null
     i=0; while [ -n "$(ls /sys/kernel/livepatch)" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
     for m in $(grep -oE '^test_klp[a-z0-9_]*' /proc/modules); do rmmod $m 2>/dev/null; done
     [ -z "$(ls /sys/kernel/livepatch)" ] && ! grep -q '^test_klp' /proc/modules`,
  );
  return r.status === 0;
}
