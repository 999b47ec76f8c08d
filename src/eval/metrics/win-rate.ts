/**
 * Win rate of pairwise LLM-as-judge comparisons. Each pair is judged twice with the answers' positions
 * swapped; only pairs with two consistent verdicts count (the paper discards the others, App. C.3);
 * inconsistent and unreadable verdicts are reported separately. The interval is Wilson's score interval
 * for a binomial proportion (95 % by default), which behaves at 0 % and 100 % where the normal one fails.
 */

/** The outcome of one pair after both orders were judged. */
export type PairVerdict = "win" | "loss" | "inconsistent" | "invalid";

/** Counts and the win rate with its interval (percentages 0–100). */
export interface WinRate {
  winRate: number;
  ciLow: number;
  ciHigh: number;
  wins: number;
  losses: number;
  /** Pairs whose verdict changed with the order (discarded). */
  inconsistent: number;
  /** Pairs where the judge's reply named neither answer in at least one order. */
  invalid: number;
  /** Pairs counted in the rate (wins + losses). */
  consistent: number;
}

/** Combines the two verdicts of one pair (`modelFirst`: the model's answer shown as A). */
export function combineVerdicts(
  modelFirst: "A" | "B" | undefined,
  modelSecond: "A" | "B" | undefined,
): PairVerdict {
  if (modelFirst === undefined || modelSecond === undefined) return "invalid";
  const firstWins = modelFirst === "A";
  const secondWins = modelSecond === "B";
  if (firstWins !== secondWins) return "inconsistent";
  return firstWins ? "win" : "loss";
}

/** Wilson score interval of `successes / n` (z = 1.96 for 95 %), as fractions. */
export function wilsonInterval(successes: number, n: number, z = 1.959963984540054): [number, number] {
  if (n === 0) return [Number.NaN, Number.NaN];
  const p = successes / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** The win rate of a set of pair verdicts. */
export function winRate(verdicts: readonly PairVerdict[]): WinRate {
  const count = (v: PairVerdict): number => verdicts.filter((x) => x === v).length;
  const wins = count("win");
  const losses = count("loss");
  const consistent = wins + losses;
  const [low, high] = wilsonInterval(wins, consistent);
  return {
    winRate: consistent === 0 ? Number.NaN : (100 * wins) / consistent,
    ciLow: 100 * low,
    ciHigh: 100 * high,
    wins,
    losses,
    inconsistent: count("inconsistent"),
    invalid: count("invalid"),
    consistent,
  };
}
