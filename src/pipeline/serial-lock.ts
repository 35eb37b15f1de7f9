/**
 * Runs tasks one at a time, in the order they were scheduled: what Bottleneck's `Sync` (lib/Sync.js of 2.19.5) does for
 * its submit and register locks, without the two async generators (and their promises) it spends on every task. As
 * there, a task's promise settles with its outcome after the next task has been started, and `schedule` is bound.
 */
interface Entry {
  task: (...args: unknown[]) => unknown;
  args: unknown[];
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  next: Entry | undefined;
}

export class SerialLock {
  #head: Entry | undefined;
  #tail: Entry | undefined;
  #running = false;

  constructor(private readonly PromiseType: PromiseConstructor = Promise) {
    this.schedule = this.schedule.bind(this);
  }

  isEmpty(): boolean {
    return this.#head === undefined;
  }

  schedule(task: (...args: unknown[]) => unknown, ...args: unknown[]): Promise<unknown> {
    return new this.PromiseType((resolve, reject) => {
      const entry: Entry = { task, args, resolve, reject, next: undefined };
      if (this.#tail === undefined) this.#head = entry;
      else this.#tail.next = entry;
      this.#tail = entry;
      this.#runNext();
    });
  }

  #runNext(): void {
    const entry = this.#head;
    if (this.#running || entry === undefined) return;
    this.#head = entry.next;
    if (this.#head === undefined) this.#tail = undefined;
    this.#running = true;
    let outcome: Promise<unknown>;
    try {
      outcome = Promise.resolve(entry.task(...entry.args));
    } catch (error) {
      outcome = Promise.reject(error);
    }
    outcome.then(
      (value) => {
        this.#running = false;
        this.#runNext();
        entry.resolve(value);
      },
      (error: unknown) => {
        this.#running = false;
        this.#runNext();
        entry.reject(error);
      },
    );
  }
}
