/** Edit distance where swapping two neighbours counts as one edit: "spce" is one typo away from "spec". */
export function editDistance(a: string, b: string): number {
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2]! + 1);
      row.push(d);
    }
    [before, prev] = [prev, row];
  }
  return prev[b.length]!;
}

/** The candidates a typo of `word` most likely meant: within a third of its length (at least one edit), nearest first. */
export function nearest(word: string, candidates: Iterable<string>, limit = 3): string[] {
  if (word.length > 300) return [];
  const max = Math.max(1, Math.floor(word.length / 3));
  return [...candidates]
    .filter((c) => Math.abs(c.length - word.length) <= max)
    .map((c) => ({ c, d: editDistance(word, c) }))
    .filter((x) => x.d <= max)
    .sort((x, y) => x.d - y.d || (x.c < y.c ? -1 : 1))
    .slice(0, limit)
    .map((x) => x.c);
}
