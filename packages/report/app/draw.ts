/**
 * One run's timeline as SVG: d3 scales and axis place everything; rows are fixed bands (steps, one
 * lane per patched function, decisions, other events). Every mark has a shape and a glyph as well as
 * a colour, so the picture reads in greyscale and in print.
 */
import { axisBottom } from 'd3-axis';
import { scaleLinear } from 'd3-scale';
import { select, type Selection } from 'd3-selection';
import { formatTime, stackLabel, type Mark, type Timeline } from '../src/timeline.js';
import { targetLabel, type Target } from './details.js';

/** A drawn, selectable thing: where it is (for keyboard moves) and what it is. */
export interface Drawn {
  readonly element: SVGGElement;
  readonly target: Target;
  readonly row: number;
  readonly x: number;
  /** Slots it covers, for linking the kernel log. */
  readonly from: number;
  readonly to: number;
}

const ROW = 30;
const LANE = 38;
const NARROW = 560;
/** Narrowest room per axis unit (a mark is 18 px wide) before the timeline scrolls sideways instead of squeezing. */
const MIN_UNIT = 20;

const EVENT_GLYPH: Record<string, string> = { signal: 'S', force: 'F', reverse: 'R', cancel: 'C' };

type G = Selection<SVGGElement, unknown, null, undefined>;

function shape(g: G, mark: Mark): void {
  switch (mark.kind) {
    case 'step':
      g.append('rect').attr('class', 'shape').attr('x', -9).attr('y', -9).attr('width', 18).attr('height', 18).attr('rx', 2);
      g.append('text').attr('class', 'glyph').attr('dy', '0.35em').text(String(mark.item.index + 1));
      if (mark.expectations.some((e) => !e.passed)) g.append('text').attr('class', 'glyph failed').attr('x', 14).attr('dy', '0.35em').text('✗');
      return;
    case 'decision': {
      const outcome = mark.item.outcome;
      if (outcome === 'allowed') g.append('circle').attr('class', 'shape').attr('r', 8);
      else if (outcome === 'warned') g.append('polygon').attr('class', 'shape').attr('points', '0,-10 9,7 -9,7');
      else g.append('rect').attr('class', 'shape').attr('x', -8).attr('y', -8).attr('width', 16).attr('height', 16);
      g.append('text').attr('class', 'glyph').attr('dy', outcome === 'warned' ? '0.55em' : '0.35em').text(outcome === 'denied' ? '✕' : outcome === 'warned' ? '!' : '✓');
      return;
    }
    case 'callback':
      g.append('polygon').attr('class', 'shape').attr('points', '0,-9 9,0 0,9 -9,0');
      g.append('text').attr('class', 'glyph small').attr('dy', '0.35em').text(mark.item.stage.startsWith('pre') ? '‹' : '›');
      return;
    case 'module':
      g.append('circle').attr('class', 'shape').attr('r', 8);
      g.append('text').attr('class', 'glyph').attr('dy', '0.35em').text(mark.item.action === 'load' ? '+' : '−');
      return;
    case 'transition':
      g.append('polygon').attr('class', 'shape').attr('points', '-8,-9 8,-9 10,0 8,9 -8,9 -10,0');
      g.append('text').attr('class', 'glyph').attr('dy', '0.35em').text(EVENT_GLYPH[mark.item.phase] ?? '?');
      return;
  }
}

function markClass(mark: Mark): string {
  if (mark.kind === 'decision') return `mark decision ${mark.item.outcome}`;
  if (mark.kind === 'module') return `mark module ${mark.item.action}`;
  if (mark.kind === 'transition') return `mark event ${mark.item.phase}`;
  if (mark.kind === 'step') return `mark step${mark.expectations.some((e) => !e.passed) ? ' failed' : ''}`;
  return `mark ${mark.kind}`;
}

export interface Drawing {
  /** The selectable things, in reading order. */
  readonly drawn: readonly Drawn[];
  /** Where slot `n` is on the axis. */
  readonly xOf: (slot: number) => number;
}

/** Draw `timeline` into `host` at its current width. */
export function drawTimeline(host: HTMLElement, timeline: Timeline, functions: readonly string[], label: string): Drawing {
  select(host).selectAll('svg').remove();
  const width = Math.max(280, host.clientWidth || 800);
  const narrow = width < NARROW;
  const labelW = narrow ? 0 : Math.min(220, Math.round(width * 0.26));
  const above = narrow ? 14 : 0;
  const unit = Math.max(MIN_UNIT, (width - labelW - 24) / timeline.end);
  const svgW = Math.ceil(labelW + 12 + timeline.end * unit + 12);

  // A transition of a patch with no functions (callbacks only) crosses no lane: it gets a row.
  const laneless = timeline.spans.some((s) => s.functions.length === 0);
  const rows: { name: string; kind: string; height: number }[] = [
    { name: 'steps', kind: 'steps', height: ROW },
    ...functions.map((f) => ({ name: f, kind: 'lane', height: LANE })),
    ...(laneless ? [{ name: 'transitions', kind: 'transitions', height: LANE }] : []),
    { name: 'decisions', kind: 'decisions', height: ROW },
    { name: 'events', kind: 'events', height: ROW },
  ];
  const tops: number[] = [];
  let y = 4;
  for (const r of rows) {
    y += above;
    tops.push(y);
    y += r.height + 2;
  }
  const height = y + 26;
  const rowOf = (name: string) => rows.findIndex((r) => r.name === name);

  const slots = timeline.times.map((_, i) => i);
  const x = scaleLinear()
    .domain([...slots, slots.length])
    .range([...timeline.positions, timeline.end].map((p) => labelW + 12 + p * unit));
  const xs = (slot: number) => x(slot);

  const svg = select(host)
    .append('svg')
    .attr('class', 'timeline-svg')
    .attr('width', svgW)
    .attr('height', height)
    .attr('viewBox', `0 0 ${svgW} ${height}`)
    .attr('role', 'group')
    .attr('aria-label', `timeline of ${label}`);
  const defs = svg.append('defs');
  defs
    .append('pattern').attr('id', `${host.id}-hatch`).attr('class', 'hatch').attr('patternUnits', 'userSpaceOnUse').attr('width', 6).attr('height', 6).attr('patternTransform', 'rotate(45)')
    .append('rect').attr('width', 2).attr('height', 6);

  // Row bands and labels.
  const bands = svg.append('g').attr('class', 'rows');
  rows.forEach((r, i) => {
    const top = tops[i] as number;
    bands.append('rect').attr('class', `band ${r.kind}`).attr('x', 0).attr('y', top).attr('width', svgW).attr('height', r.height);
    const text = bands.append('text').attr('class', `row-label ${r.kind}`).text(r.name);
    if (narrow) text.attr('x', 4).attr('y', top - 3);
    else text.attr('x', labelW).attr('y', top + r.height / 2).attr('dy', '0.35em').attr('text-anchor', 'end');
  });

  // The axis: a tick per instant, labelled with its machine time, thinned so labels do not collide.
  const ticks: number[] = [];
  let lastX = -Infinity;
  timeline.times.forEach((t, i) => {
    if (i > 0 && timeline.times[i - 1] === t) return;
    if (xs(i) - lastX < 56) return;
    ticks.push(i);
    lastX = xs(i);
  });
  svg
    .append('g')
    .attr('class', 'axis')
    .attr('transform', `translate(0, ${y + 2})`)
    .call(axisBottom(x).tickValues(ticks).tickFormat((d) => formatTime(timeline.times[Number(d)] ?? 0)));

  svg.append('line').attr('class', 'cursor').attr('y1', 0).attr('y2', y).attr('x1', -10).attr('x2', -10);

  const drawn: Drawn[] = [];
  const focusable = (parent: G, cls: string, target: Target, row: number, cx: number, from: number, to: number) => {
    const g = parent.append('g').attr('class', cls).attr('tabindex', -1).attr('role', 'button').attr('focusable', 'true');
    const text = targetLabel(target, timeline);
    g.attr('aria-label', text).append('title').text(text);
    drawn.push({ element: g.node() as SVGGElement, target, row, x: cx, from, to });
    return g;
  };

  // Lanes: what each function's stack was, then the transitions crossing it.
  const lanes = svg.append('g').attr('class', 'lanes');
  for (const seg of timeline.segments) {
    const row = rowOf(seg.function);
    const top = tops[row] as number;
    const x0 = xs(seg.from);
    const w = Math.max(2, xs(seg.to) - x0);
    const top0 = seg.stack[0];
    const kind = !top0 ? 'original' : top0.nop ? 'nop' : 'live';
    const g = focusable(lanes, `segment ${kind}${top0?.transition ? ' moving' : ''}`, { type: 'segment', segment: seg }, row, x0, seg.from, seg.to);
    g.append('rect').attr('class', 'seg').attr('x', x0).attr('y', top + 3).attr('width', w).attr('height', LANE - 16);
    if (kind === 'nop') g.append('rect').attr('class', 'seg-hatch').attr('x', x0).attr('y', top + 3).attr('width', w).attr('height', LANE - 16).attr('fill', `url(#${host.id}-hatch)`);
    g.append('text').attr('class', 'seg-label').attr('x', x0 + 4).attr('y', top + 3 + (LANE - 16) / 2).attr('dy', '0.35em').text(stackLabel(seg.stack));
  }
  for (const span of timeline.spans) {
    for (const fn of span.functions.length ? span.functions : ['transitions']) {
      const row = rowOf(fn);
      const top = tops[row] as number;
      const x0 = xs(span.from);
      const w = Math.max(6, xs(span.to) - x0);
      const g = focusable(lanes, `span${span.finished ? '' : ' unfinished'}`, { type: 'span', span }, row, x0 + 0.5, span.from, span.to);
      g.append('rect').attr('class', 'span-bar').attr('x', x0).attr('y', top + LANE - 12).attr('width', w).attr('height', 10);
      for (const step of span.steps) {
        if (step.item.phase !== 'retry') continue;
        g.append('line').attr('class', 'span-tick').attr('x1', xs(step.slot)).attr('x2', xs(step.slot)).attr('y1', top + LANE - 13).attr('y2', top + LANE - 1);
      }
      const last = span.steps.at(-1)?.item;
      if (last) g.append('text').attr('class', 'span-label').attr('x', x0 + w + 3).attr('y', top + LANE - 7).attr('dy', '0.35em').text(`${last.switched}/${last.tasks}`);
    }
  }

  // Marks, each centred on its slot in its row.
  const marksG = svg.append('g').attr('class', 'marks');
  for (const mark of timeline.marks) {
    const rowName = mark.kind === 'step' ? 'steps' : mark.kind === 'decision' ? 'decisions' : 'events';
    const row = rowOf(rowName);
    const cx = xs(mark.slot);
    const cy = (tops[row] as number) + ROW / 2;
    const g = focusable(marksG, markClass(mark), { type: 'mark', mark }, row, cx, mark.slot, mark.slot + 1);
    g.attr('transform', `translate(${cx}, ${cy})`);
    if (mark.kind === 'decision') g.attr('data-outcome', mark.item.outcome).attr('data-id', mark.item.id);
    shape(g, mark);
  }
  // Reading order: left to right, top to bottom within one slot.
  drawn.sort((a, b) => a.x - b.x || a.row - b.row);
  return { drawn, xOf: xs };
}

/** Move the time cursor to axis position `x` (or hide it). */
export function moveCursor(host: HTMLElement, x: number | undefined): void {
  const at = x === undefined ? -10 : x;
  select(host).select<SVGLineElement>('line.cursor').attr('x1', at).attr('x2', at);
}
