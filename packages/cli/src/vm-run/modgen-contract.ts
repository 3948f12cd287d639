/**
 * What `run --vm` uses of `@patchwise/modgen`: the CLI passes the package itself; the step plan's
 * tests pass their own generator (no kbuild needed to plan).
 */
import type * as modgen from '@patchwise/modgen';

export type { FunctionProbe, GeneratedModule, TargetTask } from '@patchwise/modgen';

export type Modgen = Pick<typeof modgen, 'livepatchModule' | 'targetModule' | 'probeFor' | 'buildModules' | 'defaultOutput' | 'originalOutput'>;
