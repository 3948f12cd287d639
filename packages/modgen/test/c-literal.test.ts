import { describe, expect, it } from 'vitest';
import { cString } from '@patchwise/modgen';
import { decodeCLiteral } from './c-literal-decoder.js';

const HOSTILE = [
  'plain text',
  'say "hi"',
  'back\\slash and \\n written out',
  '100% %s %n %p %%',
  'two\nlines\n',
  'tab\tcr\rbell\u0007',
  'trigraphs ??= ??/ ??\' ???',
  'nul\u0000then 12 digits: \u00001',
  '*/ /* // comment breakers',
  'é ü ñ — “quotes” 漢字 🙂',
  '\u007f del and \u0080 c1',
  '\\x41 \\101 \\0 written out',
  "');\nsystem(\"rm -rf /\"); //",
];

describe('cString', () => {
  it.each(HOSTILE)('emits a literal that decodes to the same UTF-8 bytes: %j', (text) => {
    const literal = cString(text);
    expect(decodeCLiteral(literal)).toEqual(Buffer.from(text, 'utf8'));
  });

  it('keeps printable ASCII readable and writes every other byte as a three-digit octal escape', () => {
    expect(cString('a "b" \\ ? %')).toBe('"a \\"b\\" \\\\ \\? %"');
    expect(cString('é\n\u00001')).toBe('"\\303\\251\\n\\0001"');
  });

  it('never leaves a raw newline, quote or control byte in the source', () => {
    for (const text of HOSTILE) expect(cString(text).slice(1, -1)).toMatch(/^(?:[ -!#-[\]-~]|\\.)*$/);
  });
});
