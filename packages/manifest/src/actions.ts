/**
 * Running declarative callback steps: log a line, fail with an errno, shadow variable operations.
 */
import { Errno, type LogLevel, type ShadowTable } from '@patchwise/core';
import type { Action } from './schema.js';

/** What a step can touch. */
export interface ActionHost {
  /** Print a line with the patch module's prefix. */
  print(text: string, level?: LogLevel): void;
  readonly shadow: ShadowTable;
}

export function errnoValue(fail: number | keyof typeof Errno): number {
  return typeof fail === 'number' ? fail : -Errno[fail];
}

/** Run `steps` in order; a `fail` step stops and returns its (negative) errno. */
export function runActions(steps: readonly Action[], host: ActionHost): number {
  for (const step of steps) {
    if ('log' in step) {
      host.print(step.log);
    } else if ('fail' in step) {
      return errnoValue(step.fail);
    } else if ('shadowAlloc' in step) {
      const { obj, id, value } = step.shadowAlloc;
      const data = host.shadow.alloc(obj, id, 8);
      if (data) data.value = value;
    } else if ('shadowFree' in step) {
      host.shadow.free(step.shadowFree.obj, step.shadowFree.id);
    } else {
      host.shadow.freeAll(step.shadowFreeAll.id);
    }
  }
  return 0;
}
