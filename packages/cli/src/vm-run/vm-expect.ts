/**
 * `expect` on a real kernel. What a run records (decisions, results, the log, load times) is
 * checked by the scenario package's own `expect` step, over a ledger harness that holds the guest's
 * log and the host's decisions; what the kernel holds (order, enabled, transition, loaded, owner,
 * live, unchanged) is checked here against the guest's sysfs, as `@patchwise/sysfs` reads it, and
 * the live owner of a function through the probe modgen generates for it.
 */
import type { ScenarioHarness } from '@patchwise/scenario';
import { normalObjects, parseFunctionRef, type PatchManifest } from '@patchwise/manifest';
import type { SystemSnapshot, TaskPatchState } from '@patchwise/sysfs';
import { lineDiff } from './compare.js';

/** The keys checked against the kernel's state; the others go to the scenario package's `expect`. */
export const STATE_KEYS = ['order', 'enabled', 'transition', 'owner', 'live', 'loaded', 'unchanged'] as const;

type Want = {
  readonly order?: readonly string[];
  readonly enabled?: Readonly<Record<string, boolean>>;
  readonly transition?: string;
  readonly owner?: { readonly function: string; readonly patch: string; readonly nop: boolean };
  readonly live?: { readonly task: string; readonly function: string; readonly runs: string };
  readonly loaded?: Readonly<Record<string, boolean>>;
  readonly unchanged?: true;
};

export interface KernelView {
  readonly snapshot: SystemSnapshot;
  readonly manifests: ReadonlyMap<string, PatchManifest>;
  /** The state lines before the previous step (for `unchanged`). */
  readonly before: readonly string[] | undefined;
  readonly now: readonly string[];
  /** What a new task runs for `object:function` (from the probe), or why it cannot be observed. */
  readonly probe: (fn: string) => Promise<{ runs: string } | { unobservable: string }>;
  /** Why a scenario task does not exist on this kernel (reported as not performable), if it does not. */
  readonly absent: (task: string) => string | undefined;
  /** The kernel thread of a scenario task, when it has one. */
  readonly thread: (task: string) => Promise<TaskPatchState | undefined>;
}

const show = (v: unknown) => JSON.stringify(v);
const verdict = (ok: boolean, expected: string, got: string): [boolean, string] => [ok, ok ? expected : `${expected}, got ${got}`];

function patchesWith(view: KernelView, spec: string): { name: string; nop: boolean; transition: boolean }[] {
  const ref = parseFunctionRef(spec);
  return view.snapshot.patches
    .filter((p) => p.objects.some((o) => o.name === ref.object && o.functions.some((f) => f.name === ref.name)))
    .map((p) => {
      const manifest = view.manifests.get(p.name);
      const own = manifest ? normalObjects(manifest).some((o) => o.name === ref.object && o.functions.some((f) => f.name === ref.name)) : true;
      return { name: p.name, nop: !own, transition: p.transition };
    });
}

/** Checks the state keys of `want` against the kernel; one `[passed, message]` per key, in the scenario package's words. */
export async function checkKernelState(view: KernelView, want: Want): Promise<[boolean, string][]> {
  const out: [boolean, string][] = [];
  const { patches, modules } = view.snapshot;
  if (want.order) {
    const got = show(patches.map((p) => p.name));
    out.push(verdict(got === show(want.order), `patch order ${show(want.order)}`, got));
  }
  if (want.enabled) {
    const got = Object.fromEntries(Object.keys(want.enabled).map((n) => [n, patches.find((p) => p.name === n)?.enabled ?? false]));
    out.push(verdict(show(got) === show({ ...want.enabled }), `enabled ${show({ ...want.enabled })}`, show(got)));
  }
  if (want.transition) {
    const got = patches.find((p) => p.transition)?.name ?? 'none';
    out.push(verdict(got === want.transition, `transition ${want.transition}`, got));
  }
  if (want.owner) {
    const w = want.owner;
    const head = patchesWith(view, w.function).at(-1);
    const got = head ? (head.nop ? `a nop of ${head.name}` : head.name) : 'original';
    const ok = w.nop ? head?.nop === true && head.name === w.patch : got === w.patch || (head?.nop === true && w.patch === 'original');
    out.push(verdict(ok, `owner of ${w.function} is ${w.nop ? `a nop of ${w.patch}` : w.patch}`, got));
  }
  if (want.live) out.push(await checkLive(view, want.live));
  if (want.loaded) {
    const got = Object.fromEntries(Object.keys(want.loaded).map((n) => [n, modules.some((m) => m.name === n)]));
    out.push(verdict(show(got) === show({ ...want.loaded }), `loaded ${show({ ...want.loaded })}`, show(got)));
  }
  if (want.unchanged) {
    if (!view.before) out.push([false, 'unchanged: there is no previous step to compare with']);
    else {
      const moved = lineDiff(view.before, view.now);
      out.push([moved.length === 0, moved.length === 0 ? 'machine unchanged by the previous step' : `machine unchanged by the previous step, but ${moved.join(' | ')}`]);
    }
  }
  return out;
}

async function checkLive(view: KernelView, w: NonNullable<Want['live']>): Promise<[boolean, string]> {
  const expected = `task ${w.task} runs ${w.runs}'s ${w.function}`;
  const absent = view.absent(w.task);
  if (absent) return [false, `${expected}: ${absent}`];
  const ref = parseFunctionRef(w.function);
  const fn = `${ref.object}:${ref.name}`;
  // A kernel thread not yet switched by a running transition still runs what ran before it.
  const stack = patchesWith(view, w.function);
  const top = stack.at(-1);
  const thread = top?.transition ? await view.thread(w.task) : undefined;
  const moving = top ? view.snapshot.patches.find((p) => p.name === top.name) : undefined;
  if (thread && moving && thread.state !== (moving.enabled ? 1 : 0)) {
    const below = moving.enabled ? stack.at(-2) : top;
    const got = !below || below.nop ? 'original' : below.name;
    return verdict(got === w.runs, expected, `${got}'s (not switched yet)`);
  }
  const seen = await view.probe(fn);
  if ('unobservable' in seen) return [false, `${expected}: cannot be observed on this kernel (${seen.unobservable})`];
  return verdict(seen.runs === w.runs, expected, `${seen.runs}'s`);
}

/** The scenario package's order of the checks (its `expect` step's keys), `of` aside. */
const ORDER = ['decision', 'codes', 'findings', 'result', 'order', 'enabled', 'transition', 'owner', 'live', 'log', 'nolog', 'loaded', 'unchanged', 'exposure'];

/**
 * Runs an `expect` step on a real kernel: each key in the scenario package's order, the state keys
 * against `view`, the others through `recorded` (the scenario package's own `expect` on the ledger
 * harness, every key seeing the log since the previous `expect`).
 */
export async function expectOnKernel(
  h: ScenarioHarness,
  want: Record<string, unknown>,
  view: () => Promise<KernelView>,
  recorded: (h: ScenarioHarness, part: Record<string, unknown>) => void | Promise<void>,
): Promise<void> {
  const mark = h.logMark;
  let kernel: KernelView | undefined;
  for (const key of ORDER) {
    if (want[key] === undefined) continue;
    if ((STATE_KEYS as readonly string[]).includes(key)) {
      kernel ??= await view();
      for (const [passed, message] of await checkKernelState(kernel, { [key]: want[key] } as Want)) h.expectation(passed, message);
    } else {
      h.logMark = mark;
      await recorded(h, { ...(want['of'] === undefined ? {} : { of: want['of'] }), [key]: want[key] });
    }
  }
  h.logMark = h.machine.log.mark;
}
