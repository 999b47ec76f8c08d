import { getEventListeners } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { listenForAbort } from "./abort-listener.js";

describe("listenForAbort", () => {
  const warnings: string[] = [];
  const onWarning = (w: Error): void => {
    warnings.push(w.name);
  };
  afterEach(() => {
    process.off("warning", onWarning);
    warnings.length = 0;
  });

  it("lets many requests wait on one signal without Node's leak warning, and removes each listener", async () => {
    process.on("warning", onWarning);
    const controller = new AbortController();
    let fired = 0;
    const removers = Array.from({ length: 40 }, () => listenForAbort(controller.signal, () => fired++));
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(40);
    removers.slice(0, 30).forEach((remove) => remove());
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(10);
    controller.abort();
    expect(fired).toBe(10);
    await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
    expect(warnings).not.toContain("MaxListenersExceededWarning");
  });
});
