/**
 * `import()` of a user's file: a plugin, a JS or TypeScript config.
 *
 * The bundled command compiles its code with `vm.Script` to keep a V8 code cache, and code from a
 * cached script cannot `import()` on its own. Its launcher (packages/cli/bin/patchwise.cjs) lends
 * Node's own `import()` as `globalThis.__patchwiseImport`; everywhere else this is plain `import()`.
 */
type ImportFn = (specifier: string) => Promise<unknown>;

export function importModule(specifier: string): Promise<Record<string, unknown>> {
  const lent = (globalThis as { __patchwiseImport?: ImportFn }).__patchwiseImport;
  return (lent ? lent(specifier) : import(specifier)) as Promise<Record<string, unknown>>;
}
