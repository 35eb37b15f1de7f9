/**
 * Which row the next `--since-last-run` night starts from (issue 14): the lowest value of the column among the rows
 * read but not confirmed at every provider, else the highest value read.
 *
 * Rows arrive ordered by the column (`ORDER BY` in the statement), so the order they were read in is the order of
 * their values: the lowest unconfirmed value is the value of the first unconfirmed row read, and the highest read is
 * the last non-NULL one. No value is ever compared here (JavaScript's order is not PostgreSQL's: collations, numeric
 * text, time zones). Memory is one entry per row in flight, none per row settled.
 */
export class WatermarkTracker {
  #read = 0;
  /** Rows read whose outcome is not known yet, by ticket (read order); a Map iterates in that order. */
  readonly #open = new Map<number, string>();
  /** The first row read that ended unconfirmed. */
  #held: { ticket: number; value: string } | undefined;
  #highest: string | undefined;
  #nulls = 0;

  /**
   * A row read, with its column's value as text (`null` for NULL); returns the ticket its outcome is settled with.
   * A NULL row gets none: a `>=` bound never selects it, so it can hold nothing back.
   */
  read(value: string | null): number | undefined {
    if (value === null) {
      this.#nulls += 1;
      return undefined;
    }
    const ticket = this.#read++;
    this.#open.set(ticket, value);
    this.#highest = value;
    return ticket;
  }

  /** The row's outcome: confirmed at every provider (sent, unchanged, raw-skipped), or not (failed, invalid, skipped). */
  settle(ticket: number | undefined, confirmed: boolean): void {
    if (ticket === undefined) return;
    const value = this.#open.get(ticket);
    if (value === undefined) return;
    this.#open.delete(ticket);
    if (!confirmed && (this.#held === undefined || ticket < this.#held.ticket)) this.#held = { ticket, value };
  }

  /** Rows read whose column was NULL. */
  get nullRows(): number {
    return this.#nulls;
  }

  /**
   * The next night's bound: the lowest value among the rows unconfirmed or never settled (a run interrupted with rows
   * in flight, or read and never handed on), else the highest value read; `undefined` when no row with a value was read.
   */
  next(): string | undefined {
    const open = this.#open.entries().next();
    const firstOpen = open.done === true ? undefined : { ticket: open.value[0], value: open.value[1] };
    const held = this.#held;
    if (held !== undefined && (firstOpen === undefined || held.ticket < firstOpen.ticket)) return held.value;
    return firstOpen?.value ?? this.#highest;
  }
}
