/**
 * The same steps on the simulator and in a booted guest: each world runs a step and hands back the
 * kernel log lines it printed, filtered alike (the simulator's selftestFilter, plus the lines the
 * generated callbacks print under their patch's name).
 */
import { kernelFunctionsOf, manifestModule, type PatchManifest } from '@patchwise/manifest';
import type { Guest } from '@patchwise/qemu';
import { Machine, selftestFilter, type Task } from '@patchwise/sim';

export interface World {
  /** Whether it loaded, and why not: the errno (simulator) or insmod's message (guest). */
  insmod(name: string): Promise<{ ok: boolean; message: string }>;
  rmmod(name: string): Promise<boolean>;
  write(path: string, value: string): Promise<boolean>;
  read(path: string): Promise<string>;
  /** The task leaves the function it sleeps in. */
  wake(): Promise<void>;
  /** The task enters `fn` of the target module again (what runs there: the original or a replacement). */
  sleepIn(fn: string): Promise<void>;
  /** Time passes: at least `ms`, and until no transition is left unless `stalled`. */
  settle(ms: number, stalled?: boolean): Promise<void>;
  /** `ls /sys/kernel/livepatch`, sorted. */
  patches(): Promise<string[]>;
  /** What a read of the function prints now: via the probe in the guest, the simulated call otherwise. */
  show(object: string, fn: string): Promise<string>;
  /** The filtered log lines since the last call. */
  lines(): Promise<string[]>;
}

export function filterLines(lines: readonly string[], names: readonly string[]): string[] {
  return lines.filter(
    (l) => (selftestFilter([l]).length > 0 || names.some((n) => l.startsWith(`${n}: `))) && !/taints? kernel|tainting kernel|module verification failed/.test(l),
  );
}

export async function simWorld(
  release: string,
  target: { name: string; functions: string[] },
  task: { comm: string; sleepsIn: string },
  patches: readonly PatchManifest[],
): Promise<World> {
  const names = patches.map((p) => p.name);
  const machine = new Machine({ release, kernelFunctions: kernelFunctionsOf(patches) });
  machine.addModule({ name: target.name, description: 'scenario target module', symbols: target.functions.map((name) => ({ name })) });
  for (const p of patches) machine.addModule(manifestModule(p));
  let mark = machine.log.mark;
  let worker: Task | undefined;
  const addr = (fn: string) => machine.kallsyms.address(target.name, fn)!;
  return {
    async insmod(name) {
      const ret = await machine.insmod(name);
      if (ret === 0 && name === target.name) {
        // As scenarioMachine does: the task, then its sleep inside the function.
        worker = machine.spawn({ comm: task.comm, kthread: true });
        machine.sleepIn(worker, addr(task.sleepsIn));
      }
      return { ok: ret === 0, message: String(ret) };
    },
    async rmmod(name) {
      if (name === target.name && worker) machine.kill(worker);
      return (await machine.rmmod(name)) === 0;
    },
    async write(path, value) {
      return (await machine.write(path, value)) === 0;
    },
    async read(path) {
      return machine.read(path);
    },
    async wake() {
      worker!.stack = [];
    },
    async sleepIn(fn) {
      machine.sleepIn(worker!, addr(fn));
    },
    async settle(ms) {
      machine.advance(ms);
    },
    async patches() {
      return machine.readdir('/sys/kernel/livepatch').sort();
    },
    async show(object, fn) {
      return machine.showAs(machine.shell, fn, object);
    },
    async lines() {
      const texts = machine.log.records(mark).map((r) => r.text);
      mark = machine.log.mark;
      return filterLines(texts, names);
    },
  };
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export async function guestWorld(vm: Guest, target: { kernelName: string }, names: readonly string[], probe: (object: string, fn: string) => string): Promise<World> {
  // As the selftests' set_dynamic_debug (and the simulator's default): the livepatch core's
  // pr_debug lines, without klp_try_switch_task's.
  await vm.exec("echo 'file kernel/livepatch/* +p' > /sys/kernel/debug/dynamic_debug/control; echo 'func klp_try_switch_task -p' > /sys/kernel/debug/dynamic_debug/control; dmesg -c > /dev/null");
  const taskFile = `/proc/patchwise_${target.kernelName}/tasks/worker`;
  const mustRun = async (command: string) => {
    const r = await vm.exec(command);
    if (r.status !== 0) throw new Error(`${command}: status ${r.status}: ${r.stderr}`);
    return r.stdout;
  };
  return {
    async insmod(name) {
      // One finit_module per load: busybox insmod retries a refused module with init_module, which
      // runs its init (and logs its refusal) twice.
      const r = await vm.exec(`pw-insmod /pw/${name}.ko`);
      return { ok: r.status === 0, message: r.stderr };
    },
    async rmmod(name) {
      return (await vm.exec(`rmmod ${name}`)).status === 0;
    },
    async write(path, value) {
      return (await vm.exec(`echo ${q(value)} > ${q(path)}`)).status === 0;
    },
    read: (path) => mustRun(`cat ${q(path)}`),
    async wake() {
      await mustRun(`echo wake > ${taskFile}`);
    },
    async sleepIn(fn) {
      await mustRun(`echo ${q(`sleep ${fn}`)} > ${taskFile}`);
    },
    async settle(ms, stalled = false) {
      const wait = stalled
        ? ''
        : `i=0; while grep -qx 1 /sys/kernel/livepatch/*/transition 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done; ! grep -qx 1 /sys/kernel/livepatch/*/transition 2>/dev/null && sleep 0.5`;
      await mustRun(`sleep ${(ms / 1000).toFixed(1)}${wait ? `; ${wait}` : ''}`);
    },
    async patches() {
      return (await mustRun('ls /sys/kernel/livepatch')).split('\n').filter(Boolean).sort();
    },
    show: (object, fn) => mustRun(probe(object, fn)),
    async lines() {
      const dmesg = await vm.dmesg({ clear: true });
      return filterLines(
        dmesg.split('\n').map((l) => l.replace(/^\[[ 0-9.]*\] /, '')).filter(Boolean),
        names,
      );
    },
  };
}
