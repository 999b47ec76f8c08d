/** Rule L2 of the Unicode Bidirectional Algorithm: resolved levels to visual order. */

/** L2: the indices of `levels` in visual (left-to-right) order. */
export function visualOrder(levels: readonly number[]): number[] {
  const order = levels.map((_, i) => i);
  const highest = levels.reduce((max, level) => Math.max(max, level), 0);
  // Reversing down to level 1 instead of the lowest odd level is equivalent: it only adds an even
  // number of whole-line reversals.
  for (let level = highest; level >= 1; level--) {
    for (let i = 0; i < order.length;) {
      if ((levels[order[i] ?? 0] ?? 0) < level) {
        i++;
        continue;
      }
      let j = i;
      while (j < order.length && (levels[order[j] ?? 0] ?? 0) >= level) j++;
      for (let a = i, b = j - 1; a < b; a++, b--) [order[a], order[b]] = [order[b] ?? 0, order[a] ?? 0];
      i = j;
    }
  }
  return order;
}
