// The summary printed at the end of `customer-sync sync` (summaryTable): why each record failed or was skipped, what a
// dry run would do, and a provider that refused the credentials first.
import { describe, expect, it } from 'vitest';
import { bluetape } from '../../adapters/bluetape/index.js';
import { fatora } from '../../adapters/fatora/index.js';
import { invisibleCollector } from '../../adapters/invisible-collector/index.js';
import { yativo } from '../../adapters/yativo/index.js';
import { credentialKeys, summaryTable } from '../../src/cli/render.js';
import { ReportBuilder, type SyncReport } from '../../src/job/report.js';
import { CustomerSyncError } from '../../src/errors/customer-sync-error.js';
import type { ProviderOutcome } from '../../src/push/outcome.js';

const outcome = (fields: Partial<ProviderOutcome> & Pick<ProviderOutcome, 'status'>): ProviderOutcome => ({
  warnings: [],
  requests: 0,
  retries: 0,
  ...fields,
});

function failedOutcome(kind: 'invalid' | 'auth' | 'transient', message: string, status?: number): ProviderOutcome {
  return outcome({ status: 'failed', requests: status === undefined ? 0 : 1, error: new CustomerSyncError(kind, message, { status }) });
}

/** A run's report: each `result` given is a record read and delivered. */
function report(build: (builder: Pick<ReportBuilder, 'result'>) => void, dryRun = false): SyncReport {
  const builder = new ReportBuilder(['yativo', 'fatora', 'bluetape'], dryRun, new Date('2026-11-01T02:30:00Z'));
  build({
    result: (result) => {
      builder.read();
      builder.result(result);
    },
  });
  return builder.finish(false, new Date('2026-11-01T02:30:04Z'));
}

describe('summaryTable', () => {
  it("shows each failure's message, the first 10, then how many more the report holds", () => {
    const summary = summaryTable(
      report((builder) => {
        for (let i = 1; i <= 13; i++) {
          builder.result({ customerId: `u-${i}`, providers: { bluetape: failedOutcome('invalid', 'BlueTape requires updatedAt (sourceModifiedDate)') } });
        }
        builder.result({ customerId: 'u-14', providers: { yativo: failedOutcome('transient', 'Yativo answered 503\nService Unavailable', 503) } });
      }),
      { reportPath: 'out/report.json' },
    );
    const lines = summary.split('\n');
    const failed = lines.filter((line) => line.startsWith('failed '));
    expect(failed).toHaveLength(10);
    expect(failed[0]).toBe('failed bluetape u-1 (invalid): BlueTape requires updatedAt (sourceModifiedDate)');
    expect(failed[9]).toBe('failed bluetape u-10 (invalid): BlueTape requires updatedAt (sourceModifiedDate)');
    expect(lines).toContain('… and 4 more failures, see the report (out/report.json)');
    expect(summary).not.toContain(': invalid\n');
  });

  it('names the status and keeps a message on one line', () => {
    const summary = summaryTable(
      report((builder) => builder.result({ customerId: 'c-1', providers: { yativo: failedOutcome('transient', 'Yativo answered 503\nService Unavailable', 503) } })),
    );
    expect(summary.split('\n')).toContain('failed yativo c-1 (transient, HTTP 503): Yativo answered 503 Service Unavailable');
    expect(summary).not.toContain('more failures');
  });

  it('says where the rest is when no report file was written', () => {
    const summary = summaryTable(
      report((builder) => {
        for (let i = 1; i <= 11; i++) builder.result({ customerId: `c-${i}`, providers: { fatora: failedOutcome('invalid', 'Fatora requires email') } });
      }),
    );
    expect(summary).toContain('… and 1 more failures, see the report (--report FILE or --json)');
  });

  it('lists the customers skipped for each reason: the first 10, then how many more', () => {
    const reason = 'no Fatora client id is known (providerIds.fatora) and createMissing is off';
    const summary = summaryTable(
      report((builder) => {
        for (let i = 1; i <= 12; i++) builder.result({ customerId: `c-${i}`, providers: { fatora: outcome({ status: 'skipped', reason }) } });
        builder.result({ customerId: 'c-99', providers: { bluetape: outcome({ status: 'skipped', reason: 'another reason' }) } });
      }),
    );
    const lines = summary.split('\n');
    const at = lines.indexOf(`skipped at fatora (12): ${reason}`);
    expect(at).toBeGreaterThan(-1);
    expect(lines[at + 1]).toBe('  c-1, c-2, c-3, c-4, c-5, c-6, c-7, c-8, c-9, c-10 and 2 more');
    expect(lines).toContain('skipped at bluetape (1): another reason');
    expect(lines).toContain('  c-99');
  });

  it('says what a dry run would do, not what it did', () => {
    const summary = summaryTable(
      report((builder) => {
        builder.result({
          customerId: 'c-1',
          providers: {
            yativo: outcome({ status: 'created' }),
            fatora: outcome({ status: 'skipped', reason: 'no Fatora client id is known' }),
            bluetape: failedOutcome('invalid', 'BlueTape requires phone'),
          },
        });
        builder.result({ customerId: 'c-2', providers: { yativo: outcome({ status: 'updated' }) } });
      }, true),
    );
    const lines = summary.split('\n');
    expect(lines[0]).toBe('Dry run: nothing was sent. 2 records read, 0 invalid, in 4.0 s');
    const header = lines.find((line) => line.startsWith('provider'));
    expect(header?.split(/\s{2,}/)).toEqual(['provider', 'would create', 'would update', 'unchanged', 'would skip', 'would fail']);
    expect(summary).not.toMatch(/\bcreated\b|\brequests\b/);
    expect(lines.find((line) => line.startsWith('yativo'))?.split(/\s+/)).toEqual(['yativo', '1', '1', '0', '0', '0']);
    expect(lines).toContain('would skip at fatora (1): no Fatora client id is known');
    expect(lines).toContain('would fail bluetape c-1 (invalid): BlueTape requires phone');
  });

  it('keeps the columns of a real run', () => {
    const summary = summaryTable(report((builder) => builder.result({ customerId: 'c-1', providers: { yativo: outcome({ status: 'created', requests: 1 }) } })));
    const lines = summary.split('\n');
    expect(lines[0]).toBe('1 records read, 0 invalid, in 4.0 s');
    expect(lines.find((line) => line.startsWith('provider'))?.split(/\s+/)).toEqual([
      'provider',
      'created',
      'updated',
      'unchanged',
      'skipped',
      'failed',
      'requests',
      'retries',
    ]);
  });

  it('puts a provider that refused the credentials first, with the config keys to check', () => {
    const summary = summaryTable(
      report((builder) => {
        builder.result({
          customerId: 'c-1',
          providers: { yativo: failedOutcome('auth', 'Yativo refused the credentials (HTTP 401)', 401), fatora: outcome({ status: 'created', requests: 1 }) },
        });
        builder.result({
          customerId: 'c-2',
          providers: { yativo: failedOutcome('auth', 'not sent: the provider refused the credentials earlier in this run', 401) },
        });
        builder.result({ customerId: 'c-3', providers: { bluetape: failedOutcome('auth', 'BlueTape refused the credentials (HTTP 403)', 403) } });
      }),
      { credentials: { yativo: ['token'], bluetape: ['apiKey', 'accountId'] } },
    );
    const lines = summary.split('\n');
    expect(lines.slice(0, 3)).toEqual([
      'yativo refused the credentials (HTTP 401): nothing was sent to it after that; check providers.yativo.token',
      'bluetape refused the credentials (HTTP 403): nothing was sent to it after that; check providers.bluetape.apiKey and providers.bluetape.accountId',
      '',
    ]);
    expect(lines[3]).toMatch(/^3 records read/);
    expect(lines.filter((line) => line.includes('refused the credentials: '))).toEqual([]);
  });

  it('names the provider entry when the credential keys are not known', () => {
    const summary = summaryTable(report((builder) => builder.result({ customerId: 'c-1', providers: { fatora: failedOutcome('auth', 'refused', 401) } })));
    expect(summary.split('\n')[0]).toBe('fatora refused the credentials (HTTP 401): nothing was sent to it after that; check its credentials in providers.fatora');
  });

  it('has no headline when no provider refused the credentials', () => {
    const summary = summaryTable(report((builder) => builder.result({ customerId: 'c-1', providers: { fatora: failedOutcome('invalid', 'Fatora requires email') } })));
    expect(summary).not.toContain('refused the credentials');
    expect(summary.split('\n')[0]).toMatch(/^1 records read/);
  });
});

describe('credentialKeys', () => {
  it('names the options that hold credentials (secrets, or values sent in the auth headers), never other options', () => {
    const base = { baseUrl: 'http://127.0.0.1:1', createMissing: true };
    expect(credentialKeys(yativo({ baseUrl: base.baseUrl, token: 't-1' }))).toEqual(['token']);
    expect(credentialKeys(yativo({ baseUrl: base.baseUrl, accountId: 'acct', appSecret: 's-1' }))).toEqual(['appSecret']);
    expect(credentialKeys(fatora({ ...base, token: 't-2' }))).toEqual(['token']);
    expect(credentialKeys(bluetape({ ...base, apiKey: 'k-1', accountId: 'a-1' })).sort()).toEqual(['accountId', 'apiKey']);
    expect(credentialKeys(invisibleCollector({ ...base, token: 't-3' }))).toEqual(['token']);
  });
});

describe('summaryTable with --since-last-run', () => {
  const base = () => report((builder) => builder.result({ customerId: 'c-1', providers: { yativo: outcome({ status: 'updated', requests: 1 }) } }));

  it('says which rows were read and where the next run starts', () => {
    const first = { ...base(), watermark: { column: 'updated_at', type: 'timestamp with time zone', from: null, to: '2026-11-01 02:00:00.123456+00', saved: true, nullRows: 0 } };
    expect(summaryTable(first).split('\n')[1]).toBe('read every row; the next run reads updated_at >= 2026-11-01 02:00:00.123456+00');
    const next = { ...base(), watermark: { ...first.watermark, from: '2026-11-01 02:00:00.123456+00', to: '2026-11-02 01:00:00+00' } };
    expect(summaryTable(next).split('\n')[1]).toBe('read rows with updated_at >= 2026-11-01 02:00:00.123456+00; the next run reads updated_at >= 2026-11-02 01:00:00+00');
  });

  it('says the watermark was kept when the run did not move it, and counts the NULL rows no watermark selects', () => {
    const kept = { ...base(), watermark: { column: 'updated_at', type: 'timestamp with time zone', from: '2026-11-01 02:00:00+00', to: '2026-11-03 00:00:00+00', saved: false, nullRows: 2 } };
    expect(summaryTable(kept).split('\n')[1]).toBe(
      'read rows with updated_at >= 2026-11-01 02:00:00+00; watermark kept as it was; 2 rows with updated_at NULL, which no watermark selects',
    );
  });

  it('adds no line to a run without a watermark', () => {
    expect(summaryTable(base())).not.toContain('watermark');
    expect(summaryTable(base()).split('\n')[1]).toBe('');
  });
});
