/**
 * The key to the marks: each has a shape and a glyph, so no meaning rests on colour alone.
 */
import { select } from 'd3-selection';

const ITEMS: readonly (readonly [cls: string, glyph: string, text: string])[] = [
  ['step', '1', 'step (✗: an expectation failed)'],
  ['decision allowed', '●', 'decision: allowed'],
  ['decision warned', '▲', 'decision: allowed with warnings'],
  ['decision denied', '✕', 'decision: denied'],
  ['callback', '◆', 'callback (‹ pre, › post)'],
  ['module', '+', 'module loaded (− removed)'],
  ['event', 'F', 'transition forced (R reversed, S signalled, C cancelled)'],
  ['segment live', '▬', 'lane: a patch runs (its name; * in transition)'],
  ['segment nop', '▨', 'lane: a nop (hatched): the original code, through the patch'],
  ['segment original', '▭', 'lane: original code (outline)'],
  ['span', '▁', 'transition (bar under the lane, ticks at retries, switched/all tasks)'],
];

export function legend(host: HTMLElement): void {
  const box = select(host).append('details').attr('class', 'legend').attr('open', '');
  box.append('summary').text('Key');
  const ul = box.append('ul');
  for (const [cls, glyph, text] of ITEMS) {
    const li = ul.append('li');
    li.append('span').attr('class', `key ${cls}`).attr('aria-hidden', 'true').text(glyph);
    li.append('span').text(` ${text}`);
  }
  box.append('p').attr('class', 'keys-help').text('Keyboard: Tab to a timeline, then ← → move in time, ↑ ↓ between rows, Home/End, Esc clears. The log\'s time stamps point at the timeline.');
}
