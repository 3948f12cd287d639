/**
 * The differences an example documents: its README's section "On a real kernel" lists each one
 * `run --compare` finds, with its explanation, one bullet each:
 *
 *     - `kernel.scenario.yaml` step 2 `advance` log: why
 *     - `kernel.scenario.yaml` step 2 `advance` log (6.1): why, on 6.1 only
 *     - `kernel.scenario.yaml` steps 1-7 `*` log, state, owner: one cause, every step it shows in
 *
 * The real-kernel suite fails on a difference no bullet explains.
 */
import { basename } from 'node:path';
import { DIFFERENCE_KINDS, type Difference, type DifferenceKind } from './compare.js';

export interface DocumentedDifference {
  /** The scenario file's name, without its folder. */
  readonly file: string;
  /** The steps it covers, `from` to `to` inclusive (one step: both the same). */
  readonly from: number;
  readonly to: number;
  /** The step's name (`load`, ...), or `*` for any. */
  readonly name: string;
  readonly kinds: readonly DifferenceKind[];
  /** The kernel series it is seen on (`6.1`, `6.12`); absent: every kernel. */
  readonly kernels?: readonly string[];
  readonly explanation: string;
}

const HEADING = /^##\s+On a real kernel\s*$/;
const BULLET = /^[-*]\s+`([^`]+)`\s+steps?\s+(\d+)(?:-(\d+))?\s+`([^`]+)`\s+([a-z-]+(?:,\s*[a-z-]+)*)(?:\s+\(([0-9., ]+)\))?:\s+(\S.*)$/;

/** The bullets of the section (an empty list when there is none); a malformed bullet is an error naming it. */
export function documentedDifferences(markdown: string): DocumentedDifference[] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => HEADING.test(l));
  if (start < 0) return [];
  const out: DocumentedDifference[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^#{1,2}\s/.test(line)) break;
    if (!/^[-*]\s+`/.test(line)) continue;
    const m = BULLET.exec(line.trim());
    const kinds = (m?.[5] ?? '').split(/,\s*/);
    const from = Number(m?.[2]);
    const to = m?.[3] === undefined ? from : Number(m[3]);
    if (!m || !kinds.every((k) => (DIFFERENCE_KINDS as readonly string[]).includes(k)) || to < from) {
      throw new Error(
        `README section "On a real kernel": cannot read ${JSON.stringify(line)}; write \`FILE\` step N (or steps N-M) \`NAME\` (or \`*\`) KIND[, KIND...][ (SERIES)]: explanation, KIND one of ${DIFFERENCE_KINDS.join(', ')}`,
      );
    }
    out.push({
      file: m[1] as string,
      from,
      to,
      name: m[4] as string,
      kinds: kinds as DifferenceKind[],
      ...(m[6] ? { kernels: (m[6] as string).split(/[, ]+/).filter(Boolean) } : {}),
      explanation: m[7] as string,
    });
  }
  return out;
}

/** The differences found that no bullet explains (`file`: the scenario's path, `series`: the kernel's). */
export function unexplained(found: readonly Difference[], file: string, series: string, documented: readonly DocumentedDifference[]): Difference[] {
  const name = basename(file);
  return found.filter(
    (d) =>
      !documented.some(
        (e) => e.file === name && d.step >= e.from && d.step <= e.to && (e.name === '*' || e.name === d.name) && e.kinds.includes(d.kind) && (!e.kernels || e.kernels.includes(series)),
      ),
  );
}
