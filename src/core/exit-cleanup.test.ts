import { describe, expect, it } from "vitest";
import { onForcedExit, runForcedExitCleanups } from "./exit-cleanup.js";

describe("forced-exit cleanups", () => {
  it("runs the registered cleanups once, skips unregistered ones and survives a failing one", () => {
    const ran: string[] = [];
    onForcedExit(() => ran.push("a"));
    const unregister = onForcedExit(() => ran.push("b"));
    onForcedExit(() => {
      throw new Error("boom");
    });
    onForcedExit(() => ran.push("c"));
    unregister();
    runForcedExitCleanups();
    runForcedExitCleanups();
    expect(ran).toEqual(["a", "c"]);
  });
});
