import { closest, distance } from 'fastest-levenshtein';

/**
 * The candidate closest to `word`, when it is close enough to be a likely typo (at most a third of
 * the word's length away), else `undefined`.
 */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0) return undefined;
  const best = closest(word, [...candidates]);
  return distance(word, best) <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

/** `" (did you mean `x`?)"` or the empty string. */
export function suggestion(word: string, candidates: readonly string[]): string {
  const best = didYouMean(word, candidates);
  return best === undefined ? '' : ` (did you mean \`${best}\`?)`;
}
