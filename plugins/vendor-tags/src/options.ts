/**
 * The options of `vendor-tags`, their defaults, and the form the rules read them in.
 */
import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { isWellFormed } from '@patchwise/manifest';
import * as z from 'zod';
import { parsePublicKey } from './keys.js';
import { nameOf } from './patch-facts.js';

/** Vendor and tag names: compared in Unicode NFC (see `nameOf`), so they must be valid Unicode text. */
const name = (what: string) =>
  z
    .string()
    .min(1, `a ${what} is a non-empty string`)
    .refine(isWellFormed, `a ${what} must be valid Unicode text (this one holds a lone surrogate, which UTF-8 cannot hold)`);
const tagName = name('tag');
/** `{ tag: ['other'] }`; a single tag may be written without the array. Keys are checked below. */
const tagRules = z.record(z.string().min(1, 'a tag is a non-empty string'), z.union([tagName, z.array(tagName).min(1, 'list at least one tag')]));

/**
 * A key as text, or the file holding it: an absolute path (a config's `./keys/acme.pub` arrives
 * absolute, see `fileOptions` in policy.ts) is read; key text never starts with `/`.
 */
const publicKey = z.string().transform((text, ctx) => {
  let key = text;
  if (isAbsolute(text)) {
    try {
      key = readFileSync(text, 'utf8');
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `cannot read the key file ${text} (${(err as NodeJS.ErrnoException).code ?? 'error'})` });
      return z.NEVER;
    }
  }
  try {
    parsePublicKey(key);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: isAbsolute(text) ? `${text}: ${(err as Error).message}` : (err as Error).message });
    return z.NEVER;
  }
  return key;
});

export const optionsSchema = z
  .strictObject({
    /** Two enabled patches on one function: `same-vendor`, `any`, or `deny`. */
    sameFunction: z.enum(['same-vendor', 'any', 'deny']),
    /** Whose patches an atomic-replace patch may replace: `same-vendor`, `same-set`, or `any`. */
    replace: z.enum(['same-vendor', 'same-set', 'any']),
    /** The tag prefix naming a patch's replace set (`replace-set:fleet` is set `fleet`). */
    replaceSetPrefix: name('prefix'),
    /** `{ a: ['b'] }`: a patch tagged `a` is enabled only while patches tagged `b` are. */
    requiresTag: tagRules,
    /** `{ a: ['b'] }`: patches tagged `a` and patches tagged `b` are never enabled together. */
    conflictsWithTag: tagRules,
    /** Each vendor's Ed25519 public key: PEM (SPKI), the raw 32 bytes in base64, or a key file (relative to the config). */
    keys: z.record(z.string().min(1), publicKey),
    /** `required`, `optional` (verify when present) or `off`. */
    signatures: z.enum(['required', 'optional', 'off']),
  })
  .superRefine((options, ctx) => {
    // Names used as keys, said here: zod's own words for a record key it refuses are "Invalid key".
    for (const [option, what] of [['keys', 'vendor'], ['requiresTag', 'tag'], ['conflictsWithTag', 'tag']] as const) {
      for (const key of Object.keys(options[option])) {
        if (!isWellFormed(key)) ctx.addIssue({ code: 'custom', path: [option, key], message: `a ${what} must be valid Unicode text (this one holds a lone surrogate, which UTF-8 cannot hold)` });
      }
    }
    // Two keys for one name would make the vendor's key depend on the order they are written in.
    const vendors = new Map<string, string>();
    for (const vendor of Object.keys(options.keys)) {
      const normal = nameOf(vendor) ?? vendor;
      const other = vendors.get(normal);
      if (other !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['keys', vendor],
          message: `vendors \`${other}\` and \`${vendor}\` are one name written with different code points (vendor names are compared in Unicode NFC); give the vendor one key`,
        });
      }
      vendors.set(normal, vendor);
    }
    if (options.signatures === 'required' && Object.keys(options.keys).length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['keys'],
        message: '`signatures` is `required` but `keys` is empty, so every patch would be refused; add the vendors\' public keys',
      });
    }
  });

export type VendorTagsOptions = z.input<typeof optionsSchema>;

export const defaults = {
  sameFunction: 'same-vendor',
  replace: 'same-vendor',
  replaceSetPrefix: 'replace-set:',
  requiresTag: {},
  conflictsWithTag: {},
  keys: {},
  signatures: 'optional',
} as const satisfies VendorTagsOptions;

/** The most permissive settings: the kernel's own behaviour (every rule off). */
export const permissiveOptions = {
  sameFunction: 'any',
  replace: 'any',
  requiresTag: {},
  conflictsWithTag: {},
  signatures: 'off',
} as const satisfies Partial<VendorTagsOptions>;

/** The options as the rules use them: tag rules as sets, keys parsed once. */
export interface Settings {
  readonly sameFunction: 'same-vendor' | 'any' | 'deny';
  readonly replace: 'same-vendor' | 'same-set' | 'any';
  readonly replaceSetPrefix: string;
  /** Tag → the tags that must be carried by enabled patches while it is. */
  readonly requiresTag: ReadonlyMap<string, readonly string[]>;
  /** Tag → the tags it conflicts with, both directions filled in. */
  readonly conflictsWithTag: ReadonlyMap<string, ReadonlySet<string>>;
  readonly keys: ReadonlyMap<string, KeyObject>;
  readonly signatures: 'required' | 'optional' | 'off';
}

/** A name the schema accepted (non-empty, valid Unicode), as the rules compare it. */
const normalName = (text: string): string => nameOf(text) ?? text;

const asList = (value: string | readonly string[]): string[] => [...new Set((typeof value === 'string' ? [value] : value).map(normalName))];

export function settingsOf(options: z.output<typeof optionsSchema>): Settings {
  const conflicts = new Map<string, Set<string>>();
  const addConflict = (tag: string, other: string) => {
    const a = normalName(tag);
    const set = conflicts.get(a) ?? new Set<string>();
    set.add(normalName(other));
    conflicts.set(a, set);
  };
  for (const [tag, others] of Object.entries(options.conflictsWithTag)) {
    for (const other of asList(others)) {
      addConflict(tag, other);
      addConflict(other, tag);
    }
  }
  // Two spellings of one tag (NFC) are one rule: their requirements add up.
  const requires = new Map<string, string[]>();
  for (const [tag, required] of Object.entries(options.requiresTag)) {
    const normal = normalName(tag);
    requires.set(normal, [...new Set([...(requires.get(normal) ?? []), ...asList(required)])]);
  }
  return {
    sameFunction: options.sameFunction,
    replace: options.replace,
    replaceSetPrefix: normalName(options.replaceSetPrefix),
    requiresTag: requires,
    conflictsWithTag: conflicts,
    keys: new Map(Object.entries(options.keys).map(([vendor, key]) => [normalName(vendor), parsePublicKey(key)])),
    signatures: options.signatures,
  };
}
