import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Committed fixtures: built from kernel/modules by scripts/update-kmod-fixtures.sh. */
export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
/** The Debian 12 kernel series the fixtures are built for (bookworm, bookworm-backports). */
export const SERIES = ['6.1', '6.12'] as const;

export const fixture = (series: string, variant: 'nodebug' | 'signed' | 'debug', name: string): Uint8Array =>
  new Uint8Array(readFileSync(join(FIXTURES, series, variant, `${name}.ko`)));
export const fixtureCert = (series: string, ext: 'pem' | 'der' = 'pem'): Uint8Array => new Uint8Array(readFileSync(join(FIXTURES, series, `signing_cert.${ext}`)));

export interface RawSection {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly offset: number;
  readonly size: number;
}

/** A test's own minimal view of the section headers, to corrupt a module at a chosen place. */
export function rawSections(bytes: Uint8Array): RawSection[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shoff = Number(view.getBigUint64(40, true));
  const shnum = view.getUint16(60, true);
  const strOff = Number(view.getBigUint64(shoff + view.getUint16(62, true) * 64 + 24, true));
  return Array.from({ length: shnum }, (_, i) => {
    const at = shoff + i * 64;
    const start = strOff + view.getUint32(at, true);
    return {
      index: i,
      name: Buffer.from(bytes.subarray(start, bytes.indexOf(0, start))).toString(),
      type: view.getUint32(at + 4, true),
      offset: Number(view.getBigUint64(at + 24, true)),
      size: Number(view.getBigUint64(at + 32, true)),
    };
  });
}
