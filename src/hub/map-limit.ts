/** Bounded concurrency with fail-fast: the first failure aborts the rest and is the one rethrown. */

/**
 * Runs `fn` over `items`, at most `limit` at a time. On the first error the shared signal passed to `fn`
 * is aborted, the remaining items are not started, running ones are awaited, and that first error is
 * thrown (not the ABORTED errors it caused in the siblings).
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, signal: AbortSignal) => Promise<R>,
  signal?: AbortSignal,
): Promise<R[]> {
  const internal = new AbortController();
  const shared = signal === undefined ? internal.signal : AbortSignal.any([signal, internal.signal]);
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  let firstError: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (firstError === undefined && next < items.length) {
      const index = next++;
      const item = items[index] as T;
      try {
        results[index] = await fn(item, shared);
      } catch (error) {
        if (firstError === undefined) {
          firstError = { error };
          internal.abort(error);
        }
      }
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, () => worker());
  await Promise.all(workers);
  if (firstError !== undefined) throw firstError.error;
  return results;
}
