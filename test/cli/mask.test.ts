import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, logEngineEvents } from '../../src/cli/logger.js';
import { maskPersonalData } from '../../src/errors/mask.js';
import { providerError } from '../../src/errors/provider-errors.js';
import { SyncEvents } from '../../src/events.js';

describe('personal data in logs', () => {
  it('masks emails and phone numbers in free text', () => {
    expect(maskPersonalData('customer ada.lovelace@example.com has +351 912 345 678 on file')).toBe(
      'customer a***@example.com has +3***78 on file',
    );
    expect(maskPersonalData('order 12345 of 2026-11-20')).toBe('order 12345 of 2026-11-20');
  });

  it('logs a failure with the message masked, and never a body or header', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const events = new SyncEvents();
    logEngineEvents(events, createLogger('debug', sink));
    const error = providerError('rejected', 'Fatora PUT /v1/clients/7: HTTP 422: email ada@example.com is taken', {
      provider: 'fatora',
      customerId: 'c-7',
      status: 422,
    });
    events.emit('result', {
      customerId: 'c-7',
      provider: 'fatora',
      outcome: { status: 'failed', error, warnings: [], requests: 1, retries: 0 },
    });
    const logged = JSON.parse(lines.join('')) as Record<string, unknown>;
    expect(logged).toMatchObject({
      level: 40,
      provider: 'fatora',
      customerId: 'c-7',
      kind: 'rejected',
      status: 422,
      message: 'Fatora PUT /v1/clients/7: HTTP 422: email a***@example.com is taken',
      msg: 'push failed',
    });
  });
});

describe('what is not personal data', () => {
  it('leaves sizes, counts and ids of a few digits alone', () => {
    expect(maskPersonalData('response larger than 1048576 bytes')).toBe('response larger than 1048576 bytes');
    expect(maskPersonalData('client 1024 and national 912345678')).toBe('client 1024 and national 9***78');
  });

  it('leaves the digits inside an id alone (a conflict names the customer by its id), and masks a phone beside it', () => {
    const gid = '5ae2f659-45d2-4256-9f82-2811726a5376';
    expect(maskPersonalData(`held by gid ${gid}`)).toBe(`held by gid ${gid}`);
    expect(maskPersonalData(`gid ${gid}, phone +351 912 345 678.`)).toBe(`gid ${gid}, phone +3***78.`);
    expect(maskPersonalData('ref AB123456789CD')).toBe('ref AB123456789CD');
  });

  it('leaves a UUID whole when its middle groups are all digits (they would pass for a phone number alone)', () => {
    // Seen in a conflict test: `9123-4567-8955` masked out of the gid the message names.
    const gid = '24b8a639-9123-4567-8955-55afea8118b2';
    expect(maskPersonalData(`held by gid ${gid}`)).toBe(`held by gid ${gid}`);
    expect(maskPersonalData(`gid ${gid.toUpperCase()}; call 912 345 678`)).toBe(`gid ${gid.toUpperCase()}; call 9***78`);
    expect(maskPersonalData('call 9123-4567-8955')).toBe('call 9***55');
  });
});
