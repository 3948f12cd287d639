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
  readonly #byObject = new Map<string, SymbolEntry[]>();

  /**
   * Add an object's symbols; duplicates of a name get distinct addresses in order. `owner` (default:
   * the object's name) is what `removeOwner` removes them by.
   */
  add(object: string, specs: readonly SymbolSpec[], owner: unknown = object): void {
    const entries = this.#byObject.get(object) ?? [];
    for (const spec of specs) {
      const n = entries.filter((e) => e.name === spec.name).length;
      const address = `${object}:${spec.name}${n ? `#${n + 1}` : ''}`;
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
      this.#byAddress.set(address, entry);
    }
    this.#byObject.set(object, entries);
  }

  /** Drop the symbols `owner` added (a module being freed). */
  removeOwner(owner: unknown): void {
    for (const [object, entries] of this.#byObject) {
      const kept = entries.filter((e) => e.owner !== owner);
      if (kept.length === entries.length) continue;
      for (const entry of entries) if (entry.owner === owner) this.#byAddress.delete(entry.address);
      if (kept.length) this.#byObject.set(object, kept);
      else this.#byObject.delete(object);
    }
  }

  lookup(object: string | null, name: string): readonly Address[] {
    return (this.#byObject.get(object ?? VMLINUX) ?? []).filter((e) => e.name === name).map((e) => e.address);
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
    return this.lookup(object, name)[0];
  }

  /** Every address called `name`, in any object. */
  addressesNamed(name: string): Address[] {
    const found: Address[] = [];
    for (const entries of this.#byObject.values()) for (const e of entries) if (e.name === name) found.push(e.address);
    return found;
  }

  has(object: string): boolean {
    return this.#byObject.has(object);
  }
}
