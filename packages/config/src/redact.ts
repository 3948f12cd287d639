/**
 * What `print-config` must never show: private key material. A plugin at `severity: off` has its
 * options printed unvalidated, so no plugin's own checks can be relied on: values are redacted by
 * shape (any PEM private key, whatever its type) and by field name (`privateKey`, `secret`,
 * `password`, `token`, ...), at any depth.
 */
const PRIVATE_PEM = /-----BEGIN[A-Z0-9 ]*PRIVATE KEY-----/;
const SECRET_FIELD = /private.?key|secret|passw(or)?d|passphrase|token|credential/i;

export const REDACTED = '[redacted]';

/** A copy of `value` with secrets replaced by `[redacted]` (own keys only; plain objects out). */
export function redactSecrets(value: unknown): unknown {
  if (typeof value === 'string') return PRIVATE_PEM.test(value) ? `${REDACTED} (a private key)` : value;
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (typeof value !== 'object' || value === null) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    // defineProperty: a `__proto__` key stays a key of the copy, never its prototype.
    Object.defineProperty(copy, key, { value: SECRET_FIELD.test(key) ? REDACTED : redactSecrets(field), enumerable: true, writable: true, configurable: true });
  }
  return copy;
}
