/**
 * kallsyms: the functions of vmlinux and of every loaded module, with their sizes and, for the
 * simulation, their bodies.
 */
import type { Address, SymbolTable } from '@patchwise/core';
import type { Task } from './tasks.js';

/** What a simulated function does when a task calls it. */
export type FunctionBody = (task: Task, ...args: unknown[]) => unknown;

export interface SymbolSpec {
  readonly name: string;
  /** Bytes; defaults to 64. Size 0 makes `kallsyms_lookup_size_offset` fail. */
  readonly size?: number;
  /** Omit for functions that only need to exist (e.g. to appear on a stack). */
  readonly body?: FunctionBody;
  /** Whether ftrace can attach (`ftrace_location`); default true. */
  readonly traceable?: boolean;
}

export interface SymbolEntry {
  /** Who added it: the kernel image or a loaded module (removed with it). */
  readonly owner: unknown;
  readonly address: Address;
  readonly object: string;
  readonly name: string;
  readonly size: number;
  readonly body: FunctionBody | undefined;
  readonly traceable: boolean;
}

export const VMLINUX = 'vmlinux';

export class Kallsyms implements SymbolTable {
  readonly #byAddress = new Map<Address, SymbolEntry>();
  /** Per object, in kallsyms order. */
  readonly #byObject = new Map<string, SymbolEntry[]>();
  /** Per object, per name: the entries of that name in order (lookups stay O(1) at 10^6 symbols). */
  readonly #byName = new Map<string, Map<string, SymbolEntry[]>>();

  /**
   * Add an object's symbols; duplicates of a name get distinct addresses in order. `owner` (default:
   * the object's name) is what `removeOwner` removes them by.
   */
  add(object: string, specs: readonly SymbolSpec[], owner: unknown = object): void {
    const entries = this.#byObject.get(object) ?? [];
    const names = this.#byName.get(object) ?? new Map<string, SymbolEntry[]>();
    for (const spec of specs) {
      const same = names.get(spec.name) ?? [];
      const address = `${object}:${spec.name}${same.length ? `#${same.length + 1}` : ''}`;
      const entry: SymbolEntry = {
        owner,
        address,
        object,
        name: spec.name,
        size: spec.size ?? 64,
        body: spec.body,
        traceable: spec.traceable ?? true,
      };
      entries.push(entry);
      same.push(entry);
      names.set(spec.name, same);
      this.#byAddress.set(address, entry);
    }
    this.#byObject.set(object, entries);
    this.#byName.set(object, names);
  }

  /** Drop the symbols `owner` added (a module being freed). */
  removeOwner(owner: unknown): void {
    for (const [object, entries] of this.#byObject) {
      const kept = entries.filter((e) => e.owner !== owner);
      if (kept.length === entries.length) continue;
      for (const entry of entries) if (entry.owner === owner) this.#byAddress.delete(entry.address);
      if (kept.length === 0) {
        this.#byObject.delete(object);
        this.#byName.delete(object);
        continue;
      }
      this.#byObject.set(object, kept);
      const names = new Map<string, SymbolEntry[]>();
      for (const e of kept) names.set(e.name, [...(names.get(e.name) ?? []), e]);
      this.#byName.set(object, names);
    }
  }

  lookup(object: string | null, name: string): readonly Address[] {
    return (this.#byName.get(object ?? VMLINUX)?.get(name) ?? []).map((e) => e.address);
  }

  sizeOf(addr: Address): number | undefined {
    const size = this.#byAddress.get(addr)?.size;
    return size ? size : undefined;
  }

  entry(addr: Address): SymbolEntry | undefined {
    return this.#byAddress.get(addr);
  }

  /** The address of `name` in `object` (first occurrence), or `undefined`. */
  address(object: string, name: string): Address | undefined {
    return this.#byName.get(object)?.get(name)?.[0]?.address;
  }

  /** Every address called `name`, in any object. */
  addressesNamed(name: string): Address[] {
    const found: Address[] = [];
    for (const names of this.#byName.values()) for (const e of names.get(name) ?? []) found.push(e.address);
    return found;
  }

  /** The function names of `object`, in kallsyms order, or `undefined` for an unknown object. */
  functionsOf(object: string): string[] | undefined {
    return this.#byObject.get(object)?.map((e) => e.name);
  }

  has(object: string): boolean {
    return this.#byObject.has(object);
  }
}
