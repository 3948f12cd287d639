/**
 * Every byte is hostile: truncations and bit flips of real modules (stripped, signed, with debug
 * info) either read or fail with a KmodError, nothing else, and never hang. FUZZ_RUNS scales it.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { isKmodError, readKernelModule } from '@patchwise/kmod';
import { fixture } from './support.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
// A read takes ~5 ms (~25 ms with a signature: pkijs' schema checks); leave room for slow machines.
const TIMEOUT = { timeout: Math.max(20_000, RUNS * 60) };
const SAMPLES = [
  fixture('6.1', 'nodebug', 'acme_callbacks'),
  fixture('6.12', 'signed', 'acme_cumulative'),
  fixture('6.12', 'nodebug', 'acme_target_fix'),
  fixture('6.1', 'signed', 'acme_cmdline'),
];

function readsOrTypedError(bytes: Uint8Array): void {
  try {
    readKernelModule(bytes, { requireLivepatch: false });
  } catch (err) {
    if (!isKmodError(err)) throw err;
  }
}

describe('fuzzing the reader with real modules', () => {
  it('truncated anywhere', TIMEOUT, () => {
    fc.assert(
      fc.property(fc.constantFrom(...SAMPLES.keys()), fc.double({ min: 0, max: 1, noNaN: true }), (i, cut) => {
        const bytes = SAMPLES[i] as Uint8Array;
        readsOrTypedError(bytes.subarray(0, Math.floor(bytes.length * cut)));
      }),
      { numRuns: RUNS },
    );
  });

  it('bits flipped anywhere', TIMEOUT, () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SAMPLES.keys()),
        fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 8 }),
        (i, flips) => {
          const bytes = Uint8Array.from(SAMPLES[i] as Uint8Array);
          for (const [where, bit] of flips) {
            const at = Math.floor(where * bytes.length);
            bytes[at] = (bytes[at] as number) ^ (1 << bit);
          }
          readsOrTypedError(bytes);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('bits flipped in the ELF header and the tables at the end of the file', TIMEOUT, () => {
    // The first 64 bytes (ELF header) and the last 4 KiB (section headers, string tables) of a
    // stripped module hold the structure; flips there reach the bounds checks rather than code bytes.
    fc.assert(
      fc.property(fc.constantFrom(...SAMPLES.keys()), fc.array(fc.tuple(fc.boolean(), fc.nat(4095), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 4 }), (i, flips) => {
        const bytes = Uint8Array.from(SAMPLES[i] as Uint8Array);
        for (const [head, off, bit] of flips) {
          const at = head ? off % 64 : Math.max(0, bytes.length - 1 - off);
          bytes[at] = (bytes[at] as number) ^ (1 << bit);
        }
        readsOrTypedError(bytes);
      }),
      { numRuns: RUNS },
    );
  });

  it('random bytes behind an ELF header', TIMEOUT, () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 4096 }), (tail) => {
        const head = (SAMPLES[0] as Uint8Array).subarray(0, 64);
        const bytes = new Uint8Array(64 + tail.length);
        bytes.set(head);
        bytes.set(tail, 64);
        readsOrTypedError(bytes);
      }),
      { numRuns: RUNS },
    );
  });
});
