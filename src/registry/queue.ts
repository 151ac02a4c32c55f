// One-at-a-time writes for a registry instance, shared by every backend: each write starts after the
// previous one settled, so concurrent calls from this process land in call order; close() lets the
// queued writes finish and makes later ones reject.

export class WriteQueue {
  /** Tail of the queue; never rejects. */
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;

  get closed(): boolean {
    return this.#closed;
  }

  /** Runs `task` after every earlier one; rejects at once when closed. */
  run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(closedError());
    const run = this.#tail.then(task);
    this.#tail = run.catch(() => undefined);
    return run;
  }

  /** Refuses new writes and resolves once the queued ones have settled. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#tail;
  }
}

export function closedError(): Error {
  return new Error('the registry is closed');
}
