/**
 * One run's timeline made usable: hover, click or keyboard focus shows a thing's details; arrows
 * move between things (one tab stop per timeline, as for any composite widget); the kernel log and
 * the time axis point at each other. Redrawn when the window's width changes.
 */
import { select as d3select } from 'd3-selection';
import type { Timeline } from '../src/timeline.js';
import { showDetails } from './details.js';
import { drawTimeline, moveCursor, type Drawing, type Drawn } from './draw.js';

export interface RunViewOptions {
  readonly scroller: HTMLElement;
  readonly details: HTMLElement;
  readonly log: HTMLElement;
  readonly timeline: Timeline;
  readonly functions: readonly string[];
  readonly label: string;
}

const HINT = 'Select something on the timeline (click it, or Tab to the timeline and use the arrow keys) to see its details here.';

export function runView(o: RunViewOptions): void {
  let drawing: Drawing = { drawn: [], xOf: () => 0 };
  /** Index in `drawing.drawn` of the selected thing (kept across redraws). */
  let selected = -1;
  let hovering = false;

  const linkLog = (d: Drawn | undefined) => {
    for (const li of o.log.querySelectorAll<HTMLElement>('li.log-line')) {
      const slot = Number(li.dataset.slot);
      li.classList.toggle('linked', d !== undefined && slot >= d.from && slot < d.to);
    }
  };
  const show = (i: number) => {
    const d = drawing.drawn[i];
    if (!d) {
      d3select(o.details).selectAll('*').remove();
      d3select(o.details).append('p').attr('class', 'hint').text(HINT);
      linkLog(undefined);
      moveCursor(o.scroller, undefined);
      return;
    }
    showDetails(o.details, d.target, o.timeline);
    linkLog(d);
    moveCursor(o.scroller, d.x);
  };
  const select = (i: number, focus: boolean) => {
    drawing.drawn.forEach((d, j) => {
      d.element.setAttribute('tabindex', j === i ? '0' : '-1');
      d.element.classList.toggle('selected', j === i);
      d.element.setAttribute('aria-pressed', String(j === i));
    });
    selected = i;
    show(i);
    const el = drawing.drawn[i]?.element;
    if (el && focus) el.focus();
  };
  /** The nearest thing in `row` to `x` (for up/down). */
  const nearestIn = (row: number, x: number) => {
    let best = -1;
    drawing.drawn.forEach((d, j) => {
      if (d.row !== row) return;
      const bd = drawing.drawn[best];
      if (!bd || Math.abs(d.x - x) < Math.abs(bd.x - x)) best = j;
    });
    return best;
  };
  const onKey = (event: KeyboardEvent) => {
    const n = drawing.drawn.length;
    if (n === 0) return;
    const cur = drawing.drawn[selected];
    let next = selected;
    switch (event.key) {
      case 'ArrowRight':
        next = Math.min(n - 1, selected + 1);
        break;
      case 'ArrowLeft':
        next = Math.max(0, selected - 1);
        break;
      case 'Home':
        next = 0;
        break;
      case 'End':
        next = n - 1;
        break;
      case 'ArrowDown':
      case 'ArrowUp': {
        if (!cur) return;
        const rows = [...new Set(drawing.drawn.map((d) => d.row))].sort((a, b) => a - b);
        const at = rows.indexOf(cur.row) + (event.key === 'ArrowDown' ? 1 : -1);
        const row = rows[at];
        if (row === undefined) return;
        next = nearestIn(row, cur.x);
        break;
      }
      case 'Enter':
      case ' ':
        show(selected);
        break;
      case 'Escape':
        show(-1);
        break;
      default:
        return;
    }
    event.preventDefault();
    if (next !== selected) select(next, true);
  };

  const redraw = () => {
    drawing = drawTimeline(o.scroller, o.timeline, o.functions, o.label);
    drawing.drawn.forEach((d, i) => {
      d.element.setAttribute('tabindex', '-1');
      d.element.addEventListener('click', () => select(i, true));
      d.element.addEventListener('focus', () => {
        if (selected !== i) select(i, false);
      });
      d.element.addEventListener('mouseenter', () => {
        hovering = true;
        show(i);
      });
      d.element.addEventListener('mouseleave', () => {
        if (!hovering) return;
        hovering = false;
        show(selected);
      });
    });
    const keep = selected >= 0 && selected < drawing.drawn.length ? selected : -1;
    drawing.drawn.forEach((d, j) => d.element.setAttribute('tabindex', j === (keep < 0 ? 0 : keep) ? '0' : '-1'));
    if (keep >= 0) select(keep, false);
  };
  o.scroller.addEventListener('keydown', onKey);

  // A log line's time button: show that moment on the axis, and what happened there.
  o.log.addEventListener('click', (event) => {
    const button = (event.target as Element).closest('button.log-link');
    const li = button?.closest<HTMLElement>('li.log-line');
    if (!li) return;
    const slot = Number(li.dataset.slot);
    let best = -1;
    drawing.drawn.forEach((d, j) => {
      if (d.from <= slot && (best < 0 || d.from >= (drawing.drawn[best] as Drawn).from)) best = j;
    });
    select(best, false);
    moveCursor(o.scroller, drawing.xOf(slot));
    o.scroller.scrollIntoView({ block: 'nearest' });
  });

  redraw();
  show(-1);
  let width = o.scroller.clientWidth;
  new ResizeObserver(() => {
    if (o.scroller.clientWidth === width) return;
    width = o.scroller.clientWidth;
    redraw();
  }).observe(o.scroller);
}
