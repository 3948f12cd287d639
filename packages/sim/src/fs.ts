/**
 * A small virtual filesystem for sysfs, procfs, debugfs and tracefs: files with permission bits and
 * read/write handlers, directories implied by paths or listed by providers.
 */
import { Errno } from '@patchwise/core';

export interface FsNode {
  /** Permission bits, e.g. `0o644`. */
  readonly mode: number;
  read?(): string;
  /** 0 or a negative errno. */
  write?(text: string): number | Promise<number>;
}

export type FsEntry = { readonly kind: 'file'; readonly node: FsNode } | { readonly kind: 'dir'; readonly mode: number };

/** A tree computed on demand (e.g. `/sys/kernel/livepatch` from the core's state). */
export interface FsProvider {
  /** The entry at `path`, if this provider owns it. */
  lookup(path: string): FsEntry | undefined;
  /** The names in directory `path`, if this provider owns it. */
  list(path: string): string[] | undefined;
}

/** A failed filesystem operation, with the errno a shell would report. */
export class FsError extends Error {
  readonly code: string;
  constructor(
    readonly errno: number,
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'FsError';
    this.code = errno === -Errno.ENOENT ? 'ENOENT' : errno === -Errno.EACCES ? 'EACCES' : 'EIO';
  }
}

const normalize = (path: string): string => {
  const parts = path.split('/').filter((p) => p && p !== '.');
  return `/${parts.join('/')}`;
};

/** `ls -l`'s mode column. */
export function modeString(entry: FsEntry): string {
  const bits = entry.kind === 'dir' ? entry.mode : entry.node.mode;
  const rwx = (shift: number) =>
    `${bits & (4 << shift) ? 'r' : '-'}${bits & (2 << shift) ? 'w' : '-'}${bits & (1 << shift) ? 'x' : '-'}`;
  return `${entry.kind === 'dir' ? 'd' : '-'}${rwx(6)}${rwx(3)}${rwx(0)}`;
}

export class VirtualFs {
  readonly #files = new Map<string, FsNode>();
  readonly #providers: FsProvider[] = [];

  add(path: string, node: FsNode): void {
    this.#files.set(normalize(path), node);
  }

  remove(path: string): void {
    this.#files.delete(normalize(path));
  }

  mount(provider: FsProvider): void {
    this.#providers.push(provider);
  }

  stat(path: string): FsEntry | undefined {
    const p = normalize(path);
    for (const provider of this.#providers) {
      const entry = provider.lookup(p);
      if (entry) return entry;
    }
    const node = this.#files.get(p);
    if (node) return { kind: 'file', node };
    const prefix = p === '/' ? '/' : `${p}/`;
    for (const file of this.#files.keys()) if (file.startsWith(prefix)) return { kind: 'dir', mode: 0o755 };
    return undefined;
  }

  exists(path: string): boolean {
    return this.stat(path) !== undefined;
  }

  read(path: string): string {
    const entry = this.stat(path);
    if (!entry) throw new FsError(-Errno.ENOENT, path, 'No such file or directory');
    if (entry.kind === 'dir') throw new FsError(-Errno.EISDIR, path, 'Is a directory');
    if (!entry.node.read || (entry.node.mode & 0o444) === 0) throw new FsError(-Errno.EACCES, path, 'Permission denied');
    return entry.node.read();
  }

  /** 0 or a negative errno (what `echo VALUE > PATH` would fail with). */
  async write(path: string, text: string): Promise<number> {
    const entry = this.stat(path);
    if (!entry) return -Errno.ENOENT;
    if (entry.kind === 'dir') return -Errno.EISDIR;
    if (!entry.node.write || (entry.node.mode & 0o222) === 0) return -Errno.EACCES;
    return entry.node.write(text);
  }

  readdir(path: string): string[] {
    const p = normalize(path);
    const names = new Set<string>();
    for (const provider of this.#providers) for (const name of provider.list(p) ?? []) names.add(name);
    const prefix = p === '/' ? '/' : `${p}/`;
    for (const file of this.#files.keys()) {
      if (!file.startsWith(prefix)) continue;
      const name = file.slice(prefix.length).split('/')[0];
      if (name) names.add(name);
    }
    if (names.size === 0 && this.stat(p)?.kind !== 'dir') throw new FsError(-Errno.ENOENT, path, 'No such file or directory');
    return [...names].sort();
  }

  /** `ls -l`'s mode string for `path`, or `undefined` when it does not exist. */
  mode(path: string): string | undefined {
    const entry = this.stat(path);
    return entry ? modeString(entry) : undefined;
  }
}
