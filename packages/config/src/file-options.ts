/**
 * Options that name files (a policy's `meta.fileOptions`), made absolute against the folder of the
 * config that set them: `keys: {acme: ./keys/acme.pub}` means beside that config, whichever config
 * extends it and wherever the command runs.
 */
import { resolve } from 'node:path';
import type { Policy } from '@patchwise/policy';

const RELATIVE = /^\.\.?[/\\]/;

function resolveAt(value: unknown, keys: readonly string[], dir: string): unknown {
  if (keys.length === 0) return typeof value === 'string' && RELATIVE.test(value) ? resolve(dir, value) : value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const [key, ...rest] = keys as [string, ...string[]];
  // A copy, never the config's own object; own keys only, so `__proto__` is data, not a prototype.
  const copy: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [k, v] of Object.entries(value)) copy[k] = key === '*' || k === key ? resolveAt(v, rest, dir) : v;
  return { ...copy };
}

export function resolveFileOptions(policy: Policy, options: unknown, dir: string): unknown {
  const paths = (policy.meta as { fileOptions?: readonly string[] }).fileOptions ?? [];
  return paths.reduce((value, path) => resolveAt(value, path.split('.'), dir), options);
}
