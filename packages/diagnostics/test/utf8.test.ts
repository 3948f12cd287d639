/**
 * Files are decoded as strict UTF-8 at the one place they are read (issue 11): a lossy decoder turns
 * every byte that is not UTF-8 into U+FFFD, so two different files read as one text (and one
 * signature covers both).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeUtf8, readSourceFile, type Diagnostic } from '@patchwise/diagnostics';

const dir = mkdtempSync(join(tmpdir(), 'patchwise-utf8-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function failure(bytes: number[] | Buffer): Diagnostic {
  try {
    decodeUtf8(Buffer.from(bytes), 'f.yaml');
  } catch (err) {
    return err as Diagnostic;
  }
  throw new Error('decoded');
}

describe('decodeUtf8', () => {
  it('decodes UTF-8, a real U+FFFD and a byte order mark included', () => {
    expect(decodeUtf8(Buffer.from('\uFEFFcafé \uFFFD 😀'), 'f')).toBe('\uFEFFcafé \uFFFD 😀');
  });

  it.each([
    ['a stray continuation byte', [0x61, 0x80], 1, '80'],
    ['a truncated sequence', [0x61, 0x0a, 0x62, 0xc3], 3, 'C3'],
    ['an overlong encoding', [0xc0, 0xaf], 0, 'C0'],
    ['an encoded surrogate', [0x61, 0xed, 0xa0, 0x80], 1, 'ED'],
    ['0xFF', [0xff], 0, 'FF'],
  ])('%s: refused, naming the file, the line and the byte offset', (_, bytes, offset, hex) => {
    const err = failure(bytes);
    expect(err.code).toBe('PW_ENCODING');
    expect(err.file).toBe('f.yaml');
    expect(err.reason).toBe(`not a text file: not valid UTF-8 (byte 0x${hex} at byte offset ${offset})`);
  });

  it('the offset and line are those of the first bad byte, after real U+FFFD characters', () => {
    const bytes = Buffer.concat([Buffer.from('a: "\uFFFD"\nb: "\uFFFD'), Buffer.from([0xfe]), Buffer.from('"\n')]);
    const err = failure(bytes);
    expect(err.reason).toContain(`at byte offset ${Buffer.byteLength('a: "\uFFFD"\nb: "\uFFFD')}`);
    expect(err.line).toBe(2);
  });

  it('readSourceFile refuses such a file (it used to read U+FFFD)', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, Buffer.from([0x6e, 0x3a, 0x20, 0xe9, 0x0a]));
    expect(() => readSourceFile(file, 'the manifest')).toThrow(/not valid UTF-8 \(byte 0xE9 at byte offset 3\)/);
  });
});
