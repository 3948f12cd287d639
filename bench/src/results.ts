/** The shape of bench/results.json. */
import type { StartupResult } from './cli-startup.js';
import type { GateOverheadResult } from './gate-overhead.js';
import type { MachineInfo } from './machine-info.js';
import type { ReplayResult } from './replay.js';
import type { ScalingResult } from './scaling.js';
import type { SimOpsResult } from './sim-ops.js';

export const TARGETS = {
  gateOverheadRatio: 1.3,
  marginalScalingRatio: 1.3,
  replaceFloorRatio: 5,
  cliStartupRatio: 3,
} as const;

export interface Results {
  /** The contract's keys. */
  readonly gateOverheadRatio: number | null;
  /** Replace decisions: marginal cost per installed function, last decade over first. */
  readonly marginalScalingRatio: number | null;
  /** A replace decision at 10^6 over the plain nop loop. */
  readonly replaceFloorRatio: number | null;
  /** Cold code cache. */
  readonly cliStartupRatio: number | null;
  readonly cliStartupWarmRatio: number | null;
  readonly simOpsPerSec: number | null;
  readonly replayAllMs: number | null;
  /** Besides the ratio: the TypeScript-config startup ratio. */
  readonly cliStartupTsRatio: number | null;
  readonly targets: typeof TARGETS;
  readonly met: Readonly<Record<keyof typeof TARGETS, boolean | null>>;
  readonly generatedAt: string;
  readonly durationSec: number;
  readonly machine: MachineInfo;
  readonly details: {
    readonly gate?: GateOverheadResult;
    readonly scaling?: ScalingResult;
    readonly cli?: StartupResult;
    readonly sim?: SimOpsResult;
    readonly replay?: ReplayResult;
  };
}
