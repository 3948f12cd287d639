/**
 * Kernel release strings (`uname -r`) and their order.
 *
 * They are not semver: `6.8.0-45-generic` would parse as a prerelease of 6.8.0 (sorting below it and
 * failing `>=5.10`), and `4.18.0-513.el8.x86_64` does not parse at all. A release is read as
 * upstream numbers, an optional release candidate, then the distribution's part after the first
 * `-`: its purely numeric tokens are build numbers (they order releases of one upstream version),
 * every other token names a flavour, architecture or distribution and never orders anything.
 */

export interface KernelRelease {
  /** The string as given (trimmed). */
  readonly raw: string;
  /** Upstream version numbers: `6.8.0` → `[6, 8, 0]`, `6.13` → `[6, 13]`. */
  readonly upstream: readonly number[];
  /** Release candidate: `6.13-rc2` → 2; `null` for a release. */
  readonly rc: number | null;
  /** The distribution's build numbers: `4.18.0-513.24.1.el8_9.x86_64` → `[513, 24, 1]`. */
  readonly build: readonly number[];
  /** The other tokens of the distribution's part: `generic`, `el8_9`, `x86_64`, `default`. */
  readonly flavour: readonly string[];
}

const UPSTREAM = /^(\d{1,9}(?:\.\d{1,9})*)(.*)$/s;
const RC = /^rc(\d{1,9})$/i;
// Up to 15 digits so that every build number is an exact double; longer digit runs are not build
// numbers anyone uses, and reading them as flavour keeps comparisons exact.
const NUMBER = /^\d{1,15}$/;
// `.` and `-` separate the tokens of a distribution's part; `+` marks a locally modified tree
// (`6.9.0-rc1+`). `_` does not separate: it is inside `x86_64` and `el8_9`, which are single words.
const SEPARATORS = /[.\-+]/;

/**
 * Read a kernel release. `undefined` when it does not start with an upstream version, or when the
 * version runs straight into letters (`6.8abc`).
 */
export function parseKernelRelease(text: string): KernelRelease | undefined {
  const raw = text.trim();
  const match = UPSTREAM.exec(raw);
  if (!match) return undefined;
  const upstream = match[1]!.split('.').map(Number);
  const rest = match[2]!;
  if (rest !== '' && /^[A-Za-z0-9]/.test(rest)) return undefined;
  const dash = rest.indexOf('-');
  // Whatever comes before the first `-` (`+` of a dirty tree, `.el8` glued on) is flavour only.
  const before = tokens(dash < 0 ? rest : rest.slice(0, dash));
  const after = dash < 0 ? [] : tokens(rest.slice(dash + 1));
  let rc: number | null = null;
  const rcMatch = RC.exec(after[0] ?? '');
  if (rcMatch) {
    rc = Number(rcMatch[1]);
    after.shift();
  }
  const build: number[] = [];
  const flavour = [...before];
  for (const token of after) {
    if (NUMBER.test(token)) build.push(Number(token));
    else flavour.push(token);
  }
  return { raw, upstream, rc, build, flavour };
}

const tokens = (part: string): string[] => part.split(SEPARATORS).filter((t) => t !== '');

/** Compare number lists, missing entries counting as 0. */
function compareNumbers(a: readonly number[], b: readonly number[], length = Math.max(a.length, b.length)): number {
  for (let i = 0; i < length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/** An rc comes before its release: `6.13-rc2` < `6.13`. */
function compareRc(a: number | null, b: number | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return Math.sign(a - b);
}

/** Upstream version and rc only (the order of `6.8.0-45-generic` and `6.8.0-100-generic` is 0 here). */
export function compareUpstream(a: KernelRelease, b: KernelRelease): number {
  return compareNumbers(a.upstream, b.upstream) || compareRc(a.rc, b.rc);
}

/**
 * Compare `a` with `b`, looking at `b`'s build numbers only (its first `buildLength` ones): a range's
 * operand `4.18.0-513` stands for every z-stream build `4.18.0-513.*`.
 */
export function compareWithPrecision(a: KernelRelease, b: KernelRelease, buildLength: number): number {
  return compareUpstream(a, b) || compareNumbers(a.build, b.build, buildLength);
}

const asRelease = (value: string | KernelRelease): KernelRelease => {
  if (typeof value !== 'string') return value;
  const parsed = parseKernelRelease(value);
  if (!parsed) throw new TypeError(`\`${value}\` is not a kernel release (expected e.g. \`6.8.0-45-generic\`)`);
  return parsed;
};

/**
 * -1, 0 or 1 as `a` is older than, as old as, or newer than `b`: upstream numbers (missing parts are
 * 0), then rc (an rc before its release), then build numbers (missing ones are 0). Flavours do not
 * order: `6.8.0-45-generic` and `6.8.0-45-lowlatency` compare equal. Throws a `TypeError` for a
 * string that is not a kernel release.
 */
export function compareKernelReleases(a: string | KernelRelease, b: string | KernelRelease): -1 | 0 | 1 {
  const x = asRelease(a);
  const y = asRelease(b);
  return (compareUpstream(x, y) || compareNumbers(x.build, y.build)) as -1 | 0 | 1;
}
