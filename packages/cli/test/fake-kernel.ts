/**
 * A fake kernel over a system tree, for the gate's tests: it keeps /sys/kernel/livepatch,
 * /proc/modules and /proc/PID/patch_state as the real kernel does for the operations the gate
 * performs (facts in the real-kernel notes: EEXIST, EBUSY, EINVAL writing the same state, EAGAIN
 * removing an enabled patch, replaced patches vanishing, forced unpatching pinning the module).
 * Reads go through the real reader; only the kernel's side is faked.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { normalObjects, type PatchManifest } from '@patchwise/manifest';
import { realMachine, type KernelResult, type RealMachine } from '@patchwise/sysfs';

const LP = 'sys/kernel/livepatch';
const fail = (errno: string, detail: string): KernelResult => ({ ok: false, errno, detail });

export interface FakeKernelOptions {
  /** Whether sysfs shows `replace` (6.11+). */
  readonly replaceFile: boolean;
  /** Transitions of these patches stall (a task sleeps in a patched function) until forced or reversed. */
  readonly stall?: Set<string>;
}

export class FakeKernel {
  readonly calls: string[] = [];
  readonly pinned = new Set<string>();

  constructor(
    readonly root: string,
    readonly manifests: (file: string) => PatchManifest,
    readonly options: FakeKernelOptions,
  ) {}

  #path(...parts: string[]) {
    return join(this.root, ...parts);
  }

  #attr(name: string, attr: string): string | undefined {
    const file = this.#path(LP, name, attr);
    return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
  }

  #set(name: string, attr: string, value: string) {
    writeFileSync(this.#path(LP, name, attr), `${value}\n`);
  }

  #modules(): string[] {
    const file = this.#path('proc/modules');
    return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  }

  #patches(): string[] {
    const dir = this.#path(LP);
    return existsSync(dir) ? readdirSync(dir) : [];
  }

  #inTransition(): string | undefined {
    return this.#patches().find((p) => this.#attr(p, 'transition') === '1');
  }

  #stallTask(on: boolean, state: number) {
    const dir = this.#path('proc/4242');
    if (!on) return rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'comm'), 'kworker_sleeper\n');
    writeFileSync(join(dir, 'patch_state'), `${state}\n`);
  }

  /** The end of the transition of `name` (patching when enabled is 1). */
  #complete(name: string, forced: boolean) {
    this.#stallTask(false, 0);
    if (this.#attr(name, 'enabled') === '1') {
      this.#set(name, 'transition', '0');
      if (this.#replaces(name)) for (const other of this.#patches()) if (other !== name) rmSync(this.#path(LP, other), { recursive: true });
    } else {
      rmSync(this.#path(LP, name), { recursive: true });
      if (forced) this.pinned.add(name);
    }
  }

  #replaces(name: string): boolean {
    return this.#replace.has(name);
  }

  readonly #replace = new Set<string>();

  #start(name: string, target: 0 | 1) {
    this.#set(name, 'transition', '1');
    if (this.options.stall?.has(name)) this.#stallTask(true, target === 1 ? 0 : 1);
    else this.#complete(name, false);
  }

  load(file: string): KernelResult {
    const m = this.manifests(file);
    this.calls.push(`load ${m.name}`);
    if (this.#modules().some((l) => l.startsWith(`${m.name} `))) return fail('EEXIST', `insmod: ERROR: could not insert module ${file}: File exists`);
    if (this.#inTransition()) return fail('EBUSY', `insmod: ERROR: could not insert module ${file}: Device or resource busy`);
    const dir = this.#path(LP, m.name);
    mkdirSync(dir, { recursive: true });
    this.#set(m.name, 'enabled', '1');
    if (this.options.replaceFile) this.#set(m.name, 'replace', m.replace ? '1' : '0');
    if (m.replace) this.#replace.add(m.name);
    for (const obj of normalObjects(m)) {
      mkdirSync(join(dir, obj.name), { recursive: true });
      writeFileSync(join(dir, obj.name, 'patched'), '1\n');
      for (const f of obj.functions) mkdirSync(join(dir, obj.name, `${f.name},${f.sympos || 1}`), { recursive: true });
    }
    writeFileSync(this.#path('proc/modules'), [`${m.name} 16384 1 - Live 0x0000000000000000 (OEK)`, ...this.#modules()].join('\n') + '\n');
    this.#start(m.name, 1);
    return { ok: true };
  }

  unload(name: string): KernelResult {
    this.calls.push(`unload ${name}`);
    if (existsSync(this.#path(LP, name)) || this.pinned.has(name)) return fail('EAGAIN', `rmmod: ERROR: could not remove module ${name}: Resource temporarily unavailable`);
    const lines = this.#modules();
    if (!lines.some((l) => l.startsWith(`${name} `))) return fail('ENOENT', `rmmod: ERROR: Module ${name} is not currently loaded`);
    writeFileSync(this.#path('proc/modules'), lines.filter((l) => !l.startsWith(`${name} `)).map((l) => `${l}\n`).join(''));
    return { ok: true };
  }

  write(name: string, attribute: 'enabled' | 'force', value: '0' | '1'): KernelResult {
    this.calls.push(`write ${name}/${attribute}=${value}`);
    if (!existsSync(this.#path(LP, name))) return fail('ENOENT', `no /sys/kernel/livepatch/${name}`);
    const inTransition = this.#attr(name, 'transition') === '1';
    if (attribute === 'force') {
      if (!inTransition || value !== '1') return fail('EINVAL', `write ${value} to force`);
      this.#complete(name, true);
      return { ok: true };
    }
    if (this.#attr(name, 'enabled') === value) return fail('EINVAL', `write ${value} to enabled`);
    const other = this.#inTransition();
    if (other && other !== name) return fail('EBUSY', `write ${value} to enabled`);
    this.#set(name, 'enabled', value);
    if (inTransition) {
      // Reversing: the tasks already switched go back; the sleeper never switched.
      this.#complete(name, false);
      return { ok: true };
    }
    this.#start(name, value === '1' ? 1 : 0);
    return { ok: true };
  }

  /** The machine the gate works with: the real reader on this tree, this kernel behind it. */
  machine(): RealMachine {
    const real = realMachine(this.root);
    return {
      ...real,
      load: async (file) => this.load(file),
      unload: async (name) => this.unload(name),
      write: (name, attribute, value) => this.write(name, attribute, value),
    };
  }
}
