/**
 * A guest under QEMU as the machine `gate watch` and the decisions read: its /sys/kernel/livepatch,
 * /proc/modules and release captured with `@patchwise/qemu`'s `captureTree` and read by
 * `@patchwise/sysfs`'s `readSystem` (the reader `patchwise gate` uses on the host's own kernel),
 * its attributes written with the shell, its tasks' patch states read in one command.
 */
import { captureTree, writeCapture, type Guest } from '@patchwise/qemu';
import { errnoOfToolOutput, isModuleName, type KernelResult, type PatchAttribute, type SystemSnapshot, type TaskPatchState } from '@patchwise/sysfs';
import type { WatchedMachine } from '../commands/gate-watch.js';
import { readWrittenSystem } from './temporary-root.js';

/** What the reader needs: the livepatch tree, the module list, the release and the taint mask. */
export const CAPTURED = ['/sys/kernel/livepatch', '/proc/modules', '/proc/sys/kernel/osrelease', '/proc/sys/kernel/tainted'] as const;

/** `pid comm patch_state` for every task with a patch state, from one shell command (no fork per task). */
const TASKS_SCRIPT = `for d in /proc/[0-9]*; do s=; c=; read -r s < $d/patch_state 2>/dev/null || continue; read -r c < $d/comm 2>/dev/null; echo "\${d#/proc/} $s $c"; done`;

export function parseTasks(text: string): TaskPatchState[] {
  const tasks: TaskPatchState[] = [];
  for (const line of text.split('\n')) {
    const m = /^([1-9]\d{0,9}) (-1|0|1) (.{0,64})$/.exec(line);
    if (m) tasks.push({ pid: Number(m[1]), state: Number(m[2]) as -1 | 0 | 1, comm: m[3] as string });
  }
  return tasks;
}

export class GuestMachine implements WatchedMachine {
  constructor(readonly guest: Guest) {}

  async read(): Promise<SystemSnapshot> {
    const entries = await captureTree(this.guest, CAPTURED);
    return readWrittenSystem('patchwise-guest-sysfs-', (root) => writeCapture(entries, root));
  }

  async write(patch: string, attribute: PatchAttribute, value: '0' | '1'): Promise<KernelResult> {
    if (!isModuleName(patch)) return { ok: false, errno: 'EINVAL', detail: `\`${patch}\` is not a patch name` };
    const r = await this.guest.exec(`echo ${value} > /sys/kernel/livepatch/${patch}/${attribute}`);
    return r.status === 0 ? { ok: true } : { ok: false, errno: errnoOfToolOutput(r.stderr), detail: r.stderr.trim() };
  }

  async tasks(): Promise<TaskPatchState[]> {
    return parseTasks((await this.guest.exec(TASKS_SCRIPT)).stdout);
  }
}
