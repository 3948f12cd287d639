/**
 * `import()` of a user's file: a plugin, a JS or TypeScript config, bounded by a load timeout.
 *
 * The bundled command compiles its code with `vm.Script` to keep a V8 code cache, and code from a
 * cached script cannot `import()` on its own. Its launcher (packages/cli/bin/patchwise.cjs) lends
 * Node's own `import()` as `globalThis.__patchwiseImport`; everywhere else this is plain `import()`.
 *
 * Why a timeout: a module whose top-level await never settles leaves its `import()` pending with
 * nothing else holding the process open; the event loop drains and the command would end having
 * decided nothing. A (ref'd) timer keeps the process alive until it fails the load instead.
 */
import { Diagnostic } from '@patchwise/diagnostics';
import { MAX_TIMEOUT_MS } from '@patchwise/policy';

type ImportFn = (specifier: string) => Promise<unknown>;

/** How long one config or plugin module may take to load, unless `PATCHWISE_LOAD_TIMEOUT_MS` says. */
export const DEFAULT_LOAD_TIMEOUT_MS = 30_000;
export const LOAD_TIMEOUT_ENV = 'PATCHWISE_LOAD_TIMEOUT_MS';

/** A module that did not finish loading in time (callers name the file). */
export class LoadTimeoutError extends Error {
  readonly code = 'PW_LOAD_TIMEOUT';
  constructor(readonly ms: number) {
    super(`did not finish loading within ${ms} ms (a top-level await that never settles?)`);
    this.name = 'LoadTimeoutError';
  }
}

/** The load timeout: `PATCHWISE_LOAD_TIMEOUT_MS` (a whole number of ms, 1 to 2^31-1) or the default. */
export function loadTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const text = env[LOAD_TIMEOUT_ENV];
  if (text === undefined) return DEFAULT_LOAD_TIMEOUT_MS;
  const ms = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(ms >= 1 && ms <= MAX_TIMEOUT_MS)) {
    throw new Diagnostic({
      code: 'PW_USAGE',
      reason: `\`${LOAD_TIMEOUT_ENV}=${text}\` is not a timeout`,
      hint: `a whole number of ms from 1 to ${MAX_TIMEOUT_MS}, or unset for ${DEFAULT_LOAD_TIMEOUT_MS}`,
    });
  }
  return ms;
}

/** `promise`, or a `LoadTimeoutError` once the load timeout has passed. */
export function withinLoadTimeout<T>(promise: Promise<T>, ms = loadTimeoutMs()): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LoadTimeoutError(ms)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function importModule(specifier: string): Promise<Record<string, unknown>> {
  const lent = (globalThis as { __patchwiseImport?: ImportFn }).__patchwiseImport;
  const ms = loadTimeoutMs();
  return withinLoadTimeout((lent ? lent(specifier) : import(specifier)) as Promise<Record<string, unknown>>, ms);
}
