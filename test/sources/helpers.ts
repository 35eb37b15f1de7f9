import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readdir, readlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll } from 'vitest';
import { openSource, type OpenSourceOptions, type SourceRecord } from '../../src/sources/index.js';

/** A temporary folder for this test file, removed after it. */
export function tempDir(): (name: string, content?: string | Buffer) => string {
  const dir = mkdtempSync(join(tmpdir(), 'customer-sync-sources-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return (name, content) => {
    const path = join(dir, name);
    if (content !== undefined) writeFileSync(path, content);
    return path;
  };
}

export async function collect(records: AsyncIterable<SourceRecord>): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for await (const record of records) out.push(record);
  return out;
}

/** Every record of an input, the source closed after. */
export async function readAll(options: OpenSourceOptions): Promise<SourceRecord[]> {
  const source = await openSource(options);
  try {
    return await collect(source.records);
  } finally {
    await source.close();
  }
}

/** Standard input made of these chunks. */
export function stdinOf(...chunks: (string | Buffer)[]): PassThrough {
  const stdin = new PassThrough();
  for (const chunk of chunks) stdin.write(chunk);
  stdin.end();
  return stdin;
}

/** Whether this process holds a file descriptor open on `path` (Linux). */
export async function isOpen(path: string): Promise<boolean> {
  const fds = await readdir('/proc/self/fd');
  const targets = await Promise.all(fds.map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')));
  return targets.includes(path);
}

/** The error a promise rejects with; fails when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error('rejected with a non-Error', { cause: error });
  }
  throw new Error('expected a rejection');
}
