/**
 * Child process of scenario 5's cache build (a process rather than a worker thread: a forked process inherits
 * tsx's loader, a worker thread does not). Posts the state rows of the records `rowsFrom .. rowsTo - 1` that did not
 * change since last night (computed as a real run computes them: state-rows.ts), then writes tonight's NDJSON lines
 * `from .. to - 1` to its part of the input file. The changed records get their rows from real creates at the sandbox.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { customerLine, isChanged } from './customers.js';
import { inventedId, rowsFor, validated, type Row } from './state-rows.js';

export interface PrefillJob {
  /** Tonight's lines this process writes. */
  from: number;
  to: number;
  part: string;
  /** The records whose rows this process computes (the pre-filled prefix, split evenly between processes). */
  rowsFrom: number;
  rowsTo: number;
}

export type PrefillMessage = { rows: Row[]; records: number } | { done: true };

const BATCH = 2000;
const job = JSON.parse(process.argv[2] ?? '{}') as PrefillJob;

/** Sends, and waits until the message is handed over: the IPC backlog stays bounded. */
const post = (message: PrefillMessage): Promise<void> =>
  new Promise((resolve, reject) => {
    if (process.send === undefined) return reject(new Error('nightly-prefill-worker runs as a forked process'));
    process.send(message, (error: Error | null) => (error ? reject(error) : resolve()));
  });

for (let from = job.rowsFrom; from < job.rowsTo; from += BATCH) {
  const rows: Row[] = [];
  const to = Math.min(job.rowsTo, from + BATCH);
  for (let i = from; i < to; i++) {
    // Unchanged: last night's line is tonight's, byte for byte.
    if (!isChanged(i)) rows.push(...rowsFor(validated(customerLine(i, 1)), (provider) => inventedId(provider, i)));
  }
  await post({ rows, records: to - from });
}

const out = createWriteStream(job.part);
for (let from = job.from; from < job.to; from += BATCH) {
  const lines: string[] = [];
  for (let i = from; i < Math.min(job.to, from + BATCH); i++) lines.push(customerLine(i, 1));
  if (!out.write(`${lines.join('\n')}\n`)) await once(out, 'drain');
}
out.end();
await once(out, 'finish');
await post({ done: true });
process.disconnect();
