/**
 * A small decoder of C string literals, written apart from the encoder under test: what a C
 * compiler makes of the literal, byte for byte (simple escapes, octal and hex escapes).
 */
const SIMPLE: Record<string, number> = { n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11, '\\': 92, '"': 34, "'": 39, '?': 63 };

export function decodeCLiteral(literal: string): Buffer {
  if (!literal.startsWith('"') || !literal.endsWith('"') || literal.length < 2) throw new Error(`not a literal: ${literal}`);
  const body = literal.slice(1, -1);
  const bytes: number[] = [];
  for (let i = 0; i < body.length; ) {
    const ch = body[i]!;
    const code = ch.charCodeAt(0);
    if (code < 0x20 || code > 0x7e) throw new Error(`raw byte ${code} in a literal`);
    if (ch === '"') throw new Error(`unescaped quote at ${i}`);
    if (ch === '?' && body[i + 1] === '?') throw new Error(`a trigraph may start at ${i}`);
    if (ch !== '\\') {
      bytes.push(code);
      i += 1;
      continue;
    }
    const next = body[i + 1];
    if (next === undefined) throw new Error('a lone backslash ends the literal');
    if (/[0-7]/.test(next)) {
      const oct = /^[0-7]{1,3}/.exec(body.slice(i + 1))![0];
      bytes.push(parseInt(oct, 8));
      i += 1 + oct.length;
    } else if (next === 'x') {
      const hex = /^[0-9a-fA-F]+/.exec(body.slice(i + 2))?.[0];
      if (!hex) throw new Error('\\x without digits');
      bytes.push(parseInt(hex, 16) & 0xff);
      i += 2 + hex.length;
    } else if (next in SIMPLE) {
      bytes.push(SIMPLE[next]!);
      i += 2;
    } else {
      throw new Error(`unknown escape \\${next}`);
    }
  }
  return Buffer.from(bytes);
}

/** Every C string literal of `source`, in order. */
export function literals(source: string): string[] {
  return [...source.matchAll(/"(?:[^"\\\n]|\\.)*"/g)].map((m) => m[0]);
}
