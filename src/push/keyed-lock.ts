/**
 * Runs tasks one at a time per key, in the order they asked, within one process. Two customers of ours with one
 * email must not race from "the lookup found nothing" to "the create is recorded": the second would find the
 * first's new customer not yet linked to it, and adopt it (DESIGN §5: never write over a customer not ours).
 */
export class KeyedLock {
  readonly #tails = new Map<string, Promise<void>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key);
    let release: () => void = () => undefined;
    const done = new Promise<void>((resolve) => {
      release = resolve;
    });
    // Nobody ahead (nearly always): the task starts now, and whoever comes next waits for it alone.
    const tail = previous === undefined ? done : previous.then(() => done);
    this.#tails.set(key, tail);
    if (previous !== undefined) await previous;
    try {
      return await task();
    } finally {
      release();
      // The last in line leaves no entry behind: the map holds only keys with a task running or waiting.
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}

const locks = new WeakMap<object, KeyedLock>();

/**
 * The lock that belongs to `owner` (a state store): deliveries that share what they remember take turns, and
 * unrelated syncs in one process never wait on each other.
 */
export function lockOf(owner: object): KeyedLock {
  let lock = locks.get(owner);
  if (lock === undefined) {
    lock = new KeyedLock();
    locks.set(owner, lock);
  }
  return lock;
}
