/**
 * Caps on every count read from a module. Real livepatch modules are far below each (a few dozen
 * sections, hundreds of symbols, a handful of functions); a file above one is refused, so no loop
 * runs on a count an attacker chose.
 */
export const LIMITS = {
  /** Bytes of a module file (real ones: kilobytes to a few megabytes with debug info). */
  fileBytes: 256 * 1024 * 1024,
  sections: 4096,
  symbols: 1_000_000,
  relocationsPerSection: 1_000_000,
  /** Bytes of one string (a symbol or modinfo entry). */
  string: 64 * 1024,
  modinfoEntries: 4096,
  versions: 100_000,
  objects: 1024,
  functionsPerObject: 16_384,
  /** klp_funcs over all objects. */
  functions: 65_536,
  states: 1024,
  /** Values in one comma-separated `patchwise_*` list. */
  listItems: 1024,
} as const;
