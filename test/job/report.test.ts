import { describe, expect, it } from 'vitest';
import { LIST_CAP, ReportBuilder, SKIPPED_IDS_CAP } from '../../src/job/report.js';
import type { PushResult } from '../../src/push/engine.js';

function planned(customerId: string, requests: number): PushResult {
  const planned = Array.from({ length: requests }, (_, i) => ({ method: 'PUT' as const, path: `/customers/${customerId}/${i}`, retrySafe: true }));
  return { customerId, providers: { bluetape: { status: 'updated', warnings: [], requests: 0, retries: 0, planned } } };
}

describe('ReportBuilder', () => {
  it('keeps at most LIST_CAP planned requests in a dry run and counts those left out', () => {
    const builder = new ReportBuilder(['bluetape'], true);
    for (let i = 0; i < LIST_CAP / 2 + 10; i++) builder.result(planned(`c-${i}`, 2));
    const report = builder.finish(false);
    expect(report.planned).toHaveLength(LIST_CAP);
    expect(report.planned?.at(-1)).toMatchObject({ customerId: `c-${LIST_CAP / 2 - 1}`, provider: 'bluetape' });
    expect(report.truncated).toEqual({ failures: 0, invalid: 0, warnings: 0, planned: 20 });
    expect(report.providers.bluetape?.updated).toBe(LIST_CAP / 2 + 10);
  });

  it('has no planned list, nor its count, outside a dry run', () => {
    const builder = new ReportBuilder(['bluetape'], false);
    builder.result(planned('c-1', 1));
    const report = builder.finish(false);
    expect(report).not.toHaveProperty('planned');
    expect(report.truncated).toEqual({ failures: 0, invalid: 0, warnings: 0 });
  });
});

describe('skipped records in the report', () => {
  const skipped = (customerId: string, reason = 'no Fatora client id is known (providerIds.fatora) and createMissing is off'): PushResult => ({
    customerId,
    providers: { fatora: { status: 'skipped', reason, warnings: [], requests: 0, retries: 0 } },
  });

  it('lists the ids of the first SKIPPED_IDS_CAP customers per reason, with the exact count', () => {
    const builder = new ReportBuilder(['fatora'], false);
    for (let i = 1; i <= SKIPPED_IDS_CAP + 3; i++) builder.result(skipped(`c-${i}`));
    builder.result(skipped('c-other', 'another reason'));
    const report = builder.finish(false);
    expect(report.skipped).toEqual([
      {
        provider: 'fatora',
        reason: 'no Fatora client id is known (providerIds.fatora) and createMissing is off',
        count: SKIPPED_IDS_CAP + 3,
        customerIds: Array.from({ length: SKIPPED_IDS_CAP }, (_, i) => `c-${i + 1}`),
      },
      { provider: 'fatora', reason: 'another reason', count: 1, customerIds: ['c-other'] },
    ]);
    expect(report.providers.fatora?.skipped).toBe(SKIPPED_IDS_CAP + 4);
    expect(SKIPPED_IDS_CAP).toBe(10);
  });
});
