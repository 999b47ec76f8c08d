import { describe, expect, it } from "vitest";
import { ThreadGovernor } from "./thread-governor.js";

/** A machine whose step time depends on the thread count and on how busy it is. */
function run(
  governor: ThreadGovernor,
  steps: number,
  time: (threads: number, step: number) => number,
  from = 0,
): void {
  for (let i = from; i < from + steps; i++) governor.observe(time(governor.threads, i));
}

describe("thread governor", () => {
  it("changes nothing on a quiet machine", () => {
    const applied: number[] = [];
    const g = new ThreadGovernor(2, (n) => applied.push(n));
    run(g, 500, (_t, i) => 60 + (i % 7)); // ±10% noise
    expect(applied).toEqual([]);
    expect(g.threads).toBe(2);
  });

  it("tries a thread fewer when steps slow down, keeps it while faster, returns when the machine is quiet", () => {
    const applied: number[] = [];
    const g = new ThreadGovernor(2, (n) => applied.push(n));
    const quiet = (t: number): number => (t === 2 ? 60 : 110);
    const busy = (t: number): number => (t === 2 ? 240 : 120); // a busy process beside 2 threads
    run(g, 20, quiet);
    run(g, 3, busy);
    expect(g.threads).toBe(1); // the trial started after 3 slow steps
    run(g, 3, busy);
    expect(applied).toEqual([1]); // kept: 120 ms < 240 ms
    // Still busy: the periodic trial of 2 threads fails and 1 thread stays.
    run(g, 80, busy);
    expect(g.threads).toBe(1);
    expect(applied.filter((n) => n === 2).length).toBeGreaterThan(0);
    expect(applied.at(-1)).toBe(1);
    // Quiet again: the next trial of 2 threads wins.
    run(g, 80, quiet);
    expect(g.threads).toBe(2);
    expect(applied.at(-1)).toBe(2);
  });

  it("goes back at once when fewer threads do not help, and waits before trying again", () => {
    const applied: number[] = [];
    const g = new ThreadGovernor(2, (n) => applied.push(n));
    run(g, 10, () => 60);
    run(g, 6, () => 200); // slow whatever the count (memory-bound neighbour)
    expect(applied).toEqual([1, 2]);
    run(g, 60, () => 200);
    expect(applied).toEqual([1, 2]);
    run(g, 10, () => 200);
    expect(applied).toEqual([1, 2, 1, 2]);
  });

  it("tries early when the machine was busy at load time (no quiet baseline); never with one thread", () => {
    const applied: number[] = [];
    const g = new ThreadGovernor(2, (n) => applied.push(n), true);
    run(g, 4, (t) => (t === 2 ? 240 : 120));
    expect(g.threads).toBe(1);
    run(g, 3, (t) => (t === 2 ? 240 : 120));
    expect(applied).toEqual([1]);
    const single = new ThreadGovernor(1, (n) => applied.push(n), true);
    run(single, 100, () => 500);
    expect(single.threads).toBe(1);
    expect(applied).toEqual([1]);
  });
});
