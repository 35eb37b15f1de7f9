import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, logEngineEvents } from '../../src/cli/logger.js';
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
