import { describe, expect, it } from 'vitest';
import { hasPatchAttribute, Machine, releaseAtLeast } from '@patchwise/sim';

async function patchFiles(release?: string): Promise<string[]> {
  const m = new Machine(release ? { release } : {});
  expect(await m.insmod('test_klp_livepatch', '')).toBe(0);
  return m.readdir('/sys/kernel/livepatch/test_klp_livepatch').filter((f) => f !== 'vmlinux');
}

describe('sysfs by kernel release', () => {
  it('6.1 has no replace nor stack_order, as Debian 12 kernel shows', async () => {
    expect((await patchFiles('6.1.0-57-amd64')).sort()).toEqual(['enabled', 'force', 'transition']);
  });
  it('6.12 adds replace (6.11) but not stack_order (6.14)', async () => {
    expect((await patchFiles('6.12.95+deb12-amd64')).sort()).toEqual(['enabled', 'force', 'replace', 'transition']);
  });
  it('the default release follows the newest kernel', async () => {
    expect((await patchFiles()).sort()).toEqual(['enabled', 'force', 'replace', 'stack_order', 'transition']);
  });
  it('a missing attribute cannot be read', async () => {
    const m = new Machine({ release: '6.1.0-57-amd64' });
    await m.insmod('test_klp_livepatch', '');
    expect(() => m.read('/sys/kernel/livepatch/test_klp_livepatch/replace')).toThrow();
  });
  it('compares releases by major.minor, an unreadable one counting as newest', () => {
    expect(releaseAtLeast('6.10.3', [6, 11])).toBe(false);
    expect(releaseAtLeast('6.11.0', [6, 11])).toBe(true);
    expect(releaseAtLeast('7.0', [6, 14])).toBe(true);
    expect(releaseAtLeast('custom', [6, 14])).toBe(true);
    expect(hasPatchAttribute('6.1.0', 'enabled')).toBe(true);
  });
});
