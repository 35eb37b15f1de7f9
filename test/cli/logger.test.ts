import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, createTerminalLogger, logEngineEvents } from '../../src/cli/logger.js';
import { providerError } from '../../src/errors/provider-errors.js';
import { SyncEvents } from '../../src/events.js';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, stream };
}

describe('CLI log of engine events', () => {
  it('says when a 429 paused a provider (warn) and when its rate was adjusted (info)', () => {
    const { lines, stream } = capture();
    const log = createLogger('info', stream);
    const events = new SyncEvents();
    logEngineEvents(events, log);
    events.emit('rateLimit', { provider: 'fatora', waitMs: 1000 });
    events.emit('rateAdjusted', { provider: 'fatora', perSecond: 48.45 });
    log.flush();
    expect(lines.map(({ level, msg, provider, waitMs, perSecond }) => ({ level, msg, provider, waitMs, perSecond }))).toEqual([
      { level: 40, msg: 'provider paused by a 429', provider: 'fatora', waitMs: 1000, perSecond: undefined },
      { level: 30, msg: 'provider rate adjusted', provider: 'fatora', waitMs: undefined, perSecond: 48.45 },
    ]);
  });
});

describe('CLI log on a terminal', () => {
  async function terminalLog(level: 'warn' | 'debug', colorize = false) {
    const written: string[] = [];
    const log = await createTerminalLogger(level, (text) => written.push(text), { colorize });
    const events = new SyncEvents();
    logEngineEvents(events, log);
    return { written, log, events };
  }

  it('writes one human line per entry, with its fields after the message, each in one write', async () => {
    const { written, events } = await terminalLog('warn');
    events.emit('rateLimit', { provider: 'fatora', waitMs: 1000 });
    events.emit('rateAdjusted', { provider: 'fatora', perSecond: 48.45 }); // info: below the level
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(/^\[\d\d:\d\d:\d\d\] WARN: provider paused by a 429 provider=fatora waitMs=1000\n$/);
  });

  it('keeps the masking and quotes a value with spaces; the stopping message is a line like any other', async () => {
    const { written, log, events } = await terminalLog('debug');
    const error = providerError('rejected', 'Fatora PUT /v1/clients/7: HTTP 422: email ada@example.com is taken', {
      provider: 'fatora',
      customerId: 'c-7',
      status: 422,
    });
    events.emit('result', { customerId: 'c-7', provider: 'fatora', outcome: { status: 'failed', error, warnings: [], requests: 1, retries: 0 } });
    log.warn('stopping: finishing the records in flight, then writing the state and the report');
    log.error(new Error('boom'));
    expect(written.map((line) => line.replace(/^\[\d\d:\d\d:\d\d\] /, ''))).toEqual([
      'WARN: push failed provider=fatora customerId=c-7 kind=rejected status=422 ' +
        'message="Fatora PUT /v1/clients/7: HTTP 422: email a***@example.com is taken"\n',
      'WARN: stopping: finishing the records in flight, then writing the state and the report\n',
      'ERROR: boom err="Error: boom"\n',
    ]);
    expect(written.join('')).not.toContain('ada@example.com');
  });

  it('colours the level only when asked', async () => {
    const plain = await terminalLog('warn', false);
    const coloured = await terminalLog('warn', true);
    for (const { events } of [plain, coloured]) events.emit('rateLimit', { provider: 'yativo', waitMs: 5 });
    expect(plain.written[0]).not.toContain('\x1b[');
    expect(coloured.written[0]).toContain('\x1b[');
  });
});
