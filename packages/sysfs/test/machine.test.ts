import { describe, expect, it } from 'vitest';
import { errnoOfToolOutput } from '@patchwise/sysfs';

describe('the errno behind a module tool\'s message', () => {
  it.each([
    ['insmod: ERROR: could not insert module acme.ko: File exists', 'EEXIST'],
    ["insmod: can't insert 'acme.ko': File exists", 'EEXIST'],
    ['insmod: ERROR: could not insert module acme.ko: Invalid parameters', 'EINVAL'],
    ["insmod: can't insert 'acme.ko': Invalid argument", 'EINVAL'],
    ['insmod: ERROR: could not insert module acme.ko: Invalid module format', 'ENOEXEC'],
    ['insmod: ERROR: could not insert module acme.ko: Device or resource busy', 'EBUSY'],
    ["rmmod: can't unload module 'acme': Resource temporarily unavailable", 'EAGAIN'],
    ['rmmod: ERROR: Module acme is in use', 'EAGAIN'],
    ['rmmod: ERROR: Module acme is not currently loaded', 'ENOENT'],
    ['something else went wrong', 'EUNKNOWN'],
  ])('%s → %s', (text, errno) => {
    expect(errnoOfToolOutput(text)).toBe(errno);
  });
});
