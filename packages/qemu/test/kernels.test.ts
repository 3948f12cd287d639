import { describe, expect, it } from 'vitest';
import { cacheDir, isKernelSeries, modinfoDepends, parseShow } from '@patchwise/qemu';

describe('apt-cache show', () => {
  it('reads the first stanza: version and pinned dependencies, first alternative only', () => {
    const text = [
      'Package: linux-headers-6.12.117+deb12-amd64',
      'Version: 6.12.117-1~deb12u1',
      'Depends: linux-base, linux-headers-6.12.117+deb12-common (= 6.12.117-1~deb12u1), linux-image-6.12.117+deb12-amd64 (= 6.12.117-1~deb12u1) | linux-image-6.12.117+deb12-amd64-unsigned (= 6.12.117-1~deb12u1), linux-kbuild-6.12.117+deb12 (= 6.12.117-1~deb12u1), gcc-12',
      'Description: x',
      '',
      'Package: linux-headers-6.12.117+deb12-amd64',
      'Version: 0.0-older',
      '',
    ].join('\n');
    expect(parseShow(text)).toEqual({
      version: '6.12.117-1~deb12u1',
      depends: [
        { name: 'linux-base' },
        { name: 'linux-headers-6.12.117+deb12-common', version: '6.12.117-1~deb12u1' },
        { name: 'linux-image-6.12.117+deb12-amd64', version: '6.12.117-1~deb12u1' },
        { name: 'linux-kbuild-6.12.117+deb12', version: '6.12.117-1~deb12u1' },
        { name: 'gcc-12' },
      ],
    });
  });
  it('reads nothing from an unknown package', () => {
    expect(parseShow('')).toEqual({ depends: [] });
  });
});

describe('modinfoDepends', () => {
  it('reads the comma-separated depends entry of .modinfo', () => {
    const ko = Buffer.from('\x7fELF\0junk\0license=GPL\0depends=netfs,9pnet\0intree=Y\0', 'latin1');
    expect(modinfoDepends(ko)).toEqual(['netfs', '9pnet']);
  });
  it('reads an empty entry or none as no dependencies', () => {
    expect(modinfoDepends(Buffer.from('\0depends=\0name=x\0'))).toEqual([]);
    expect(modinfoDepends(Buffer.from('\0name=x\0'))).toEqual([]);
  });
});

describe('cacheDir', () => {
  it('prefers PATCHWISE_CACHE_DIR, then XDG_CACHE_HOME, then ~/.cache', () => {
    expect(cacheDir({ PATCHWISE_CACHE_DIR: '/c', XDG_CACHE_HOME: '/x' })).toBe('/c');
    expect(cacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/patchwise');
    expect(cacheDir({})).toMatch(/\.cache\/patchwise$/);
  });
});

describe('isKernelSeries', () => {
  it('knows 6.1 and 6.12 only', () => {
    expect(['6.1', '6.12', '6.6', 6.1, undefined].map(isKernelSeries)).toEqual([true, true, false, false, false]);
  });
});
