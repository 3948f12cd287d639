/**
 * Bounds-checked little-endian reads over a byte range. Every read of module data goes through
 * here: an offset past the end is a TruncatedError, never an out-of-range read.
 */
import { LIMITS } from './limits.js';
import { MalformedError, TruncatedError } from './errors.js';

export class Bytes {
  private readonly view: DataView;

  constructor(
    readonly data: Uint8Array,
    /** What these bytes are, for messages (`file`, `section .data`). */
    readonly what: string,
  ) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  get length(): number {
    return this.data.length;
  }

  /** Throws unless [offset, offset + size) lies inside. */
  check(offset: number, size: number, what: string): void {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(size) || offset < 0 || size < 0 || offset + size > this.data.length) {
      throw new TruncatedError(`${what} at offset ${offset} (+${size}) lies past the end of ${this.what} (${this.data.length} bytes)`);
    }
  }

  u8(offset: number, what = 'a byte'): number {
    this.check(offset, 1, what);
    return this.view.getUint8(offset);
  }

  u16(offset: number, what = 'a 16-bit value'): number {
    this.check(offset, 2, what);
    return this.view.getUint16(offset, true);
  }

  u32(offset: number, what = 'a 32-bit value'): number {
    this.check(offset, 4, what);
    return this.view.getUint32(offset, true);
  }

  u32be(offset: number, what = 'a 32-bit value'): number {
    this.check(offset, 4, what);
    return this.view.getUint32(offset, false);
  }

  i32(offset: number, what = 'a 32-bit value'): number {
    this.check(offset, 4, what);
    return this.view.getInt32(offset, true);
  }

  u64big(offset: number, what = 'a 64-bit value'): bigint {
    this.check(offset, 8, what);
    return this.view.getBigUint64(offset, true);
  }

  i64big(offset: number, what = 'a 64-bit value'): bigint {
    this.check(offset, 8, what);
    return this.view.getBigInt64(offset, true);
  }

  /** A 64-bit offset or size: refused unless it is a safe integer (no file is 2^53 bytes long). */
  u64(offset: number, what = 'a 64-bit value'): number {
    const value = this.u64big(offset, what);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new MalformedError(`${what} is ${value}: larger than any file`);
    return Number(value);
  }

  i64(offset: number, what = 'a 64-bit value'): number {
    const value = this.i64big(offset, what);
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new MalformedError(`${what} is ${value}: out of range`);
    }
    return Number(value);
  }

  /** A sub-range, still bounds-checked. */
  slice(offset: number, size: number, what: string): Bytes {
    this.check(offset, size, what);
    return new Bytes(this.data.subarray(offset, offset + size), what);
  }

  /** The NUL-terminated string at `offset` (UTF-8, invalid bytes replaced); the NUL must be inside. */
  cstring(offset: number, what = 'a string', max: number = LIMITS.string): string {
    return this.cstringAt(offset, what, max).text;
  }

  /** The string at `offset` and the offset just past its NUL. */
  cstringAt(offset: number, what = 'a string', max: number = LIMITS.string): { text: string; next: number } {
    this.check(offset, 0, what);
    const end = Math.min(this.data.length, offset + max + 1);
    const nul = this.data.subarray(offset, end).indexOf(0);
    if (nul < 0) {
      if (end === this.data.length) throw new TruncatedError(`${what} at offset ${offset} runs past the end of ${this.what} without its NUL`);
      throw new MalformedError(`${what} at offset ${offset} is longer than ${max} bytes`);
    }
    return { text: decoder.decode(this.data.subarray(offset, offset + nul)), next: offset + nul + 1 };
  }

  /** True when every byte of [offset, offset + size) is zero. */
  zero(offset: number, size: number, what: string): boolean {
    this.check(offset, size, what);
    for (let i = offset; i < offset + size; i++) if (this.data[i] !== 0) return false;
    return true;
  }
}

const decoder = new TextDecoder('utf-8', { fatal: false });
