/**
 * The differences an example documents: its README's section "On a real kernel" lists each one
 * `run --compare` finds, with its explanation, one bullet each:
 *
 *     - `kernel.scenario.yaml` step 2 `advance` log: why
 *     - `kernel.scenario.yaml` step 2 `advance` log (6.1): why, on 6.1 only
 *
 * The real-kernel suite fails on a difference no bullet explains.
 */
import { basename } from 'node:path';
import { DIFFERENCE_KINDS, type Difference, type DifferenceKind } from './compare.js';

export interface DocumentedDifference {
  /** The scenario file's name, without its folder. */
  readonly file: string;
  readonly step: number;
  readonly name: string;
  readonly kind: DifferenceKind;
  /** The kernel series it is seen on (`6.1`, `6.12`); absent: every kernel. */
  readonly kernels?: readonly string[];
  readonly explanation: string;
}

const HEADING = /^##\s+On a real kernel\s*$/;
const BULLET = /^[-*]\s+`([^`]+)`\s+step\s+(\d+)\s+`([^`]+)`\s+([a-z-]+)(?:\s+\(([0-9., ]+)\))?:\s+(\S.*)$/;

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
    if (!m || !(DIFFERENCE_KINDS as readonly string[]).includes(m[4] as string)) {
      throw new Error(`README section "On a real kernel": cannot read ${JSON.stringify(line)}; write \`FILE\` step N \`NAME\` KIND[ (SERIES)]: explanation, KIND one of ${DIFFERENCE_KINDS.join(', ')}`);
    }
    out.push({
      file: m[1] as string,
      step: Number(m[2]),
      name: m[3] as string,
      kind: m[4] as DifferenceKind,
      ...(m[5] ? { kernels: (m[5] as string).split(/[, ]+/).filter(Boolean) } : {}),
      explanation: m[6] as string,
    });
  }
  return out;
}

/** The differences found that no bullet explains (`file`: the scenario's path, `series`: the kernel's). */
export function unexplained(found: readonly Difference[], file: string, series: string, documented: readonly DocumentedDifference[]): Difference[] {
  const name = basename(file);
  return found.filter(
    (d) => !documented.some((e) => e.file === name && e.step === d.step && e.name === d.name && e.kind === d.kind && (!e.kernels || e.kernels.includes(series))),
  );
}
