import { describe, expect, it } from 'vitest';
import { FormatProbe, likelyFormat, UnusableInputError, WRONG_FORMAT_RECORDS } from '../../src/job/input-check.js';
import { runSync, type Delivery } from '../../src/job/run-sync.js';
import type { Customer } from '../../src/model/types.js';
import type { PushResult } from '../../src/push/engine.js';
import { openSource, type SourceRecord } from '../../src/sources/index.js';
import { Readable } from 'node:stream';
import { customer, ndjson } from '../cli/helpers.js';

describe('likelyFormat', () => {
  it('tells CSV, a JSON array, NDJSON and binary from a first line', () => {
    expect(likelyFormat(Buffer.from('id,email,address.city'))).toBe('csv');
    expect(likelyFormat(Buffer.from('[{"id": "c-1"},'))).toBe('json');
    expect(likelyFormat(Buffer.from('['))).toBe('json');
    expect(likelyFormat(Buffer.from('{"id": "c-1", "email": "a@b.co"}'))).toBe('ndjson');
    expect(likelyFormat(Buffer.from([0xff, 0xfe, 0x00, 0x41]))).toBe('binary');
    expect(likelyFormat(Buffer.from('PK\u0003\u0004'))).toBe('binary');
    expect(likelyFormat(Buffer.from('just words'))).toBeUndefined();
    expect(likelyFormat(Buffer.from('{"id": "c-1", '))).toBeUndefined();
    expect(likelyFormat(Buffer.from('id\temail'))).toBeUndefined();
  });

  it('reads a first line kept cut at 4 KiB inside a character as text', () => {
    const long = Buffer.from(`${'a,'.repeat(2047)}xé and more`);
    expect(long[4095]).toBe(0xc3);
    expect(likelyFormat(long.subarray(0, 4096))).toBe('csv');
    // Shorter than what is kept: the line really ends there, inside a character.
    expect(likelyFormat(Buffer.concat([Buffer.from('a,b'), Buffer.from('é').subarray(0, 1)]))).toBe('binary');
  });
});

describe('FormatProbe', () => {
  const bad = (line: number): SourceRecord => ({ line, error: 'not valid JSON' });

  it(`throws at the ${WRONG_FORMAT_RECORDS}th unparsable record in a row from the start, naming the problems and the format`, () => {
    const probe = new FormatProbe();
    for (let i = 1; i < WRONG_FORMAT_RECORDS; i++) probe.see(bad(i), i === 1 ? Buffer.from('id,email') : Buffer.from('c-1,a@b.co'));
    let thrown: unknown;
    try {
      probe.see({ line: 20, value: 42, raw: '42' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UnusableInputError);
    expect(thrown).toMatchObject({ reason: 'unparsable', problems: ['not valid JSON', 'not a JSON object'], likelyFormat: 'csv', records: 20, wholeInput: false });
    expect((thrown as Error).message).not.toContain('a@b.co');
  });

  it('is done once a record parses into an object, whatever follows', () => {
    const probe = new FormatProbe();
    probe.see(bad(1));
    probe.see({ line: 2, value: { id: 'c-1' } });
    for (let i = 3; i < 100; i++) probe.see(bad(i));
    probe.end();
  });

  it('at the end of a short input: throws only when every record failed to parse and the first line looks like another format', () => {
    const csv = new FormatProbe();
    csv.see(bad(1), Buffer.from('id,email'));
    expect(() => csv.end()).toThrow(/none of the input's 1 records could be parsed/);
    const typo = new FormatProbe();
    typo.see(bad(1), Buffer.from('{"id": "c-1",}'));
    typo.end();
    const values = new FormatProbe();
    values.see({ line: 1, value: [], raw: '[]' }, '[]');
    values.end();
    const binary = new FormatProbe();
    binary.see(bad(1), Buffer.from('ab'));
    binary.see({ line: 2, error: 'not valid UTF-8' }, Buffer.from([0xc3, 0x28]));
    expect(() => binary.end()).toThrow(UnusableInputError);
  });
});

describe('runSync on an input that cannot be meant', () => {
  /** A delivery that remembers every customer it was handed. */
  function recording(): Delivery & { delivered: Customer[] } {
    const delivered: Customer[] = [];
    return {
      providers: ['bluetape'],
      dryRun: false,
      rawLines: undefined,
      delivered,
      deliver: (c): Promise<PushResult> => {
        delivered.push(c);
        return Promise.resolve({ customerId: c.id, providers: { bluetape: { status: 'updated', warnings: [], requests: 1, retries: 0 } } });
      },
    };
  }

  const source = (text: string) => openSource({ input: '-', stdin: Readable.from([text]) });

  it('throws before delivering anything when the first 20 records do not parse, even with a valid record after them', async () => {
    const delivery = recording();
    const lines = [...Array.from({ length: 20 }, (_, i) => `c-${i},a${i}@b.co`), JSON.stringify(customer(1))];
    const { batches } = await source(`id,email\n${lines.join('\n')}\n`);
    await expect(runSync({ delivery, batches })).rejects.toMatchObject({ name: 'UnusableInputError', reason: 'unparsable', likelyFormat: 'csv' });
    expect(delivery.delivered).toEqual([]);
  });

  it('delivers as usual when a record parses within the first 20', async () => {
    const delivery = recording();
    const lines = [...Array.from({ length: 19 }, () => 'nope'), JSON.stringify(customer(1)), 'nope'];
    const report = await runSync({ delivery, batches: (await source(`${lines.join('\n')}\n`)).batches });
    expect(delivery.delivered.map((c) => c.id)).toEqual(['c-1']);
    expect(report.records).toEqual({ read: 21, invalid: 20 });
  });

  it('refuses an input with no record only when asked to', async () => {
    await expect(runSync({ delivery: recording(), batches: (await source('\n  \n')).batches, refuseEmpty: true })).rejects.toMatchObject({
      reason: 'empty',
      message: 'input is empty: nothing to sync',
    });
    const report = await runSync({ delivery: recording(), batches: (await source('')).batches });
    expect(report.records).toEqual({ read: 0, invalid: 0 });
    const one = await runSync({ delivery: recording(), batches: (await source(ndjson([customer(1)]))).batches, refuseEmpty: true });
    expect(one.records.read).toBe(1);
  });
});
