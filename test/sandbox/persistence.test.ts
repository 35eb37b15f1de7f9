import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runSandboxCommand } from '../../src/sandbox/cli.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js';
import { call, SANDBOX_CREDENTIALS, type Answer } from './helpers.js';

const C = SANDBOX_CREDENTIALS;
const yativoAuth = { authorization: `Bearer ${C.yativo.token}` };
const fatoraAuth = { authorization: `Bearer ${C.fatora.token}` };
const bluetapeAuth = { 'x-bluetape-key': C.bluetape.apiKey, 'x-integration-accountid': C.bluetape.accountId };
const icAuth = { authorization: `Bearer ${C['invisible-collector'].token}` };

const yativoBody = (n: number) => ({
  customer_name: `Yativo ${n}`,
  customer_email: `y${n}@example.com`,
  customer_phone: '+19203751411',
  customer_country: 'USA',
  customer_idType: 'PASSPORT',
  customer_idNumber: `A${n}`,
});
const bluetapeFields = (n: number) => ({
  firstName: 'Blue',
  lastName: `Tape ${n}`,
  emailAddress: `b${n}@example.com`,
  cellPhoneNumber: '+11234567890',
  sourceModifiedDate: '2024-01-01T00:00:00Z',
});

interface Created {
  yativo: string;
  fatora: number;
  bluetape: string;
  blueTapeId: string;
  ic: string;
}

function expectStatus(answer: Answer, status: number): Answer {
  expect(answer.status, answer.text).toBe(status);
  return answer;
}

/** One new customer at each provider, over HTTP; `n` keeps their unique fields apart. */
async function createAll(sb: Sandbox, n: number): Promise<Created> {
  const y = expectStatus(
    await call(`${sb.urls.yativo}/customer`, {
      method: 'POST',
      headers: { ...yativoAuth, 'idempotency-key': `create-${n}` },
      body: yativoBody(n),
    }),
    201,
  );
  const f = expectStatus(
    await call(`${sb.urls.fatora}/v1/clients`, {
      method: 'POST',
      headers: fatoraAuth,
      body: { email: `f${n}@example.com`, name: `Fatora ${n}` },
    }),
    201,
  );
  const b = expectStatus(
    await call(`${sb.urls.bluetape}/integration/customer`, {
      method: 'POST',
      headers: bluetapeAuth,
      body: { id: `bt-${n}`, ...bluetapeFields(n) },
    }),
    201,
  );
  const i = expectStatus(
    await call(`${sb.urls['invisible-collector']}/customers`, {
      method: 'POST',
      headers: icAuth,
      body: { name: `IC ${n}`, vatNumber: `PT${n}`, country: 'PT', externalId: `ic-${n}` },
    }),
    201,
  );
  return {
    yativo: (y.body as { data: { customer_id: string } }).data.customer_id,
    fatora: (f.body as { client: { id: number } }).client.id,
    bluetape: `bt-${n}`,
    blueTapeId: (b.body as { blueTapeId: string }).blueTapeId,
    ic: (i.body as { gid: string }).gid,
  };
}

/** Updates each customer over HTTP; every one must be found. */
async function updateAll(sb: Sandbox, ids: Created): Promise<void> {
  const y = await call(`${sb.urls.yativo}/customer/${ids.yativo}`, {
    method: 'PUT',
    headers: { ...yativoAuth, 'idempotency-key': `update-${ids.yativo}` },
    body: { customer_name: 'Renamed' },
  });
  expect((expectStatus(y, 200).body as { data: { customer_name: string } }).data.customer_name).toBe('Renamed');
  const f = await call(`${sb.urls.fatora}/v1/clients/${ids.fatora}`, {
    method: 'PUT',
    headers: fatoraAuth,
    body: { email: `renamed-${ids.fatora}@example.com`, name: 'Renamed' },
  });
  expect((expectStatus(f, 200).body as { client: { name: string } }).client.name).toBe('Renamed');
  const b = await call(`${sb.urls.bluetape}/integration/customer/${ids.bluetape}`, {
    method: 'PUT',
    headers: bluetapeAuth,
    body: { ...bluetapeFields(0), firstName: 'Renamed' },
  });
  expect(expectStatus(b, 202).body).toEqual({ blueTapeId: ids.blueTapeId });
  const i = await call(`${sb.urls['invisible-collector']}/customers/${ids.ic}`, {
    method: 'PUT',
    headers: icAuth,
    body: { country: 'PT', name: 'Renamed' },
  });
  expect((expectStatus(i, 200).body as { name: string }).name).toBe('Renamed');
}

const allCustomers = (sb: Sandbox) => ({
  yativo: sb.customers('yativo'),
  fatora: sb.customers('fatora'),
  bluetape: sb.customers('bluetape'),
  'invisible-collector': sb.customers('invisible-collector'),
});

const servers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;

describe('sandbox dataFile', () => {
  let dir = '';
  let file = '';
  const open: Sandbox[] = [];

  const start = async (options: SandboxOptions = {}): Promise<Sandbox> => {
    const sb = await startSandbox({ dataFile: file, ...options });
    open.push(sb);
    return sb;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sandbox-data-'));
    file = join(dir, 'nested', 'sandbox.json');
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((sb) => sb.close()));
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps the customers of all four providers across a restart, with their ids, and they stay updatable', async () => {
    const first = await start();
    expect(allCustomers(first)).toEqual({ yativo: [], fatora: [], bluetape: [], 'invisible-collector': [] });
    const ids = await createAll(first, 1);
    const before = allCustomers(first);
    await first.close();
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ version: 1 });

    const second = await start();
    expect(allCustomers(second)).toEqual(before);
    // The identity document is kept too, though never answered.
    expect(second.customers('yativo')[0]).toMatchObject({ customer_id: ids.yativo, customer_idNumber: 'A1' });
    await updateAll(second, ids);
    // Lookups rebuilt from the file: Fatora's email conflict, Invisible Collector's VAT conflict and externalId.
    const conflict = await call(`${second.urls.fatora}/v1/clients`, {
      method: 'POST',
      headers: fatoraAuth,
      body: { email: `RENAMED-${ids.fatora}@example.com` },
    });
    expect(conflict.status).toBe(409);
    const vat = await call(`${second.urls['invisible-collector']}/customers`, {
      method: 'POST',
      headers: icAuth,
      body: { name: 'Other', vatNumber: 'PT1', country: 'PT' },
    });
    expect(vat.status).toBe(409);
    expect((vat.body as { gid: string }).gid).toBe(ids.ic);
    const byExternalId = await call(`${second.urls['invisible-collector']}/customers/ic-1`, { headers: icAuth });
    expect((byExternalId.body as { gid: string }).gid).toBe(ids.ic);
    await second.close();

    const third = await start();
    expect(third.customers('yativo')[0]?.customer_name).toBe('Renamed');
    expect(third.customers('bluetape')[0]?.firstName).toBe('Renamed');
  });

  it('never hands out a loaded id again, with the same seed, and when the file lost its id streams', async () => {
    // A token exchange draws from Yativo's id stream too, though tokens are not kept.
    const login = (sb: Sandbox) =>
      call(`${sb.urls.yativo}/auth/login`, {
        method: 'POST',
        body: { account_id: C.yativo.accountId, app_secret: C.yativo.appSecret },
      });
    const first = await start({ seed: 3 });
    const old = await createAll(first, 1);
    expectStatus(await login(first), 200);
    await first.close();

    const second = await start({ seed: 3 });
    const next = await createAll(second, 2);
    expect(next.yativo).not.toBe(old.yativo);
    expect(next.fatora).toBe(old.fatora + 1);
    expect(next.blueTapeId).not.toBe(old.blueTapeId);
    expect(next.ic).not.toBe(old.ic);
    await second.close();
    // The seeded id streams go on where they stood: the same ids as a run that was never restarted.
    const uninterrupted = await startSandbox({ seed: 3 });
    open.push(uninterrupted);
    await createAll(uninterrupted, 1);
    await login(uninterrupted);
    expect(await createAll(uninterrupted, 2)).toEqual(next);

    // A file without the id streams' state (edited by hand): the seeded stream starts over and meets the ids it
    // made before, which are skipped.
    const saved = JSON.parse(await readFile(file, 'utf8')) as { providers: Record<string, Record<string, unknown>> };
    for (const part of Object.values(saved.providers)) delete part.ids;
    delete saved.providers.fatora?.nextId;
    await writeFile(file, JSON.stringify(saved));
    const third = await start({ seed: 3 });
    const fresh = await createAll(third, 3);
    expect([old.yativo, next.yativo]).not.toContain(fresh.yativo);
    expect(fresh.fatora).toBe(next.fatora + 1);
    expect([old.blueTapeId, next.blueTapeId]).not.toContain(fresh.blueTapeId);
    expect([old.ic, next.ic]).not.toContain(fresh.ic);
    expect(third.customers('invisible-collector')).toHaveLength(3);
  });

  it('replays a Yativo Idempotency-Key after a restart: the first answer, nothing created', async () => {
    const send = (sb: Sandbox, body: unknown) =>
      call(`${sb.urls.yativo}/customer`, {
        method: 'POST',
        headers: { ...yativoAuth, 'idempotency-key': 'same-key' },
        body,
      });
    const first = await start();
    const original = expectStatus(await send(first, yativoBody(1)), 201);
    await first.close();

    const second = await start();
    const replay = await send(second, yativoBody(1));
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(original.body);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(second.customers('yativo')).toHaveLength(1);
    expect((await send(second, yativoBody(2))).status).toBe(422);
    expect(second.customers('yativo')).toHaveLength(1);
  });

  it('keeps no tokens: an exchanged token is refused after a restart', async () => {
    const first = await start();
    const login = await call(`${first.urls.fatora}/v1/Authorization/Authorize`, {
      headers: { api_key: C.fatora.apiKey },
    });
    const token = (login.body as { bearer_token: string }).bearer_token;
    await first.close();
    const second = await start();
    const res = await call(`${second.urls.fatora}/v1/clients`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(401);
  });

  it('rejects a corrupt or malformed file, naming the path, and leaves no server behind', async () => {
    const before = servers();
    await writeFile(join(dir, 'corrupt.json'), '{"version": 1, "provid');
    await expect(startSandbox({ dataFile: join(dir, 'corrupt.json') })).rejects.toThrow(
      `sandbox data file ${join(dir, 'corrupt.json')} is not valid JSON`,
    );
    const malformed = join(dir, 'malformed.json');
    await writeFile(malformed, JSON.stringify({ version: 1, providers: { fatora: { customers: [{ id: 'x' }] } } }));
    await expect(startSandbox({ dataFile: malformed })).rejects.toThrow(
      `sandbox data file ${malformed} is not a sandbox data file: providers.fatora.customers[0].id must be a positive integer`,
    );
    await writeFile(malformed, JSON.stringify([1, 2]));
    await expect(startSandbox({ dataFile: malformed })).rejects.toThrow(malformed);
    // A directory cannot be read as a file.
    await expect(startSandbox({ dataFile: dir })).rejects.toThrow(`sandbox data file ${dir} cannot be read`);
    expect(servers()).toBe(before);
  });

  it('saves after changes without close() (debounced), and on save()', async () => {
    const sb = await start();
    const ids = await createAll(sb, 1);
    // The debounced save comes within a fraction of a second; the deadline only bounds a save that never comes.
    const deadline = Date.now() + 15_000;
    let saved: { providers: Record<string, { customers: unknown[] }> } | undefined;
    while (Date.now() < deadline) {
      try {
        saved = JSON.parse(await readFile(file, 'utf8')) as typeof saved;
        if (saved?.providers['invisible-collector']?.customers.length === 1) break;
      } catch {
        // not written yet
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(saved?.providers.fatora?.customers).toEqual([expect.objectContaining({ id: ids.fatora })]);
    expect(saved?.providers.yativo?.customers).toEqual([expect.objectContaining({ customer_id: ids.yativo })]);
    // Written through a temporary file that is gone afterwards.
    expect(await readdir(join(dir, 'nested'))).toEqual(['sandbox.json']);

    // A second sandbox reads what the first saved while still running (as after a kill).
    const other = await startSandbox({ dataFile: file });
    open.push(other);
    expect(allCustomers(other)).toEqual(allCustomers(sb));

    sb.reset();
    await sb.save();
    const emptied = JSON.parse(await readFile(file, 'utf8')) as { providers: Record<string, { customers: unknown[] }> };
    expect(emptied.providers.bluetape?.customers).toEqual([]);
  });

  it('loads a data file written before the emulations moved to adapters/<id>/sandbox.ts (fixtures/sandbox-v1.json)', async () => {
    const fixtures = join(import.meta.dirname, 'fixtures');
    await mkdir(join(dir, 'nested'));
    await copyFile(join(fixtures, 'sandbox-v1.json'), file);
    const expected = JSON.parse(await readFile(join(fixtures, 'sandbox-v1.expected.json'), 'utf8')) as unknown;
    const sb = await start({ seed: 7 });
    expect(allCustomers(sb)).toEqual(expected);

    // Its id streams and counters go on where they stood: the ids the sandbox of 9cf7d79 hands out next.
    const next = await createAll(sb, 9);
    expect(next).toEqual({
      yativo: '7e6418a1-ba72-4790-8604-dc463545a2e4',
      fatora: 1003,
      bluetape: 'bt-9',
      blueTapeId: '70fec2afa4fc',
      ic: 'f0cf3566-7fdb-4bd1-8870-1efc8d9485f2',
    });
    // Its idempotency keys still deduplicate: the first answer again, nothing created.
    const [ada] = (expected as { yativo: Array<{ customer_id: string }> }).yativo;
    const replay = await call(`${sb.urls.yativo}/customer/${ada?.customer_id}`, {
      method: 'PUT',
      headers: { ...yativoAuth, 'idempotency-key': 'fixture-update-1' },
      body: { customer_name: 'Ada King' },
    });
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');

    // Written back in the same format: a sandbox of either version reads it.
    await sb.save();
    const saved = JSON.parse(await readFile(file, 'utf8')) as { version: number; providers: Record<string, unknown> };
    expect(saved.version).toBe(1);
    expect(Object.keys(saved.providers)).toEqual(['yativo', 'fatora', 'bluetape', 'invisible-collector']);
  });

  it('runSandboxCommand passes dataFile on; save() without a dataFile does nothing', async () => {
    const sb = await runSandboxCommand({ dataFile: file, write: () => undefined });
    open.push(sb);
    await createAll(sb, 1);
    await sb.save();
    const saved = JSON.parse(await readFile(file, 'utf8')) as { providers: Record<string, { customers: unknown[] }> };
    expect(saved.providers.fatora?.customers).toHaveLength(1);

    const plain = await startSandbox();
    open.push(plain);
    await expect(plain.save()).resolves.toBeUndefined();
    await expect(startSandbox({ dataFile: '' })).rejects.toThrow('dataFile must be a non-empty path');
  });
});
