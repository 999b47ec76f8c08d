/**
 * A single-consumer async queue: the producer pushes, the consumer iterates; errors end the iteration.
 * A consumer that stops early (`break`, `return`, a throw in its loop body) calls the iterator's
 * `return()`, which runs `onReturn` — the engine uses it to cancel the generation behind the stream.
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiting: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined;
  private ended = false;
  private error: Error = new Error("queue failed");
  private failed = false;

  constructor(private readonly onReturn: () => void = () => {}) {}

  push(item: T): void {
    if (this.ended) return;
    if (this.waiting !== undefined) {
      const w = this.waiting;
      this.waiting = undefined;
      w.resolve({ value: item, done: false });
    } else {
      this.items.push(item);
    }
  }

  end(): void {
    this.ended = true;
    this.flush();
  }

  fail(error: unknown): void {
    if (this.ended) return;
    this.failed = true;
    this.error = error instanceof Error ? error : new Error(String(error));
    this.ended = true;
    this.flush();
  }

  private flush(): void {
    if (this.waiting === undefined || this.items.length > 0) return;
    const w = this.waiting;
    this.waiting = undefined;
    if (this.failed) w.reject(this.error);
    else w.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        if (this.items.length > 0) return Promise.resolve({ value: this.items.shift() as T, done: false });
        if (this.ended)
          return this.failed ? Promise.reject(this.error) : Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => {
          this.waiting = { resolve, reject };
        });
      },
      return: () => {
        const wasEnded = this.ended;
        this.items.length = 0;
        this.ended = true;
        if (!wasEnded) this.onReturn();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
