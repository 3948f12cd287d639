/**
 * What a scenario's run on a real kernel needs (a booted guest, its built modules, modgen's probes)
 * and what it gives back: its events in order, its observations for `--compare`, its verdict.
 */
import type { Decision } from '@patchwise/core';
import type { Guest } from '@patchwise/qemu';
import type { ExpectationResult, Scenario } from '@patchwise/scenario';
import type { GuestMachine } from './guest-machine.js';
import type { Modgen } from './modgen-contract.js';
import type { StepObservation } from './observation.js';

export interface VmEnv {
  readonly guest: Guest;
  readonly machine: GuestMachine;
  /** `uname -r` of the guest. */
  readonly release: string;
  /** The built modules' paths in the guest, by module name. */
  readonly kos: ReadonlyMap<string, string>;
  readonly modgen: Pick<Modgen, 'probeFor' | 'defaultOutput'>;
}

export type VmEvent =
  | { readonly type: 'step'; readonly index: number; readonly name: string; readonly line?: number }
  | { readonly type: 'log'; readonly text: string; readonly source: 'kernel' | 'host' }
  | { readonly type: 'decision'; readonly decision: Decision }
  | { readonly type: 'expect'; readonly result: ExpectationResult }
  | { readonly type: 'not-performable'; readonly step: number; readonly reason: string }
  /** What the watch of a transition did (a policy's action, a timeout). */
  | { readonly type: 'note'; readonly text: string };

export interface VmRun {
  readonly scenario: Scenario;
  readonly release: string;
  readonly events: readonly VmEvent[];
  /** The set-up (index -1) and every step performed or reported. */
  readonly steps: readonly StepObservation[];
  readonly expectations: readonly ExpectationResult[];
  readonly decisions: readonly Decision[];
  /** Step number (1-based; 0 the set-up) and reason of everything the kernel could not perform. */
  readonly notPerformable: readonly { readonly step: number; readonly reason: string }[];
  readonly failure?: { readonly step: number; readonly message: string };
  readonly passed: boolean;
}
