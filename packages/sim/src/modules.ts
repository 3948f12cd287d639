/**
 * The module loader: `insmod` / `rmmod` with refcounts, module states, parameters, and the
 * livepatch core's coming/going notifications in the kernel's order.
 */
import {
  Errno,
  type Address,
  type KlpModule,
  type Livepatch,
  type LogLevel,
  type ModuleState,
  type PatchDefinition,
} from '@patchwise/core';
import type { FsNode } from './fs.js';
import type { Machine } from './machine.js';
import type { SymbolSpec } from './kallsyms.js';
import { formatValue, parseModuleArgs, parseValue, type ParamSpecs, type ParamValue } from './params.js';

/** What a simulated module's code can use while it runs. */
export interface ModuleContext {
  readonly name: string;
  readonly module: Module;
  readonly machine: Machine;
  readonly livepatch: Livepatch;
  /** Current parameter values (writable ones change through sysfs). */
  readonly params: Record<string, ParamValue>;
  /** Per-module state kept between init, callbacks and exit. */
  readonly data: Record<string, unknown>;
  /** `pr_info` (or another level) with the module's `KBUILD_MODNAME: ` prefix. */
  print(text: string, level?: LogLevel): void;
  /** The address of one of this module's own functions. */
  address(symbol: string): Address;
  /** `klp_enable_patch(&patch)` for this (livepatch) module. */
  enablePatch(patch: PatchDefinition): Promise<number>;
  /** Create a file (procfs, sysfs, debugfs) that disappears when the module is freed. */
  createFile(path: string, node: FsNode): void;
}

/** A `.ko` file: what `insmod` can load. */
export interface ModuleImage {
  readonly name: string;
  /** `MODULE_INFO(livepatch, "Y")`. */
  readonly livepatch?: boolean;
  readonly description?: string;
  readonly params?: ParamSpecs;
  /** The module's functions (replacement functions, show functions, ...). */
  readonly symbols?: readonly SymbolSpec[] | ((ctx: ModuleContext) => readonly SymbolSpec[]);
  /** `module_init`: 0 or a negative errno (which fails the load). */
  init?(ctx: ModuleContext): number | void | Promise<number | void>;
  /** `module_exit`. */
  exit?(ctx: ModuleContext): void;
}

/** A loaded module. */
export class Module implements KlpModule {
  state: ModuleState = 'UNFORMED';
  klpAlive = false;
  refcount = 0;
  /** `free_module` ran. */
  freed = false;
  ctx!: ModuleContext;
  readonly files: string[] = [];

  constructor(readonly image: ModuleImage) {}

  get name(): string {
    return this.image.name;
  }

  get livepatch(): boolean {
    return this.image.livepatch === true;
  }

  tryGet(): boolean {
    if (this.state === 'GOING' || this.freed) return false;
    this.refcount += 1;
    return true;
  }

  put(): void {
    if (this.refcount > 0) this.refcount -= 1;
  }
}

export class ModuleLoader {
  readonly #images = new Map<string, ModuleImage>();
  readonly #loaded = new Map<string, Module>();
  #livepatchTaintShown = false;

  constructor(private readonly machine: Machine) {}

  /** Make `image` available to `insmod` (replacing an image of the same name). */
  addImage(image: ModuleImage): void {
    this.#images.set(image.name, image);
  }

  image(name: string): ModuleImage | undefined {
    return this.#images.get(name);
  }

  images(): ModuleImage[] {
    return [...this.#images.values()];
  }

  find(name: string): Module | undefined {
    return this.#loaded.get(name);
  }

  loaded(): Module[] {
    return [...this.#loaded.values()];
  }

  /** `insmod NAME.ko ARGS`: 0 or a negative errno. */
  async insmod(name: string, args = ''): Promise<number> {
    const image = this.#images.get(name);
    if (!image) return -Errno.ENOENT;
    if (this.#loaded.has(name)) return -Errno.EEXIST;
    const { machine } = this;
    const mod = new Module(image);
    const parsed = parseModuleArgs(name, image.params ?? {}, args);
    mod.ctx = this.#context(mod, parsed.values);
    if (mod.livepatch && !this.#livepatchTaintShown) {
      this.#livepatchTaintShown = true;
      machine.log.printk('notice', `${name}: tainting kernel with TAINT_LIVEPATCH`);
    }
    this.#loaded.set(name, mod);
    const symbols = typeof image.symbols === 'function' ? image.symbols(mod.ctx) : (image.symbols ?? []);
    machine.kallsyms.add(name, symbols, mod);
    mod.state = 'COMING';
    const coming = await machine.livepatch.moduleComing(mod);
    if (coming) {
      this.#free(mod);
      return coming;
    }
    // parse_args runs after the coming notification: a bad argument unwinds through going.
    for (const warning of parsed.warnings) machine.log.printk('warn', warning);
    if (parsed.error) machine.log.printk('err', parsed.error.message);
    const initErr = parsed.error ? parsed.error.errno : ((await image.init?.(mod.ctx)) ?? 0);
    if (initErr) {
      mod.state = 'GOING';
      machine.livepatch.moduleGoing(mod);
      this.#free(mod);
      return initErr;
    }
    mod.state = 'LIVE';
    this.#exposeParams(mod);
    return 0;
  }

  /** `rmmod NAME`: -EBUSY while the module is in use. */
  rmmod(name: string): number {
    const mod = this.#loaded.get(name);
    if (!mod) return -Errno.ENOENT;
    if (mod.refcount > 0) return -Errno.EBUSY;
    mod.state = 'GOING';
    mod.image.exit?.(mod.ctx);
    this.machine.livepatch.moduleGoing(mod);
    this.#free(mod);
    return 0;
  }

  #free(mod: Module): void {
    mod.freed = true;
    this.#loaded.delete(mod.name);
    this.machine.kallsyms.removeOwner(mod);
    for (const path of mod.files) this.machine.fs.remove(path);
    mod.files.length = 0;
  }

  #context(mod: Module, params: Record<string, ParamValue>): ModuleContext {
    const { machine } = this;
    return {
      name: mod.name,
      module: mod,
      machine,
      livepatch: machine.livepatch,
      params,
      data: {},
      print: (text, level = 'info') => machine.log.printk(level, `${mod.name}: ${text}`),
      address: (symbol) => {
        const addr = machine.kallsyms.address(mod.name, symbol);
        if (!addr) throw new Error(`module ${mod.name} has no function ${symbol}`);
        return addr;
      },
      enablePatch: (patch) => machine.livepatch.enablePatch(mod, patch),
      createFile: (path, node) => {
        machine.fs.add(path, node);
        mod.files.push(path);
      },
    };
  }

  /** `/sys/module/M/parameters/P` for parameters with non-zero permissions. */
  #exposeParams(mod: Module): void {
    for (const [param, spec] of Object.entries(mod.image.params ?? {})) {
      if (!spec.perm) continue;
      const writable = (spec.perm & 0o200) !== 0;
      mod.ctx.createFile(`/sys/module/${mod.name}/parameters/${param}`, {
        mode: spec.perm,
        read: () => `${formatValue(spec.type, mod.ctx.params[param] ?? '')}\n`,
        ...(writable
          ? {
              write: (text: string) => {
                const value = parseValue(spec.type, text.trim());
                if (value === undefined) return -Errno.EINVAL;
                mod.ctx.params[param] = value;
                return 0;
              },
            }
          : {}),
      });
    }
  }
}
