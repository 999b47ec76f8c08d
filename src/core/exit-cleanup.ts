/**
 * Last-chance cleanups for a process that exits at once (a second Ctrl-C): code that creates temp files
 * registers a synchronous remover while they exist; the CLI runs them all right before `process.exit`.
 */

const cleanups = new Set<() => void>();

/** Registers `cleanup`; call the returned function once the temp file is gone or renamed into place. */
export function onForcedExit(cleanup: () => void): () => void {
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

/** Runs every registered cleanup (errors are ignored: the process is going away). */
export function runForcedExitCleanups(): void {
  for (const cleanup of [...cleanups]) {
    try {
      cleanup();
    } catch {
      // best effort
    }
  }
  cleanups.clear();
}
