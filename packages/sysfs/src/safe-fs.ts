/**
 * Reads under a root that may be hostile (a fixture tree, a copy of someone's /sys): links are never
 * followed, only regular files are read, and every read and listing is bounded. sysfs files report
 * a size of 4096 and procfs files 0, so sizes are counted while reading, never taken from stat.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, opendirSync, readSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { SysfsError } from './errors.js';

/** One sysfs attribute is at most a page. */
export const ATTR_LIMIT = 4096;
/** /proc/modules: a few thousand modules at ~100 bytes each. */
export const TABLE_LIMIT = 1 << 20;
/** Entries read from one directory. */
export const DIR_LIMIT = 8192;

const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY;

function kindOf(stats: Stats): string {
  if (stats.isSymbolicLink()) return 'a symbolic link';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  if (stats.isDirectory()) return 'a directory';
  return 'not a regular file';
}

const errCode = (err: unknown) => (err as NodeJS.ErrnoException).code;

/** How much is read at most. */
export interface ReadLimits {
  /** Bytes of one attribute file. */
  readonly attr?: number;
  /** Bytes of a table such as /proc/modules. */
  readonly table?: number;
  /** Entries of one directory. */
  readonly dir?: number;
}

/** A tree under `root`; paths are relative to it and shown as absolute paths of the machine. */
export class SafeTree {
  readonly limits: Required<ReadLimits>;

  constructor(
    readonly root: string,
    limits: ReadLimits = {},
  ) {
    this.limits = { attr: limits.attr ?? ATTR_LIMIT, table: limits.table ?? TABLE_LIMIT, dir: limits.dir ?? DIR_LIMIT };
  }

  /** How errors name a place: the path as the machine sees it (`/sys/...`). */
  shown(rel: string): string {
    return `/${rel}`;
  }

  #abs(rel: string): string {
    return join(this.root, rel);
  }

  /** `lstat`, or undefined when the path does not exist. Never follows a link. */
  lstat(rel: string): Stats | undefined {
    try {
      return lstatSync(this.#abs(rel));
    } catch (err) {
      if (errCode(err) === 'ENOENT' || errCode(err) === 'ENOTDIR') return undefined;
      throw new SysfsError('PW_SYSFS_READ', this.shown(rel), `cannot read (${errCode(err) ?? 'error'})`);
    }
  }

  /** Whether `rel` is a real directory (every component checked: no link on the way). */
  isDir(rel: string): boolean {
    const parts = rel.split('/').filter(Boolean);
    for (let i = 1; i <= parts.length; i++) {
      const part = parts.slice(0, i).join('/');
      const stats = this.lstat(part);
      if (!stats) return false;
      if (!stats.isDirectory()) {
        throw new SysfsError('PW_SYSFS_NOT_DIR', this.shown(part), `is ${kindOf(stats)}, expected a directory`, 'patchwise never follows links in a system tree; point `--system` at a real one');
      }
    }
    return true;
  }

  /**
   * The entries of a directory: names with whether each is a directory. Links, FIFOs and other
   * non-files are returned as `other` for the caller to refuse or skip.
   */
  list(rel: string, limit = this.limits.dir): { name: string; type: 'dir' | 'file' | 'other' }[] {
    const entries: { name: string; type: 'dir' | 'file' | 'other' }[] = [];
    let dir;
    try {
      dir = opendirSync(this.#abs(rel));
    } catch (err) {
      throw new SysfsError('PW_SYSFS_READ', this.shown(rel), `cannot list (${errCode(err) ?? 'error'})`);
    }
    try {
      for (let entry = dir.readSync(); entry; entry = dir.readSync()) {
        if (entries.length >= limit) throw new SysfsError('PW_SYSFS_TOO_MANY', this.shown(rel), `holds more than ${limit} entries`);
        entries.push({ name: entry.name, type: entry.isDirectory() ? 'dir' : entry.isFile() ? 'file' : 'other' });
      }
    } finally {
      dir.closeSync();
    }
    return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** The text of a regular file, at most `limit` bytes; undefined when it does not exist. */
  read(rel: string, limit = this.limits.attr): string | undefined {
    let fd: number;
    try {
      fd = openSync(this.#abs(rel), OPEN_FLAGS);
    } catch (err) {
      const code = errCode(err);
      if (code === 'ENOENT') return undefined;
      if (code === 'ELOOP') throw new SysfsError('PW_SYSFS_LINK', this.shown(rel), 'is a symbolic link', 'patchwise never follows links in a system tree');
      throw new SysfsError('PW_SYSFS_READ', this.shown(rel), `cannot open (${code ?? 'error'})`);
    }
    try {
      const stats = fstatSync(fd);
      if (!stats.isFile()) throw new SysfsError('PW_SYSFS_NOT_FILE', this.shown(rel), `is ${kindOf(stats)}, expected a regular file`);
      const chunks: Buffer[] = [];
      let total = 0;
      for (;;) {
        const buf = Buffer.alloc(Math.min(65536, limit + 1 - total));
        let n: number;
        try {
          n = readSync(fd, buf, 0, buf.length, null);
        } catch (err) {
          throw new SysfsError('PW_SYSFS_READ', this.shown(rel), `cannot read (${errCode(err) ?? 'error'})`);
        }
        if (n === 0) break;
        chunks.push(buf.subarray(0, n));
        total += n;
        if (total > limit) throw new SysfsError('PW_SYSFS_TOO_BIG', this.shown(rel), `is larger than ${limit} bytes`);
      }
      return Buffer.concat(chunks).toString('utf8');
    } finally {
      closeSync(fd);
    }
  }
}
