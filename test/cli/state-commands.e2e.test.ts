// `customer-sync state list | resolve | forget` on a state written through the store: they read the state's place
// from a config without its providers' ${VAR}s, check ids against the provider's id type, refuse a customer the state
// never saw, confirm before replacing an id the state holds, and erase one customer.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/program.js';
import { SqliteStateStore } from '../../src/state/sqlite-store.js';
import { failureFixture, intentFixture } from '../state/contract.js';
import { rawKey, rememberedKeys } from '../state/sqlite-helpers.js';
import { cli, tempDir } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
let statePath: string;

beforeEach(() => {
  tmp = tempDir();
  statePath = join(tmp.dir, 'data', 'state.db');
});

afterEach(() => tmp.remove());

/** Writes links into the state file the way a sync would have. */
async function seed(write: (store: SqliteStateStore) => Promise<void>): Promise<void> {
  mkdirSync(join(tmp.dir, 'data'), { recursive: true });
  const store = SqliteStateStore.open(statePath);
  try {
    await write(store);
  } finally {
    await store.close();
  }
}

/** A config whose every provider credential is a ${VAR} nobody set; its state is named through one that is. */
function configWithUnsetVariables(extra: Record<string, unknown> = {}): string {
  const path = join(tmp.dir, 'config.json');
  writeFileSync(
    path,
    JSON.stringify({
      providers: {
        yativo: { token: '${YATIVO_TOKEN_UNSET}' },
        fatora: { token: '${FATORA_TOKEN_UNSET}' },
        'acme-billing': { module: resolve(import.meta.dirname, '../../examples/acme-billing/provider.ts'), apiKey: '${ACME_UNSET}' },
      },
      state: '${STATE_DIR}/state.db',
      ...extra,
    }),
  );
  return path;
}

const ENV = { STATE_DIR: 'data' };

/** The CLI in-process with stdin as a terminal answering `answer`. */
async function onTerminal(argv: string[], answer: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const stdin = Object.assign(Readable.from([`${answer}\n`]), { isTTY: true });
  const io: CliIo = { stdout, stderr, stdin, env: ENV, cwd: tmp.dir };
  const code = await runCli(argv, io);
  return { code, stdout: out, stderr: err };
}

describe('customer-sync state list', () => {
  it('reads the state named by a config whose provider variables are not set', async () => {
    await seed(async (store) => {
      await store.recordIntent('c-1', 'fatora', intentFixture({ status: 'unknown_outcome' }, 'fatora'));
      await store.recordFailure('c-1', 'fatora', failureFixture({ kind: 'unknown_outcome', status: undefined, message: 'Fatora: connection reset after sending' }), 'unknown');
    });
    const list = await cli(['state', 'list', '--config', configWithUnsetVariables()], { cwd: tmp.dir, env: ENV });
    expect(list.stderr).toBe('');
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('c-1');
  });

  it('still names a missing variable of the state itself', async () => {
    const list = await cli(['state', 'list', '--config', configWithUnsetVariables()], { cwd: tmp.dir, env: {} });
    expect(list.code).toBe(2);
    expect(list.stderr).toContain('state: environment variable STATE_DIR is not set');
    expect(list.stderr).not.toContain('YATIVO_TOKEN_UNSET');
  });

  it('says where a config that is not JSON stops being JSON, as sync does', async () => {
    const path = join(tmp.dir, 'broken.json');
    writeFileSync(path, '{\n  "state": "x.db",\n  "providers": {\n}');
    const list = await cli(['state', 'list', '--config', path], { cwd: tmp.dir });
    expect(list.code).toBe(2);
    expect(list.stderr).toContain(`Config file ${path} is not valid JSON at line 4`);
  });

  it('aligns customer, provider, status, next step and failure, and suggests resolve only for what it settles', async () => {
    await seed(async (store) => {
      await store.recordIntent('c-1', 'fatora', intentFixture({ status: 'unknown_outcome' }, 'fatora'));
      await store.recordFailure('customer-22', 'yativo', failureFixture({ kind: 'not_found', status: 404, message: 'Yativo PUT /customer/9: not found' }), 'keep');
      await store.recordFailure('c-3', 'bluetape', failureFixture({ kind: 'auth', status: 401, message: 'BlueTape: refused the credentials (HTTP 401)' }), 'keep');
    });
    const list = await cli(['state', 'list', '--state', statePath], { cwd: tmp.dir });
    expect(list.code).toBe(0);
    const lines = list.stdout.split('\n');
    expect(lines.slice(0, 4)).toEqual([
      'CUSTOMER     PROVIDER  STATUS           NEXT                                       FAILURE',
      'c-3          bluetape  failed           fix the credentials (customer-sync check)  auth 401: BlueTape: refused the credentials (HTTP 401)',
      'c-1          fatora    unknown outcome  check at the provider, then resolve',
      'customer-22  yativo    failed           check at the provider, then resolve        not_found 404: Yativo PUT /customer/9: not found',
    ]);
    expect(list.stdout).toContain('3 records need attention.\n2 can be settled by hand');
    expect(list.stdout).toContain(`customer-sync state resolve --state ${statePath} --customer ID --provider P --provider-id ID`);
  });

  it('suggests no resolve when nothing listed can be settled by it', async () => {
    await seed(async (store) => {
      await store.recordFailure('c-3', 'bluetape', failureFixture({ kind: 'auth', status: 401 }), 'keep');
      await store.recordFailure('c-4', 'yativo', failureFixture({ kind: 'invalid', status: undefined, message: 'Yativo requires phone' }), 'keep');
    });
    const list = await cli(['state', 'list', '--state', statePath], { cwd: tmp.dir });
    expect(list.stdout).toContain('fix the record');
    expect(list.stdout).toContain('2 records need attention.');
    expect(list.stdout).not.toContain('resolve');
  });
});

describe('customer-sync state resolve', () => {
  it('works from a config whose provider variables are not set', async () => {
    await seed((store) => store.recordIntent('c-1', 'fatora', intentFixture({ status: 'unknown_outcome' }, 'fatora')));
    const config = configWithUnsetVariables();
    const resolved = await cli(['state', 'resolve', '--config', config, '--customer', 'c-1', '--provider', 'fatora', '--provider-id', ' 1024 '], {
      cwd: tmp.dir,
      env: ENV,
    });
    expect(resolved.stderr).toBe('');
    expect(resolved.stdout).toBe('c-1 at fatora is now 1024; the next sync sends an update.\n');
    const store = SqliteStateStore.open(statePath);
    expect(await store.get('c-1', 'fatora')).toEqual({ providerId: '1024' });
    await store.close();
  });

  it("refuses an id that is not of the provider's type: Fatora's and a provider of your own's are integers", async () => {
    await seed((store) => store.recordIntent('c-1', 'fatora', intentFixture({ status: 'unknown_outcome' }, 'fatora')));
    const fatora = await cli(['state', 'resolve', '--state', statePath, '--customer', 'c-1', '--provider', 'fatora', '--provider-id', 'F-12'], { cwd: tmp.dir });
    expect(fatora.code).toBe(2);
    expect(fatora.stderr).toContain('--provider-id: fatora ids are integers; "F-12" is not one');
    const zero = await cli(['state', 'resolve', '--state', statePath, '--customer', 'c-1', '--provider', 'fatora', '--provider-id', '0'], { cwd: tmp.dir });
    expect(zero.code).toBe(2);

    const config = configWithUnsetVariables();
    const own = await cli(['state', 'resolve', '--config', config, '--customer', 'c-1', '--provider', 'acme-billing', '--provider-id', 'acme-7'], {
      cwd: tmp.dir,
      env: ENV,
    });
    expect(own.code).toBe(2);
    expect(own.stderr).toContain('acme-billing ids are integers');
    // Without the config that names its module, a provider of your own's ids are taken as text.
    const text = await cli(['state', 'resolve', '--state', statePath, '--customer', 'c-1', '--provider', 'acme-billing', '--provider-id', 'acme-7'], {
      cwd: tmp.dir,
    });
    expect(text.code).toBe(0);
    // Yativo's ids are text.
    const yativo = await cli(['state', 'resolve', '--state', statePath, '--customer', 'c-1', '--provider', 'yativo', '--provider-id', 'Y-9'], { cwd: tmp.dir });
    expect(yativo.code).toBe(0);
  });

  it('refuses a customer the state has never seen', async () => {
    await seed((store) => store.recordIntent('c-1', 'fatora', intentFixture({ status: 'unknown_outcome' }, 'fatora')));
    const run = await cli(['state', 'resolve', '--state', statePath, '--customer', 'c-typo', '--provider', 'fatora', '--provider-id', '12'], { cwd: tmp.dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('the state has never seen customer "c-typo" (no link at any provider)');
    const store = SqliteStateStore.open(statePath);
    expect(await store.get('c-typo', 'fatora')).toBeUndefined();
    await store.close();
  });

  describe('replacing an id the state holds', () => {
    beforeEach(() =>
      seed(async (store) => {
        await store.recordSuccess('c-1', 'fatora', { providerId: '1024', payloadHash: 'h' });
        await store.recordFailure('c-1', 'fatora', failureFixture({ kind: 'not_found', status: 404 }), 'keep');
      }),
    );
    const argv = (): string[] => ['state', 'resolve', '--state', statePath, '--customer', 'c-1', '--provider', 'fatora', '--provider-id', '2048'];
    const held = async (): Promise<string | undefined> => {
      const store = SqliteStateStore.open(statePath);
      try {
        return (await store.get('c-1', 'fatora'))?.providerId;
      } finally {
        await store.close();
      }
    };

    it('needs --force when it cannot ask (not a terminal): exit 2 with the reason', async () => {
      const run = await cli(argv(), { cwd: tmp.dir });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('the state links c-1 at fatora to 1024: replacing it with 2048 needs --force');
      expect(await held()).toBe('1024');
      const forced = await cli([...argv(), '--force'], { cwd: tmp.dir });
      expect(forced.code).toBe(0);
      expect(await held()).toBe('2048');
    });

    it('asks on a terminal: y replaces it', async () => {
      const run = await onTerminal(argv(), 'y');
      expect(run.stderr).toBe('The state links c-1 at fatora to 1024. Replace it with 2048? [y/N] ');
      expect(run.code).toBe(0);
      expect(await held()).toBe('2048');
    });

    it('asks on a terminal: anything else leaves it (exit 1)', async () => {
      const run = await onTerminal(argv(), '');
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('Left as it was: c-1 at fatora stays 1024.\n');
      expect(await held()).toBe('1024');
    });

    it('does not ask when the id is the one it holds', async () => {
      const run = await cli(['state', 'resolve', '--state', statePath, '--customer', 'c-1', '--provider', 'fatora', '--provider-id', '1024'], { cwd: tmp.dir });
      expect(run.code).toBe(0);
    });

    it('says that --allow-create keeps the id it holds', async () => {
      const run = await cli(['state', 'resolve', '--state', statePath, '--customer', 'c-1', '--provider', 'fatora', '--allow-create'], { cwd: tmp.dir });
      expect(run.code).toBe(0);
      expect(run.stdout).toBe('c-1 at fatora: intent and failure cleared; it stays linked to 1024, which the next sync updates.\n');
    });
  });
});

describe('customer-sync state forget', () => {
  it('erases links, intents, failures and the remembered line of one customer, and says what it removed', async () => {
    await seed(async (store) => {
      await store.recordSuccess('c-1', 'yativo', { providerId: 'Y-1', payloadHash: 'h' });
      await store.recordIntent('c-1', 'fatora', intentFixture({ status: 'unknown_outcome' }, 'fatora'));
      await store.recordFailure('c-1', 'fatora', failureFixture({ kind: 'unknown_outcome' }), 'unknown');
      await store.recordSuccess('c-2', 'yativo', { providerId: 'Y-2', payloadHash: 'h' });
      store.recordRawLines([
        ['c-1', rawKey('line-1')],
        ['c-2', rawKey('line-2')],
      ]);
    });
    const run = await cli(['state', 'forget', '--config', configWithUnsetVariables(), '--customer', 'c-1'], { cwd: tmp.dir, env: ENV });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Forgot customer c-1:\n');
    expect(run.stdout).toContain('  fatora      no id, unknown-outcome create intent, last failure (unknown_outcome)\n');
    expect(run.stdout).toContain('  yativo      id Y-1, delivered payload hash\n');
    expect(run.stdout).toContain('  input line  the remembered hash of its last confirmed line\n');
    expect(run.stdout).toContain('yativo had an id for it');

    const store = SqliteStateStore.open(statePath);
    try {
      expect(await store.linksOf('c-1')).toEqual([]);
      expect(rememberedKeys(store)).toEqual([rawKey('line-2').toString('hex')]);
      expect(await store.get('c-2', 'yativo')).toEqual({ providerId: 'Y-2', payloadHash: 'h' });
      expect(await store.customersLinkedTo('yativo', 'Y-1')).toEqual([]);
      expect(store.integrityCheck()).toEqual([]);
    } finally {
      await store.close();
    }

    const again = await cli(['state', 'forget', '--state', statePath, '--customer', 'c-1'], { cwd: tmp.dir });
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('The state holds nothing about customer c-1; nothing removed.\n');
  });
});
