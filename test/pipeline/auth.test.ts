import nock, { type ReplyFnContext } from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AuthSpec, RequestSpec } from '../../src/adapter/definition.js';
import { AuthError } from '../../src/errors/index.js';
import type { DepartureClock } from '../../src/pipeline/departures.js';
import { BASE, bearer, makePipeline, recorder, SECRET } from './helpers.js';

const login: RequestSpec = { method: 'POST', path: '/auth/login', body: { accountId: 'acc-1', appSecret: SECRET }, retrySafe: true };

const exchangeAuth: AuthSpec = {
  headers: bearer,
  exchange: {
    request: login,
    parse(body) {
      if (typeof body !== 'object' || body === null || !('token' in body) || typeof body.token !== 'string') return undefined;
      const expiresIn = 'expiresIn' in body && typeof body.expiresIn === 'number' ? body.expiresIn : undefined;
      return { token: body.token, expiresInSeconds: expiresIn };
    },
  },
};

const update: RequestSpec = { method: 'PUT', path: '/customer/c-1', body: { customer_name: 'Ada' }, retrySafe: true };

/** Departure time that passes only while the gate waits for it (on the next turn, not a timer). */
function waitingClock(): DepartureClock {
  let time = 0;
  return {
    now: () => time,
    after(ms, fn) {
      const turn = setImmediate(() => {
        time += ms;
        fn();
      });
      return () => clearImmediate(turn);
    },
  };
}

const pipelines: { close(): Promise<void> }[] = [];
function setup(...args: Parameters<typeof makePipeline>) {
  const made = makePipeline(...args);
  pipelines.push(made.pipeline);
  return made;
}

beforeAll(() => nock.disableNetConnect());
afterEach(async () => {
  await Promise.all(pipelines.splice(0).map((p) => p.close()));
  nock.cleanAll();
});

describe('token exchange', () => {
  it('takes a turn at the gate of its own: the request waiting for the token leaves a whole spacing after it', async () => {
    // 5/s: 200 ms apart, measured where the gate lets requests go, on a clock that moves only while the gate waits:
    // how late each one then reaches the server (a busy machine) does not enter into it.
    const departures = waitingClock();
    const { pipeline } = setup({ auth: exchangeAuth, rateLimit: { perSecond: 5, concurrency: 1 } }, { departures });
    const rec = recorder();
    const arrived: number[] = [];
    const at = (reply: ReturnType<typeof rec.reply>): typeof reply =>
      function (this: ReplyFnContext, uri, body) {
        arrived.push(departures.now());
        return reply.call(this, uri, body);
      };
    nock(BASE).post('/auth/login').reply(at(rec.reply(200, { token: 'tok-A', expiresIn: 600 }))).put('/customer/c-1').reply(at(rec.reply(200, {})));
    await pipeline.send(update);
    expect(rec.log.map((r) => r.path)).toEqual(['/auth/login', '/customer/c-1']);
    const [exchangeLeft = 0, putLeft = 0] = arrived;
    expect(putLeft - exchangeLeft).toBeGreaterThanOrEqual(200);
  });

  it('makes one exchange for 10 concurrent sends', async () => {
    const { pipeline } = setup({ auth: exchangeAuth });
    const rec = recorder();
    const scope = nock(BASE)
      .post('/auth/login')
      .delay(30)
      .reply(rec.reply(200, { token: 'tok-A', expiresIn: 600 }))
      .put('/customer/c-1')
      .times(10)
      .reply(rec.reply(200, {}));

    await Promise.all(Array.from({ length: 10 }, () => pipeline.send(update)));

    expect(scope.isDone()).toBe(true);
    const [exchange, ...puts] = rec.log;
    expect(exchange).toMatchObject({
      method: 'POST',
      path: '/auth/login',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: { accountId: 'acc-1', appSecret: SECRET },
    });
    expect(exchange?.headers).not.toHaveProperty('authorization');
    expect(puts).toHaveLength(10);
    for (const put of puts) expect(put.headers.authorization).toBe('Bearer tok-A');
  });

  it('refreshes the token before it expires, by the injected clock', async () => {
    let now = 0;
    const { pipeline } = setup({ auth: exchangeAuth }, { now: () => now });
    const rec = recorder();
    const scope = nock(BASE)
      .post('/auth/login')
      .reply(rec.reply(200, { token: 'tok-1', expiresIn: 600 }))
      .put('/customer/c-1')
      .times(2)
      .reply(rec.reply(200, {}))
      .post('/auth/login')
      .reply(rec.reply(200, { token: 'tok-2', expiresIn: 600 }))
      .put('/customer/c-1')
      .reply(rec.reply(200, {}));

    await pipeline.send(update);
    now = 539_000;
    await pipeline.send(update);
    now = 541_000;
    await pipeline.send(update);

    expect(scope.isDone()).toBe(true);
    expect(rec.log.map((e) => `${e.method} ${e.path} ${e.headers.authorization ?? '-'}`)).toEqual([
      'POST /auth/login -',
      'PUT /customer/c-1 Bearer tok-1',
      'PUT /customer/c-1 Bearer tok-1',
      'POST /auth/login -',
      'PUT /customer/c-1 Bearer tok-2',
    ]);
  });

  it('on a 401 refreshes once and resends, not counted as a retry', async () => {
    const { pipeline, sleeps, emitted } = setup({ auth: exchangeAuth });
    const rec = recorder();
    const scope = nock(BASE)
      .post('/auth/login')
      .reply(rec.reply(200, { token: 'tok-1' }))
      .put('/customer/c-1')
      .reply(rec.reply(401, { message: 'token expired' }))
      .post('/auth/login')
      .reply(rec.reply(200, { token: 'tok-2' }))
      .put('/customer/c-1')
      .reply(rec.reply(200, { ok: true }));
    const stats = { requests: 0, retries: 0 };

    await expect(pipeline.send(update, { stats })).resolves.toMatchObject({ status: 200, body: { ok: true } });

    expect(scope.isDone()).toBe(true);
    expect(rec.log.map((e) => e.headers.authorization ?? '-')).toEqual(['-', 'Bearer tok-1', '-', 'Bearer tok-2']);
    expect(stats).toEqual({ requests: 2, retries: 0 });
    expect(sleeps).toEqual([]);
    expect(emitted.request.map((e) => e.attempt)).toEqual([1, 1]);
  });

  it('refreshes once for many concurrent 401s', async () => {
    const { pipeline } = setup({ auth: exchangeAuth });
    const scope = nock(BASE)
      .post('/auth/login')
      .reply(200, { token: 'tok-1' })
      .post('/auth/login')
      .reply(200, { token: 'tok-2' })
      .put('/customer/c-1')
      .matchHeader('authorization', 'Bearer tok-1')
      .times(5)
      // Held back so all five are on the wire with tok-1 before the first 401 arrives.
      .delay(50)
      .reply(401, { message: 'revoked' })
      .put('/customer/c-1')
      .matchHeader('authorization', 'Bearer tok-2')
      .times(5)
      .reply(200, {});

    const results = await Promise.all(Array.from({ length: 5 }, () => pipeline.send(update)));

    // A third exchange would find no interceptor and fail its send.
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(scope.isDone()).toBe(true);
  });

  it('a second 401 is an AuthError and halts the provider: the next send makes no request', async () => {
    const { pipeline, emitted } = setup({ auth: exchangeAuth });
    const scope = nock(BASE)
      .post('/auth/login')
      .reply(200, { token: 'tok-1' })
      .put('/customer/c-1')
      .reply(401, { message: 'account disabled' })
      .post('/auth/login')
      .reply(200, { token: 'tok-2' })
      .put('/customer/c-1')
      .reply(401, { message: 'account disabled' });

    const error = await pipeline.send(update, { customerId: 'cust-1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect(error).toMatchObject({ kind: 'auth', status: 401, customerId: 'cust-1', providerMessage: 'account disabled' });
    expect(scope.isDone()).toBe(true);

    const requestsBefore = emitted.request.length;
    const next = await pipeline.send(update, { customerId: 'cust-2' }).catch((e: unknown) => e);
    expect(next).toBeInstanceOf(AuthError);
    expect(next).toMatchObject({ kind: 'auth', customerId: 'cust-2', status: 401 });
    expect(emitted.request).toHaveLength(requestsBefore);
  });

  it('a refused exchange halts the provider', async () => {
    const { pipeline, emitted } = setup({ auth: exchangeAuth });
    const scope = nock(BASE).post('/auth/login').reply(401, { message: 'bad app secret' });

    await expect(pipeline.send(update)).rejects.toMatchObject({ kind: 'auth', status: 401, providerMessage: 'bad app secret' });
    await expect(pipeline.send(update)).rejects.toBeInstanceOf(AuthError);
    expect(scope.isDone()).toBe(true);
    expect(emitted.request).toHaveLength(0);
  });

  it('a failing exchange is retried like the request it serves', async () => {
    const { pipeline, sleeps } = setup({ auth: exchangeAuth });
    const scope = nock(BASE)
      .post('/auth/login')
      .reply(503, '')
      .post('/auth/login')
      .reply(200, { token: 'tok-1' })
      .put('/customer/c-1')
      .reply(200, {});

    await expect(pipeline.send(update)).resolves.toMatchObject({ status: 200 });
    expect(scope.isDone()).toBe(true);
    expect(sleeps).toEqual([187]);
  });
});

describe('static credentials', () => {
  it('403 halts the provider', async () => {
    const { pipeline, emitted } = setup();
    const scope = nock(BASE).put('/customer/c-1').reply(403, { message: 'forbidden' });

    await expect(pipeline.send(update)).rejects.toMatchObject({ kind: 'auth', status: 403, providerMessage: 'forbidden' });
    await expect(pipeline.send(update)).rejects.toMatchObject({ kind: 'auth', status: 403 });
    expect(scope.isDone()).toBe(true);
    expect(emitted.request).toHaveLength(1);
  });

  it('401 with a static token is an AuthError at once, without a resend', async () => {
    const { pipeline, emitted } = setup();
    const scope = nock(BASE).put('/customer/c-1').reply(401, { message: 'bad token' });

    await expect(pipeline.send(update)).rejects.toBeInstanceOf(AuthError);
    expect(scope.isDone()).toBe(true);
    expect(emitted.request).toHaveLength(1);
  });

  it('sends queued behind the failing one are not sent either', async () => {
    const { pipeline, emitted } = setup({ rateLimit: { perSecond: 20, concurrency: 1 } });
    const scope = nock(BASE).put('/customer/c-1').reply(403, { message: 'forbidden' });

    const results = await Promise.allSettled([pipeline.send(update), pipeline.send(update), pipeline.send(update)]);

    expect(results.map((r) => (r.status === 'rejected' ? (r.reason as AuthError).kind : 'sent'))).toEqual(['auth', 'auth', 'auth']);
    expect(scope.isDone()).toBe(true);
    expect(emitted.request).toHaveLength(1);
  });
});
