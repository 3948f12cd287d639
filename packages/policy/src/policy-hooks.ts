/**
 * What a policy's `apply` taps: the lifecycle hooks, bound to the policy, reporting by message id.
 */
import type {
  CallbackPointEvent,
  Decision,
  FindingData,
  LifecycleHooks,
  ModuleComingContext,
  ModuleGoingEvent,
  ObjectCallbackEvent,
  PostPatchEvent,
  PostUnpatchEvent,
  PrePatchContext,
  PreUnpatchContext,
  ReplaceContext,
  TapOptions,
  TransitionAction,
  TransitionEvent,
} from '@patchwise/core';
import { renderMessage } from './define.js';

/** A finding, by message id. `data` fills the template and names what is involved. */
export interface PolicyFinding<M extends string> {
  readonly messageId: M;
  readonly data?: FindingData;
  readonly hint?: string;
  /** Report as a warning even when the policy runs at `error`. */
  readonly severity?: 'warn';
}

export type PolicyReport<M extends string> = (finding: PolicyFinding<M>) => void;

export type PolicyGate<C, M extends string> = (ctx: C, report: PolicyReport<M>) => void | Promise<void>;

/** The hooks as one policy sees them. */
export interface PolicyHooks<M extends string> {
  prePatch(fn: PolicyGate<PrePatchContext, M>): void;
  replace(fn: PolicyGate<ReplaceContext, M>): void;
  preUnpatch(fn: PolicyGate<PreUnpatchContext, M>): void;
  moduleComing(fn: PolicyGate<ModuleComingContext, M>): void;
  transition(fn: (event: TransitionEvent) => TransitionAction | void): void;
  postPatch(fn: (event: PostPatchEvent) => void): void;
  postUnpatch(fn: (event: PostUnpatchEvent) => void): void;
  moduleGoing(fn: (event: ModuleGoingEvent) => void): void;
  objectCallback(fn: (event: ObjectCallbackEvent) => void): void;
  callbacks(fn: (event: CallbackPointEvent) => number | void): void;
  decision(fn: (decision: Decision) => void): void;
}

/** Bind the hooks to one policy: its name, severity and failure handling, its messages. */
export function policyHooks<M extends string>(
  hooks: LifecycleHooks,
  tap: TapOptions,
  messages: Readonly<Record<M, string>>,
): PolicyHooks<M> {
  const gate =
    <C>(hook: { tap(options: TapOptions, fn: (ctx: C, report: (f: never) => void) => void | Promise<void>): void }) =>
    (fn: PolicyGate<C, M>) =>
      hook.tap(tap, (ctx, report) =>
        fn(ctx, (finding) => {
          const template = messages[finding.messageId];
          if (template === undefined) {
            throw new Error(`reported unknown message id \`${String(finding.messageId)}\``);
          }
          const data = finding.data ?? {};
          (report as (f: unknown) => void)({
            code: finding.messageId,
            message: renderMessage(template, data),
            data,
            ...(finding.hint === undefined ? {} : { hint: finding.hint }),
            ...(finding.severity === undefined ? {} : { severity: finding.severity }),
          });
        }),
      );
  return {
    prePatch: gate(hooks.prePatch),
    replace: gate(hooks.replace),
    preUnpatch: gate(hooks.preUnpatch),
    moduleComing: gate(hooks.moduleComing),
    transition: (fn) => hooks.transition.tap(tap, fn),
    postPatch: (fn) => hooks.postPatch.tap(tap, fn),
    postUnpatch: (fn) => hooks.postUnpatch.tap(tap, fn),
    moduleGoing: (fn) => hooks.moduleGoing.tap(tap, fn),
    objectCallback: (fn) => hooks.objectCallback.tap(tap, fn),
    callbacks: (fn) => hooks.callbacks.tap(tap, fn),
    decision: (fn) => hooks.decision.tap(tap, fn),
  };
}
