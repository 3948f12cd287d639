import { distance } from 'fastest-levenshtein';

/**
 * The candidate closest to `word`, when it is close enough to be a likely typo, else `undefined`.
 * Close enough: a third of the word's length, and at least 2 edits for words of 4 letters or more
 * (Levenshtein counts a swap of two letters, `audti` for `audit`, as 2). Case does not count:
 * `VENDOR` is as plainly `vendor` as `vendr` is.
 */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  const letters = (w: string) => [...w.toLowerCase()].sort().join('');
  const own = letters(word);
  // Nearest ignoring case; among equally near ones prefer one with the same letters (`laod` is
  // `load`, not `log`), then the one nearest with case (`Log` is `log`, not `LOG`), then the first.
  const rankOf = (candidate: string) => [distance(lower, candidate.toLowerCase()), letters(candidate) === own ? 0 : 1, distance(word, candidate)] as const;
  // The lowest rank, compared key by key; the first candidate wins a full tie.
  const before = (a: readonly number[], b: readonly number[]) => {
    const i = a.findIndex((x, k) => x !== b[k]);
    return i >= 0 && (a[i] as number) < (b[i] as number);
  };
  let best: { candidate: string; rank: ReturnType<typeof rankOf> } | undefined;
  for (const candidate of candidates) {
    const rank = rankOf(candidate);
    if (!best || before(rank, best.rank)) best = { candidate, rank };
  }
  if (!best) return undefined;
  const edits = best.rank[0];
  const allowed = Math.max(word.length >= 4 ? 2 : 1, Math.floor(word.length / 3));
  // As many edits as letters rewrites the whole word: an empty or one-letter word is no typo of
  // another one-letter word (`x` is not `a`).
  return edits <= allowed && edits < word.length ? best.candidate : undefined;
}

/** `" (did you mean `x`?)"` or the empty string. */
export function suggestion(word: string, candidates: readonly string[]): string {
  const best = didYouMean(word, candidates);
  return best === undefined ? '' : ` (did you mean \`${best}\`?)`;
}
