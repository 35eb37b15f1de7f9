import type { SourceItem } from '../sources/types.js';
import { isWatermarkStore, type StateStore, type StoredWatermark, type WatermarkKey } from '../state/store.js';
import type { ReportWatermark } from './report.js';
import { WatermarkTracker } from './watermark-tracker.js';

/** What `runSync` tells a `--since-last-run` run: each row read, each row's outcome, and the end. */
export interface RunWatermark {
  /** The bound this run read from (none: every row was read). */
  readonly from: StoredWatermark | undefined;
  /** An item read; its ticket goes to `settle`. */
  read(item: SourceItem): number | undefined;
  settle(ticket: number | undefined, confirmed: boolean): void;
  /**
   * Once every record settled and the run's last confirmation was written: stores the new watermark (when this run
   * may) in one write, and says what it did for the report.
   */
  finish(): Promise<ReportWatermark>;
}

/** The reading side of the source (see `WatermarkReader` in src/sources/postgres.ts). */
interface Reader {
  readonly column: string;
  readonly type: string;
  start(bound: StoredWatermark | undefined): Promise<{ unreadNulls: number }>;
}

export interface SinceLastRunOptions {
  reader: Reader;
  key: WatermarkKey;
  store: StateStore;
  /** `--full`: read every row, whatever the stored watermark, and store the new one. */
  full: boolean;
  /**
   * Whether this run's outcomes may move the watermark: not a dry run, nor `--only` or `--customers`, whose rows are
   * not confirmed at every provider; they still read from the stored one.
   */
  save: boolean;
  /** A warning for the operator (rows the watermark can never select). */
  warn(message: string): void;
}

/** A row's watermark value: the `mark` a `--since-last-run` source gives each row (`null` for NULL). */
function markOf(item: SourceItem): string | null {
  const mark = (item as { mark?: unknown }).mark;
  return typeof mark === 'string' ? mark : null;
}

/**
 * Reads the stored watermark, starts the source's reading from it (from nothing with `full` or on a first night), and
 * tracks the run's rows. Throws when the state keeps no watermarks, or what `reader.start` throws.
 */
export async function startSinceLastRun(options: SinceLastRunOptions): Promise<RunWatermark> {
  const { reader, key, store } = options;
  if (!isWatermarkStore(store)) throw new Error('--since-last-run: this state keeps no watermarks');
  const stored = await store.getWatermark(key);
  const from = options.full ? undefined : stored;
  const { unreadNulls } = await reader.start(from);
  const tracker = new WatermarkTracker();
  return {
    from,
    read: (item) => tracker.read(markOf(item)),
    settle: (ticket, confirmed) => tracker.settle(ticket, confirmed),
    async finish() {
      const next = tracker.next();
      const nullRows = unreadNulls + tracker.nullRows;
      if (nullRows > 0) {
        options.warn(
          `--since-last-run ${JSON.stringify(reader.column)}: ${nullRows} row${nullRows === 1 ? ' has' : 's have'} NULL in that column; ` +
            'a watermark never selects them (they are read on a first night and with --full only)',
        );
      }
      const to = next === undefined ? stored : { value: next, type: reader.type };
      const changed = to !== undefined && (to.value !== stored?.value || to.type !== stored.type);
      const saved = options.save && changed;
      if (saved && to !== undefined) await store.setWatermark(key, to);
      return { column: reader.column, type: to?.type ?? reader.type, from: from?.value ?? null, to: to?.value ?? null, saved, nullRows };
    },
  };
}
