/**
 * The machinery behind `LifecycleHooks`: tapable hooks, each tap wrapped so that one policy's
 * throw, rejection or silence becomes a finding naming it instead of breaking the kernel path.
 */
import { SyncBailHook, SyncHook } from 'tapable';
import type { Decision, Finding, GateName, PolicyRef, Severity } from './decision.js';
import type {
  CallbackPointEvent,
  FindingReport,
  GateContext,
  GateHook,
  GateTap,
  LifecycleHooks,
  ModuleComingContext,
  ModuleGoingEvent,
  ObjectCallbackEvent,
  ObserverHook,
  PostPatchEvent,
  PostUnpatchEvent,
  PrePatchContext,
  PreUnpatchContext,
  ReplaceContext,
  TapOptions,
  TransitionAction,
  TransitionEvent,
} from './hooks.js';

export const DEFAULT_GATE_TIMEOUT_MS = 5000;

/** The longest delay a timer can wait (2^31-1 ms): Node turns anything longer into 1 ms. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** Tapping after the hooks were sealed (policies are applied once, up front). */
export class HooksSealedError extends Error {
  readonly code = 'PW_HOOKS_SEALED';
  constructor(name: string, hook: string) {
    super(`policy \`${name}\` tapped the \`${hook}\` hook after the policies were applied; tap hooks only in \`apply\``);
    this.name = 'HooksSealedError';
  }
}

interface Tap {
  readonly name: string;
  readonly version: string | undefined;
  readonly severity: Severity;
  readonly failOpen: boolean;
  readonly timeoutMs: number;
  readonly stage: number;
}

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * The error a policy threw, kept on its finding for `--debug` (the policy's own stack) but not
 * enumerable: decision records and their JSON stay the same.
 */
function withCause<F extends Finding>(finding: F, cause: unknown): F {
  if (cause !== undefined) Object.defineProperty(finding, 'cause', { value: cause, enumerable: false });
  return finding;
}

/** One evaluation of a gate: per-tap buckets keep findings in tap order, even for async taps. */
class GateRun {
  readonly buckets: Finding[][] = [];
  readonly pending: Promise<void>[] = [];

  constructor(readonly gate: GateName) {}

  invoke<C>(tap: Tap, fn: GateTap<C>, ctx: C): void {
    const bucket: Finding[] = [];
    this.buckets.push(bucket);
    let open = true;
    const report = (f: FindingReport): void => {
      if (!open) return;
      if (typeof f !== 'object' || f === null || typeof f.code !== 'string' || typeof f.message !== 'string') {
        bucket.push(this.#failure(tap, 'policy-bad-finding', 'reported a finding without a string `code` and `message`'));
        return;
      }
      const severity: Severity = tap.severity === 'warn' || f.severity === 'warn' ? 'warn' : 'error';
      bucket.push({
        policy: tap.name,
        code: f.code,
        message: f.message,
        severity,
        data: f.data ?? {},
        ...(f.hint === undefined ? {} : { hint: f.hint }),
      });
    };
    let result: unknown;
    try {
      result = fn(ctx, report);
    } catch (err) {
      open = false;
      bucket.push(withCause(this.#failure(tap, 'policy-threw', `threw: ${errorText(err)}`), err));
      return;
    }
    if (!isThenable(result)) {
      open = false;
      return;
    }
    this.pending.push(
      settleWithin(result, tap.timeoutMs).then(
        (outcome) => {
          open = false;
          if (outcome === 'timeout') {
            bucket.push(this.#failure(tap, 'policy-timeout', `did not settle within ${tap.timeoutMs} ms`));
          }
        },
        (err: unknown) => {
          open = false;
          bucket.push(withCause(this.#failure(tap, 'policy-rejected', `rejected: ${errorText(err)}`), err));
        },
      ),
    );
  }

  /** Every tap's findings, in tap order (`flat()` is a slow builtin on Node 20 for what it does here). */
  findings(): Finding[] {
    const all: Finding[] = [];
    for (const bucket of this.buckets) for (const finding of bucket) all.push(finding);
    return all;
  }

  /** A policy that failed: fail closed unless it is configured to fail open (or only warns). */
  #failure(tap: Tap, code: string, what: string): Finding {
    return {
      policy: tap.name,
      code,
      message: `policy \`${tap.name}\` ${what} (in the \`${this.gate}\` hook)`,
      severity: tap.failOpen || tap.severity === 'warn' ? 'warn' : 'error',
      data: { hook: this.gate },
      hint: tap.failOpen ? undefined : 'fix the policy, set its severity to `warn`, or configure it to fail open',
    } as Finding;
  }
}

function settleWithin(promise: PromiseLike<unknown>, ms: number): Promise<'settled' | 'timeout'> {
  return new Promise((resolve, reject) => {
    // Not unref'd: a gate waiting on a promise that never settles must still be decided. An
    // unref'd timer let the event loop drain first, and the command ended having decided nothing.
    const timer = setTimeout(() => resolve('timeout'), ms);
    promise.then(
      () => {
        clearTimeout(timer);
        resolve('settled');
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

class Gate<C extends GateContext> implements GateHook<C> {
  readonly #hook = new SyncHook<[C, GateRun]>(['ctx', 'run']);
  readonly taps: Tap[] = [];

  constructor(
    private readonly system: HookSystem,
    readonly name: GateName,
  ) {}

  #policies: readonly PolicyRef[] | undefined;

  tap(options: string | TapOptions, fn: GateTap<C>): void {
    const tap = this.system.normalize(options, this.name);
    this.taps.push(tap);
    this.#policies = undefined;
    this.#hook.tap({ name: tap.name, stage: tap.stage }, (ctx, run) => run.invoke(tap, fn, ctx));
  }

  /** The policies tapping this gate, for decisions (computed once per set of taps; frozen, shared). */
  get policies(): readonly PolicyRef[] {
    this.#policies ??= Object.freeze(policyRefs(this.taps));
    return this.#policies;
  }

  /** Findings in tap order, synchronously when every tap answered synchronously. */
  evaluate(ctx: C): Finding[] | Promise<Finding[]> {
    const run = new GateRun(this.name);
    this.#hook.call(ctx, run);
    if (run.pending.length === 0) return run.findings();
    return Promise.all(run.pending).then(() => run.findings());
  }
}

class Observer<E> implements ObserverHook<E> {
  readonly #hook = new SyncHook<[E]>(['event']);
  count = 0;

  constructor(
    private readonly system: HookSystem,
    readonly name: string,
  ) {}

  tap(options: string | TapOptions, fn: (event: E) => void): void {
    const tap = this.system.normalize(options, this.name);
    this.count += 1;
    this.#hook.tap({ name: tap.name, stage: tap.stage }, (event) => {
      try {
        fn(event);
      } catch (err) {
        this.system.observerFailed(tap.name, this.name, err);
      }
    });
  }

  call(event: E): void {
    if (this.count) this.#hook.call(event);
  }
}

interface Asked<T> {
  readonly value: T;
  readonly by: string;
}

/**
 * A hook whose taps may ask for something (a tapable bail hook): the first tap that asks wins.
 * `answer` turns a tap's result into what it asks for (or nothing; throwing means the result was
 * invalid); `onThrow` is what a tap that throws is taken to have returned.
 */
class AskingHook<E, R, A> {
  readonly #hook = new SyncBailHook<[E], Asked<A> | undefined>(['event']);
  count = 0;

  constructor(
    private readonly system: HookSystem,
    private readonly name: string,
    private readonly answer: (event: E, result: R) => A | undefined,
    private readonly onThrow: () => R | undefined,
  ) {}

  tap(options: string | TapOptions, fn: (event: E) => R): void {
    const tap = this.system.normalize(options, this.name);
    this.count += 1;
    this.#hook.tap({ name: tap.name, stage: tap.stage }, (event) => {
      let result: R | undefined;
      try {
        result = fn(event);
      } catch (err) {
        this.system.observerFailed(tap.name, this.name, err);
        result = this.onThrow();
      }
      try {
        const value = result === undefined ? undefined : this.answer(event, result);
        return value === undefined ? undefined : { value, by: tap.name };
      } catch (err) {
        this.system.observerFailed(tap.name, this.name, err);
        return undefined;
      }
    });
  }

  /** The first answer a tap gave, after running the taps up to it. */
  call(event: E): Asked<A> | undefined {
    return this.count ? this.#hook.call(event) : undefined;
  }
}

const ACTIONS: readonly TransitionAction[] = ['signal', 'force', 'reverse'];

/** Only `retry` events may ask, and only for one of the actions. */
function transitionAnswer(event: TransitionEvent, action: TransitionAction | void): TransitionAction | undefined {
  if (action === undefined || event.kind !== 'retry') return undefined;
  if (!ACTIONS.includes(action)) throw new Error(`returned \`${String(action)}\`; expected one of ${ACTIONS.join(', ')} or nothing`);
  return action;
}

/** Only a `prePatch` point may fail, with a negative errno; the other points run every tap. */
const callbackAnswer = (event: CallbackPointEvent, ret: number | void): number | undefined =>
  event.stage === 'prePatch' && typeof ret === 'number' && ret < 0 ? ret : undefined;

/** Owns the hooks of one livepatch core. */
export class HookSystem {
  readonly prePatch = new Gate<PrePatchContext>(this, 'prePatch');
  readonly replace = new Gate<ReplaceContext>(this, 'replace');
  readonly preUnpatch = new Gate<PreUnpatchContext>(this, 'preUnpatch');
  readonly moduleComing = new Gate<ModuleComingContext>(this, 'moduleComing');
  /** Every transition step; on `retry` the first tap asking to signal, force or reverse is obeyed. */
  readonly transition = new AskingHook<TransitionEvent, TransitionAction | void, TransitionAction>(
    this,
    'transition',
    transitionAnswer,
    () => undefined,
  );
  readonly postPatch = new Observer<PostPatchEvent>(this, 'postPatch');
  readonly postUnpatch = new Observer<PostUnpatchEvent>(this, 'postUnpatch');
  readonly moduleGoing = new Observer<ModuleGoingEvent>(this, 'moduleGoing');
  readonly objectCallback = new Observer<ObjectCallbackEvent>(this, 'objectCallback');
  /** Callback points; a pre-patch callback that throws fails, as a crashing one would (-EINVAL). */
  readonly callbacks = new AskingHook<CallbackPointEvent, number | void, number>(
    this,
    'callbacks',
    callbackAnswer,
    () => -22,
  );
  readonly decision = new Observer<Decision>(this, 'decision');
  /** Report every error as a warning: a dry run of the policy set. */
  audit = false;
  #sealed = false;
  #decisions = 0;

  constructor(private readonly onObserverError: (policy: string, hook: string, err: unknown) => void) {}

  /** The public face: what `livepatch.hooks` returns. */
  get public(): LifecycleHooks {
    return this;
  }

  /** No more taps: policies are applied once, before the machine runs. */
  seal(): void {
    this.#sealed = true;
  }

  get sealed(): boolean {
    return this.#sealed;
  }

  normalize(options: string | TapOptions, hook: string): Tap {
    const o: TapOptions = typeof options === 'string' ? { name: options } : options;
    if (typeof o?.name !== 'string' || o.name.length === 0) throw new TypeError(`a tap of \`${hook}\` needs a \`name\``);
    if (this.#sealed) throw new HooksSealedError(o.name, hook);
    if (o.timeoutMs !== undefined && !(Number.isInteger(o.timeoutMs) && o.timeoutMs >= 1 && o.timeoutMs <= MAX_TIMEOUT_MS)) {
      throw new RangeError(`the \`timeoutMs\` of \`${o.name}\` must be a whole number of ms from 1 to ${MAX_TIMEOUT_MS} (got ${String(o.timeoutMs)})`);
    }
    return {
      name: o.name,
      version: o.version,
      severity: o.severity ?? 'error',
      failOpen: o.failOpen ?? false,
      timeoutMs: o.timeoutMs ?? DEFAULT_GATE_TIMEOUT_MS,
      stage: o.order === 'pre' ? -100 : o.order === 'post' ? 100 : 0,
    };
  }

  observerFailed(policy: string, hook: string, err: unknown): void {
    this.onObserverError(policy, hook, err);
  }

  /** Whether `gate` needs evaluating at all (no taps and no decision observers: nothing to decide). */
  active(gate: GateName): boolean {
    return this[gate].taps.length > 0 || this.decision.count > 0;
  }

  /** The decision of a gate no policy looked at. */
  emptyDecision(gate: GateName, ctx: GateContext, fields: Pick<Decision, 'patch' | 'module' | 'replaced' | 'nops'>): Decision {
    return { id: 0, time: ctx.now, gate, operation: ctx.operation, ...fields, allowed: true, audit: this.audit, findings: [], policies: [] };
  }

  /**
   * Evaluate `gate` and build the decision. Synchronous when every tap is; the decision observers
   * hear of it either way, unless it is a dry run.
   */
  decide<C extends GateContext>(
    gate: Gate<C>,
    ctx: C,
    fields: Pick<Decision, 'patch' | 'module' | 'replaced' | 'nops'>,
    dryRun = false,
  ): Decision | Promise<Decision> {
    const finish = (raw: Finding[]): Decision => {
      const findings = this.audit
        ? raw.map((f) => (f.severity === 'error' ? withCause({ ...f, severity: 'warn' as const, audited: true }, f.cause) : f))
        : raw;
      const decision: Decision = {
        id: ++this.#decisions,
        time: ctx.now,
        gate: gate.name,
        operation: ctx.operation,
        ...fields,
        allowed: !findings.some((f) => f.severity === 'error'),
        audit: this.audit,
        findings,
        policies: gate.policies,
      };
      if (!dryRun) this.decision.call(decision);
      return decision;
    };
    const findings = gate.evaluate(ctx);
    return Array.isArray(findings) ? finish(findings) : findings.then(finish);
  }
}

function policyRefs(taps: readonly Tap[]): PolicyRef[] {
  const seen = new Map<string, PolicyRef>();
  for (const tap of taps) if (!seen.has(tap.name)) seen.set(tap.name, tap.version ? { name: tap.name, version: tap.version } : { name: tap.name });
  return [...seen.values()];
}

export type { Gate };
