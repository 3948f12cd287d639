import { describe, expect, it } from 'vitest';
import { compareKernelReleases, KernelRange, kernelRange, KernelRangeError, parseKernelRelease } from '@patchwise/plugin-semver-deps';

describe('parseKernelRelease', () => {
  it.each([
    ['6.8.0-45-generic', [6, 8, 0], null, [45], ['generic']],
    ['4.18.0-513.el8.x86_64', [4, 18, 0], null, [513], ['el8', 'x86_64']],
    ['5.14.21-150500.55.39-default', [5, 14, 21], null, [150500, 55, 39], ['default']],
    ['6.1.0-18-amd64', [6, 1, 0], null, [18], ['amd64']],
    ['6.12.3', [6, 12, 3], null, [], []],
    ['6.13-rc2', [6, 13], 2, [], []],
    ['6.9.0-rc1+', [6, 9, 0], 1, [], []],
    ['4.18.0-513.24.1.el8_9.x86_64', [4, 18, 0], null, [513, 24, 1], ['el8_9', 'x86_64']],
    ['6.1.0-0.deb11.17-amd64', [6, 1, 0], null, [0, 17], ['deb11', 'amd64']],
    ['5.15.167.4-microsoft-standard-WSL2', [5, 15, 167, 4], null, [], ['microsoft', 'standard', 'WSL2']],
    ['6.7.4-arch1-1', [6, 7, 4], null, [1], ['arch1']],
    ['4.14.186+', [4, 14, 186], null, [], []],
    ['  6.8.0-45-generic\n', [6, 8, 0], null, [45], ['generic']],
  ])('%s', (text, upstream, rc, build, flavour) => {
    expect(parseKernelRelease(text)).toEqual({ raw: text.trim(), upstream, rc, build, flavour });
  });

  it.each(['', 'linux', 'v6.8.0', '6.8abc', '-6.8', 'rc2'])('%j is not a kernel release', (text) => {
    expect(parseKernelRelease(text)).toBeUndefined();
  });
});

describe('compareKernelReleases', () => {
  it.each([
    // upstream numbers compare as numbers, not as text
    ['6.12.3', '6.1.0-18-amd64', 1],
    ['6.10.0', '6.9.12', 1],
    ['6.8.1', '6.80.0', -1],
    // missing upstream parts are 0
    ['6.13', '6.13.0', 0],
    ['6.8', '6.8.1', -1],
    ['5.15.167', '5.15.167.4', -1],
    ['5.15.167.0', '5.15.167', 0],
    // an rc comes before its release, and after the previous one
    ['6.13-rc2', '6.13', -1],
    ['6.13-rc2', '6.13.0', -1],
    ['6.13.0-rc2', '6.13-rc2', 0],
    ['6.13-rc1', '6.13-rc2', -1],
    ['6.13-rc10', '6.13-rc9', 1],
    ['6.12.3', '6.13-rc1', -1],
    ['6.13-rc7', '6.13.1', -1],
    // distribution build numbers, numerically, component by component
    ['6.8.0-45-generic', '6.8.0-100-generic', -1],
    ['4.18.0-513.el8.x86_64', '4.18.0-477.el8.x86_64', 1],
    ['4.18.0-513.el8.x86_64', '4.18.0-513.24.1.el8_9.x86_64', -1],
    ['4.18.0-513.5.1.el8_9.x86_64', '4.18.0-513.24.1.el8_9.x86_64', -1],
    ['5.14.21-150500.55.39-default', '5.14.21-150500.55.7-default', 1],
    ['5.14.21-150400.24.100-default', '5.14.21-150500.55.7-default', -1],
    ['6.1.0-18-amd64', '6.1.0-20-cloud-amd64', -1],
    ['6.1.0-0.deb11.17-amd64', '6.1.0-0.deb11.13-amd64', 1],
    ['6.7.4-arch1-1', '6.7.4-arch1-2', -1],
    // a distro build of a version is after the bare version, before the next one
    ['6.8.0', '6.8.0-1-generic', -1],
    ['6.8.0-100-generic', '6.8.1', -1],
    ['3.10.0-1160.el7.x86_64', '4.18.0-80.el8.x86_64', -1],
    // flavours and architectures do not order
    ['6.8.0-45-generic', '6.8.0-45-lowlatency', 0],
    ['4.18.0-513.el8.x86_64', '4.18.0-513.el8.aarch64', 0],
    ['6.1.0-18-amd64', '6.1.0-18-arm64', 0],
  ])('%s vs %s: %i', (a, b, expected) => {
    expect(compareKernelReleases(a, b)).toBe(expected);
    expect(compareKernelReleases(b, a)).toBe(-expected || 0);
  });

  it('sorts a mixed list of real releases', () => {
    const sorted = [
      '3.10.0-1160.el7.x86_64',
      '4.18.0-477.el8.x86_64',
      '4.18.0-513.el8.x86_64',
      '4.18.0-513.24.1.el8_9.x86_64',
      '5.14.21-150400.24.100-default',
      '5.14.21-150500.55.39-default',
      '6.1.0-18-amd64',
      '6.1.0-20-cloud-amd64',
      '6.8.0-45-generic',
      '6.8.0-100-generic',
      '6.12.3',
      '6.13-rc2',
      '6.13.0',
      '6.13.2',
    ];
    const shuffled = [sorted[9], sorted[2], sorted[12], sorted[0], sorted[11], sorted[5], sorted[7], sorted[13], sorted[1], sorted[10], sorted[3], sorted[8], sorted[6], sorted[4]] as string[];
    expect(new Set(shuffled).size).toBe(sorted.length);
    expect([...shuffled].sort(compareKernelReleases)).toEqual(sorted);
  });

  it('accepts parsed releases as well as strings', () => {
    const a = parseKernelRelease('6.8.0-45-generic')!;
    expect(compareKernelReleases(a, '6.8.0-46-generic')).toBe(-1);
  });

  it('throws a TypeError naming a string that is not a kernel release', () => {
    expect(() => compareKernelReleases('6.8.0', 'linux-6.8')).toThrow(TypeError);
    expect(() => compareKernelReleases('6.8.0', 'linux-6.8')).toThrow('`linux-6.8` is not a kernel release');
  });
});

describe('KernelRange', () => {
  const cases: [string, string[], string[]][] = [
    [
      '>=6.1 <6.15',
      ['6.1', '6.1.0-18-amd64', '6.8.0-45-generic', '6.12.3', '6.13-rc2', '6.15-rc1'],
      ['6.0.19', '6.1-rc7', '6.15', '6.15.0-1-generic', '5.14.21-150500.55.39-default', '4.18.0-513.el8.x86_64'],
    ],
    ['>= 6.1 < 6.15', ['6.8.0-45-generic'], ['6.15.2']],
    ['>=6.13', ['6.13', '6.13.0', '6.13.0-1-generic', '6.14.0-rc1'], ['6.13-rc2', '6.12.30']],
    ['<6.13', ['6.13-rc2', '6.12.30'], ['6.13', '6.13.0-1-generic']],
    ['>=6.13-rc1 <6.13', ['6.13-rc1', '6.13.0-rc2', '6.13-rc7'], ['6.13', '6.12.9']],
    ['=6.13-rc2', ['6.13-rc2', '6.13.0-rc2'], ['6.13-rc3', '6.13']],
    // an operand without build numbers stands for every build of that version
    ['=6.8.0', ['6.8', '6.8.0', '6.8.0-45-generic', '6.8.0-100-lowlatency'], ['6.8.1', '6.8-rc3', '6.7.12']],
    ['6.8.0', ['6.8.0-45-generic'], ['6.8.1']],
    ['<=6.8.0', ['6.8.0-100-generic', '6.7.12'], ['6.8.1']],
    ['>6.8.0', ['6.8.1', '6.9-rc1'], ['6.8.0-100-generic', '6.8.0']],
    ['<6.8.0', ['6.7.12', '6.8-rc7'], ['6.8.0', '6.8.0-45-generic']],
    // build numbers, compared to the operand's precision
    ['>=6.8.0-45', ['6.8.0-45-generic', '6.8.0-100-generic', '6.9.0'], ['6.8.0-44-generic', '6.8.0']],
    [
      '>=4.18.0-477 <4.18.0-514',
      ['4.18.0-477.el8.x86_64', '4.18.0-513.el8.x86_64', '4.18.0-513.24.1.el8_9.x86_64'],
      ['4.18.0-425.el8.x86_64', '4.18.0-514.el8.x86_64', '4.18.1'],
    ],
    ['<=4.18.0-513', ['4.18.0-513.24.1.el8_9.x86_64', '4.18.0-477.el8.x86_64'], ['4.18.0-514.el8.x86_64']],
    ['<4.18.0-513', ['4.18.0-477.10.1.el8_8.x86_64'], ['4.18.0-513.el8.x86_64', '4.18.0-513.24.1.el8_9.x86_64']],
    ['>4.18.0-513', ['4.18.0-514.el8.x86_64', '5.14.0-362.el9.x86_64'], ['4.18.0-513.24.1.el8_9.x86_64']],
    ['=4.18.0-513.24', ['4.18.0-513.24.1.el8_9.x86_64'], ['4.18.0-513.el8.x86_64', '4.18.0-513.25.1.el8_9.x86_64']],
    [
      '>=5.14.21-150500.55.7',
      ['5.14.21-150500.55.39-default', '5.14.21-150500.55.7-default', '5.14.22'],
      ['5.14.21-150500.55.6-default', '5.14.21-150400.24.100-default'],
    ],
    ['=6.8.0-45-generic', ['6.8.0-45-generic', '6.8.0-45-lowlatency'], ['6.8.0-46-generic']],
    // x-ranges: by upstream prefix, numerically
    ['6.8.x', ['6.8.0-45-generic', '6.8', '6.8.12', '6.8-rc3'], ['6.9.0', '6.80.0', '6.7.12']],
    ['6.8.*', ['6.8.1'], ['6.9']],
    ['6.x', ['6.13-rc2', '6.1.0-18-amd64'], ['5.14.21-150500.55.39-default', '7.0']],
    ['6.X.x', ['6.2'], ['5.2']],
    ['*', ['6.8.0-45-generic', '3.10.0-1160.el7.x86_64'], ['linux']],
    ['', ['6.12.3'], ['linux']],
    // alternatives
    ['5.14.x || >=6.12', ['5.14.21-150500.55.39-default', '6.12.3', '6.13-rc2'], ['6.1.0-18-amd64', '5.15.0']],
    ['<5 || =6.8.0 || >=6.12 <6.13', ['4.18.0-513.el8.x86_64', '6.8.0-45-generic', '6.12.3'], ['5.14.21', '6.8.1', '6.13']],
  ];

  describe.each(cases)('%j', (text, inside, outside) => {
    const range = new KernelRange(text);
    it.each(inside)('contains %s', (release) => expect(range.test(release)).toBe(true));
    it.each(outside)('does not contain %s', (release) => expect(range.test(release)).toBe(false));
  });

  it('tests parsed releases', () => {
    expect(new KernelRange('>=6.1').test(parseKernelRelease('6.8.0-45-generic')!)).toBe(true);
  });

  it('keeps the text as written', () => {
    expect(String(new KernelRange('>= 6.1  <6.15'))).toBe('>= 6.1  <6.15');
  });

  it.each([
    ['>=6.8.x', 'an operator takes a release, not an x-range (write `>=6.8`)'],
    ['>=', 'has no release after the operator'],
    ['>=linux', '`linux` is not a kernel release'],
    ['6.x.3', '`6.x.3` is not a kernel release'],
    ['>=6.1abc', '`6.1abc` is not a kernel release'],
    ['~6.1', '`~6.1` is not a kernel release'],
    ['^6.1', '`^6.1` is not a kernel release'],
    ['6.1 - 6.8', '`-` is not a kernel release'],
    ['>=6.1 ||', 'empty alternative'],
    ['|| 6.1', 'empty alternative'],
  ])('refuses %j: %s', (text, reason) => {
    let error: unknown;
    try {
      new KernelRange(text);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(KernelRangeError);
    expect((error as KernelRangeError).range).toBe(text);
    expect((error as KernelRangeError).message).toContain(`invalid kernel release range \`${text}\``);
    expect((error as KernelRangeError).reason).toContain(reason);
  });

  it('kernelRange is the range of its text, and throws a KernelRangeError for an invalid one', () => {
    const range = kernelRange('>=6.1 <6.15');
    expect(range.raw).toBe('>=6.1 <6.15');
    expect(range.test('6.8.0-45-generic')).toBe(true);
    expect(range.test('6.15.0')).toBe(false);
    expect(() => kernelRange('>=6.8.x')).toThrow(KernelRangeError);
  });
});
