/**
 * The details of a mark, as DOM built from text nodes only (never markup from the data).
 */
import { select, type Selection } from 'd3-selection';
import type { DecisionItem, TransitionItem } from '../src/model.js';
import { describeStack, formatTime, type Mark, type Segment, type Span, type Timeline } from '../src/timeline.js';

/** Anything on the timeline that can be selected. */
export type Target =
  | { readonly type: 'mark'; readonly mark: Mark }
  | { readonly type: 'segment'; readonly segment: Segment }
  | { readonly type: 'span'; readonly span: Span };

type Parent = Selection<HTMLElement, unknown, null, undefined>;

export const OUTCOME_GLYPH = { allowed: '●', warned: '▲', denied: '✕' } as const;
export const PHASE_LABEL: Record<string, string> = { signal: 'signalled', force: 'forced', reverse: 'reversed', cancel: 'cancelled' };

function facts(parent: Parent, rows: readonly (readonly [string, string])[]): void {
  const dl = parent.append('dl').attr('class', 'facts');
  for (const [k, v] of rows) {
    dl.append('dt').text(k);
    dl.append('dd').text(v);
  }
}

/** `enable beta_fix`, `load-module acme_drv`. */
export function decisionWhat(d: DecisionItem): string {
  return `${d.operation} ${d.operation === 'load-module' ? (d.module ?? '') : (d.patch ?? '')}`;
}

export function decisionDetails(host: HTMLElement, d: DecisionItem, headingLevel = 'h4'): void {
  const parent: Parent = select(host);
  parent
    .append(headingLevel)
    .text(`${OUTCOME_GLYPH[d.outcome]} Decision #${d.id}: ${d.outcome.toUpperCase()}: ${decisionWhat(d)}`);
  facts(parent, [
    ['gate', d.gate],
    ['operation', d.operation],
    ['policies', d.policies.length ? d.policies.join(', ') : '(none)'],
    ...(d.replaced?.length ? [['replaces', d.replaced.join(', ')] as const] : []),
    ...(d.audit ? [['mode', 'audit (errors reported as warnings)'] as const] : []),
  ]);
  if (d.findings.length === 0) {
    parent.append('p').text('No findings.');
    return;
  }
  const table = parent.append('table').attr('class', 'findings');
  table.append('caption').text(`${d.findings.length} finding${d.findings.length === 1 ? '' : 's'}`);
  const head = table.append('thead').append('tr');
  for (const h of ['severity', 'policy', 'code', 'message', 'hint']) head.append('th').attr('scope', 'col').text(h);
  const body = table.append('tbody');
  for (const f of d.findings) {
    const tr = body.append('tr').attr('class', `finding ${f.severity}`);
    tr.append('td').attr('data-label', 'severity').text(`${f.severity === 'error' ? '✕ error' : '▲ warning'}${f.audited ? ' (audit: would deny)' : ''}`);
    tr.append('td').attr('data-label', 'policy').text(f.policy);
    tr.append('td').attr('data-label', 'code').append('code').text(f.code);
    tr.append('td').attr('data-label', 'message').text(f.message);
    tr.append('td').attr('data-label', 'hint').text(f.hint ?? '');
  }
}

function progress(t: TransitionItem): string {
  return `${t.switched}/${t.tasks} tasks switched`;
}

function pendingText(t: TransitionItem): string {
  if (t.pending.length === 0) return '';
  return t.pending.map((p) => `${p.comm} (pid ${p.pid}): ${p.reason}${p.blockedIn ? ` in ${p.blockedIn}` : ''}`).join('; ');
}

function spanDetails(parent: Parent, span: Span, timeline: Timeline): void {
  const first = span.steps[0]?.item;
  parent.append('h4').text(`Transition of ${span.patch}${first ? ` → ${first.target}` : ''}${span.finished ? '' : ' (still going at the end)'}`);
  facts(parent, [
    ['from', formatTime(timeline.times[span.from] ?? 0)],
    ['to', span.finished ? formatTime(timeline.times[span.to - 1] ?? 0) : 'end of run'],
    ['functions', span.functions.join(', ') || '(none)'],
  ]);
  const table = parent.append('table').attr('class', 'progress');
  table.append('caption').text('Per-task progress');
  const head = table.append('thead').append('tr');
  for (const h of ['time', 'step', 'progress', 'blocking tasks']) head.append('th').attr('scope', 'col').text(h);
  const body = table.append('tbody');
  for (const { item } of span.steps) {
    const tr = body.append('tr');
    tr.append('td').attr('data-label', 'time').text(formatTime(item.time));
    tr.append('td').attr('data-label', 'step').text(`${item.phase}${item.phase === 'retry' ? ` #${item.retries}` : ''} (→ ${item.target})`);
    tr.append('td').attr('data-label', 'progress').text(progress(item));
    tr.append('td').attr('data-label', 'blocking tasks').text(pendingText(item) || '—');
  }
}

/** Fill `parent` with what `target` is. */
export function showDetails(host: HTMLElement, target: Target, timeline: Timeline): void {
  const parent: Parent = select(host);
  parent.selectAll('*').remove();
  if (target.type === 'segment') {
    const s = target.segment;
    parent.append('h4').text(`${s.function}: ${describeStack(s.stack)}`);
    facts(parent, [
      ['from', formatTime(timeline.times[s.from] ?? 0)],
      ['until', s.to >= timeline.times.length ? 'end of run' : formatTime(timeline.times[s.to] ?? 0)],
      ['stack (newest first)', s.stack.length ? s.stack.map((e) => `${e.patch}${e.nop ? ' (nop)' : ''}${e.transition ? ' (in transition)' : ''}`).join(', ') : '(empty: original code)'],
    ]);
    return;
  }
  if (target.type === 'span') return spanDetails(parent, target.span, timeline);
  const { mark } = target;
  const at = formatTime(mark.item.time);
  switch (mark.kind) {
    case 'step': {
      const s = mark.item;
      parent.append('h4').text(`Step ${s.index + 1}: ${s.text}`);
      facts(parent, [['time', at], ...(s.line ? [['line', String(s.line)] as const] : [])]);
      if (mark.expectations.length) {
        const ul = parent.append('ul').attr('class', 'expectations');
        for (const e of mark.expectations) ul.append('li').attr('class', e.passed ? 'held' : 'failed').text(`${e.passed ? '✓ held' : '✗ FAILED'}: ${e.message}`);
      }
      return;
    }
    case 'decision':
      decisionDetails(host, mark.item);
      facts(parent, [['time', at]]);
      return;
    case 'callback': {
      const c = mark.item;
      parent.append('h4').text(`◆ Callback ${c.stage} of ${c.patch}${c.object ? ` (object ${c.object})` : ' (patch-level point)'}`);
      facts(parent, [['time', at], ...(c.result === undefined ? [] : [['returned', String(c.result)] as const])]);
      return;
    }
    case 'module': {
      const m = mark.item;
      parent.append('h4').text(`${m.action === 'load' ? '＋ Module loaded' : '− Module removed'}: ${m.module}`);
      facts(parent, [['time', at]]);
      return;
    }
    case 'transition': {
      const t = mark.item;
      parent.append('h4').text(`Transition of ${t.patch} ${PHASE_LABEL[t.phase] ?? t.phase} (→ ${t.target})`);
      facts(parent, [['time', at], ['progress', progress(t)], ['retries', String(t.retries)], ...(t.pending.length ? [['blocking', pendingText(t)] as const] : [])]);
      return;
    }
  }
}

/** The one-line name of a target: its accessible label and tooltip. */
export function targetLabel(target: Target, timeline: Timeline): string {
  if (target.type === 'segment') return `${target.segment.function} from ${formatTime(timeline.times[target.segment.from] ?? 0)}: ${describeStack(target.segment.stack)}`;
  if (target.type === 'span') {
    const last = target.span.steps.at(-1)?.item;
    return `transition of ${target.span.patch}${last ? ` → ${last.target}, ${progress(last)}` : ''}${target.span.finished ? '' : ', unfinished'}`;
  }
  const { mark } = target;
  const at = formatTime(mark.item.time);
  switch (mark.kind) {
    case 'step':
      return `step ${mark.item.index + 1} at ${at}: ${mark.item.text}${mark.expectations.some((e) => !e.passed) ? ' (an expectation failed)' : ''}`;
    case 'decision':
      return `decision ${mark.item.outcome} at ${at}: ${decisionWhat(mark.item)} (gate ${mark.item.gate}, ${mark.item.findings.length} findings)`;
    case 'callback':
      return `callback ${mark.item.stage} of ${mark.item.patch} at ${at}`;
    case 'module':
      return `module ${mark.item.module} ${mark.item.action === 'load' ? 'loaded' : 'removed'} at ${at}`;
    case 'transition':
      return `transition of ${mark.item.patch} ${PHASE_LABEL[mark.item.phase] ?? mark.item.phase} at ${at}`;
  }
}
