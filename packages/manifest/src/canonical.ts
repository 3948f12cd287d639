/**
 * The canonical serialization a manifest signature covers: JSON with sorted keys, no whitespace,
 * and the `signature` field left out.
 */

function canonicalValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalValue);
  if (typeof value === 'function') {
    throw new TypeError('a manifest with functions in it cannot be signed; use declarative callback actions');
  }
  if (typeof value !== 'object' || value === null) return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) sorted[key] = canonicalValue(v);
  }
  return sorted;
}

/** The bytes a vendor signs. */
export function canonicalManifest(manifest: object): string {
  const { signature: _signature, ...rest } = manifest as Record<string, unknown>;
  return JSON.stringify(canonicalValue(rest));
}
