import { closest, distance } from 'fastest-levenshtein';

/**
 * The candidate closest to `word`, when it is close enough to be a likely typo, else `undefined`.
 * Close enough: a third of the word's length, and at least 2 edits for words of 4 letters or more
 * (Levenshtein counts a swap of two letters, `audti` for `audit`, as 2).
 */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0) return undefined;
  const nearest = closest(word, [...candidates]);
  const best = distance(word, nearest);
  // Among equally near candidates prefer one with the same letters (`laod` is `load`, not `log`).
  const letters = (w: string) => [...w].sort().join('');
  const tied = candidates.filter((c) => distance(word, c) === best);
  const pick = tied.find((c) => letters(c) === letters(word)) ?? nearest;
  const allowed = Math.max(word.length >= 4 ? 2 : 1, Math.floor(word.length / 3));
  return best <= allowed ? pick : undefined;
}

/** `" (did you mean `x`?)"` or the empty string. */
export function suggestion(word: string, candidates: readonly string[]): string {
  const best = didYouMean(word, candidates);
  return best === undefined ? '' : ` (did you mean \`${best}\`?)`;
}
