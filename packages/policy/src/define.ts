/**
 * `definePolicy`: a policy is declarative metadata (name, docs, messages with ids, an options
 * schema, defaults) plus one function that taps the lifecycle hooks.
 */
import type { z } from 'zod';
import type { PolicyHooks } from './policy-hooks.js';

export interface PolicyDocs {
  /** One sentence: what the policy enforces. */
  readonly description: string;
  readonly url?: string;
}

export interface PolicyMeta<S extends z.ZodType, M extends string> {
  readonly docs: PolicyDocs;
  /**
   * Message templates by id. The id is the finding's `code`; `{{name}}` is replaced by `data.name`
   * (lists are joined with ", ").
   */
  readonly messages: Readonly<Record<M, string>>;
  /** The options' schema (zod). Prefer `z.strictObject` so misspelled options are refused. */
  readonly schema?: S;
  /** Defaults, merged under the user's options before validation. */
  readonly defaults?: Partial<z.input<S>>;
  /**
   * Options that name files, as dotted paths (`*`: every key of a map, e.g. `keys.*`). A config
   * gives them relative to itself (`./keys/acme.pub`); the policy receives them absolute.
   */
  readonly fileOptions?: readonly string[];
}

/** What `apply` gets besides hooks and options. */
export interface PolicyContext {
  /** The policy's name. */
  readonly name: string;
  /** The severity it runs at (`off` policies are never applied). */
  readonly severity: 'error' | 'warn';
}

export interface PolicyDefinition<S extends z.ZodType, M extends string> {
  /** Unique, kebab-case: findings and the config refer to it. */
  readonly name: string;
  readonly version?: string;
  /** Run before (`pre`) or after (`post`) the other policies at each hook. */
  readonly order?: 'pre' | 'post';
  readonly meta: PolicyMeta<S, M>;
  /** Tap the hooks. Called once, when the policy set is applied. */
  apply(hooks: PolicyHooks<M>, options: z.output<S>, context: PolicyContext): void;
}

/** A defined policy. The brand keeps hand-made objects out of the policy set. */
export interface Policy<S extends z.ZodType = z.ZodType, M extends string = string> extends PolicyDefinition<S, M> {
  readonly kind: 'patchwise-policy';
}

const NAME = /^[a-z0-9][a-z0-9-]*(\/[a-z0-9][a-z0-9-]*)?$/;
const MESSAGE_ID = /^[a-z0-9][a-z0-9-]*$/;

/** Define a policy; checks the definition itself (a mistake here is the author's, not the user's). */
export function definePolicy<S extends z.ZodType = z.ZodType<Record<string, never>>, M extends string = string>(
  definition: PolicyDefinition<S, M>,
): Policy<S, M> {
  const where = `definePolicy(${JSON.stringify(definition?.name)})`;
  if (typeof definition?.name !== 'string' || !NAME.test(definition.name)) {
    throw new TypeError(`${where}: \`name\` must be kebab-case (optionally scope/name)`);
  }
  if (typeof definition.apply !== 'function') throw new TypeError(`${where}: \`apply\` must be a function`);
  if (typeof definition.meta?.docs?.description !== 'string') {
    throw new TypeError(`${where}: \`meta.docs.description\` is required`);
  }
  for (const id of Object.keys(definition.meta.messages ?? {})) {
    if (!MESSAGE_ID.test(id)) throw new TypeError(`${where}: message id \`${id}\` must be kebab-case`);
  }
  return Object.freeze({ ...definition, kind: 'patchwise-policy' as const });
}

export function isPolicy(value: unknown): value is Policy {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'patchwise-policy';
}

/** Render a message template with `{{name}}` placeholders. */
export function renderMessage(template: string, data: Readonly<Record<string, unknown>> = {}): string {
  return template.replace(/\{\{\s*([\w.-]+)\s*\}\}/g, (whole, key: string) => {
    const value = data[key];
    if (value === undefined) return whole;
    return Array.isArray(value) ? value.join(', ') : String(value);
  });
}
