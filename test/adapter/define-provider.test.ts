import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import nock from 'nock';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { defineProvider, isProviderFactory } from '../../src/adapter/define-provider.js';
import type { ProviderDefinition } from '../../src/adapter/definition.js';
import { ConfigError, loadConfig, parseConfig } from '../../src/config/config.js';
import { OptionsError } from '../../src/errors/validation-error.js';
import { customerModel, validateCustomer } from '../../src/model/customer.js';
import { createCustomerSync } from '../../src/sync.js';
import { tinyDefinition } from './tiny-definition.js';

const BASE = 'https://tiny.example.com';

const tiny = defineProvider(tinyDefinition);
const dir = mkdtempSync(join(tmpdir(), 'cs-define-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => nock.cleanAll());

function issuesOf(run: () => unknown): Array<{ path: string; message: string }> {
  try {
    run();
  } catch (error) {
    if (error instanceof OptionsError) return [...error.issues];
    throw error;
  }
  throw new Error('no error');
}

describe('defineProvider', () => {
  it('makes a factory that carries its id and definition, and adapters that validate their options', () => {
    expect(isProviderFactory(tiny)).toBe(true);
    expect(tiny.id).toBe('tiny');
    expect(tiny.definition).toEqual(tinyDefinition);
    expect(tiny({ token: 't' }).id).toBe('tiny');
    expect(issuesOf(() => tiny({ token: '' }))).toEqual([{ path: 'token', message: 'Too small: expected string to have >=1 characters' }]);
  });

  it('refuses a definition that could not work, naming each problem', () => {
    const broken = { ...tinyDefinition, id: 'Tiny CRM', name: ' ', updateBody: undefined } as unknown as ProviderDefinition;
    expect(issuesOf(() => defineProvider(broken))).toEqual([
      { path: 'id', message: 'must be lower-case letters, digits and "-", starting with a letter (at most 64)' },
      { path: 'name', message: 'is required' },
      { path: 'updateBody', message: 'must be a function' },
    ]);
    const conflictWithoutLookup = {
      ...tinyDefinition,
      create: { when: 'on-missing', body: tinyDefinition.updateBody, request: () => ({ method: 'POST', path: '/contacts', retrySafe: false }), conflict: { matches: () => true, resolve: 'lookup' } },
    } as unknown as ProviderDefinition;
    expect(issuesOf(() => defineProvider(conflictWithoutLookup))).toEqual([{ path: 'create.conflict', message: 'resolve "lookup" needs a lookup rule' }]);
  });

  it('is pushed to through createCustomerSync, its integer id accepted in providerIds', async () => {
    const seen: Array<{ path: string; body: unknown; auth: string | undefined }> = [];
    nock(BASE)
      .put('/contacts/42')
      .reply(function (path, body) {
        seen.push({ path, body, auth: this.req.headers.authorization });
        return [200, {}];
      });
    const sync = createCustomerSync({ adapters: [tiny({ token: 'secret-t' })] });
    try {
      const result = await sync.push({ id: 'c-1', email: 'ada@example.com', providerIds: { tiny: '42' } });
      expect(result.providers.tiny).toMatchObject({ status: 'updated', providerId: '42', requests: 1 });
      expect(seen).toEqual([{ path: '/contacts/42', body: { email: 'ada@example.com' }, auth: 'Bearer secret-t' }]);
      // A mistyped id is refused with a suggestion, as for the built-in providers: it would otherwise address no one.
      await expect(sync.push({ id: 'c-1', email: 'ada@example.com', providerIds: { tinny: 42 } })).rejects.toThrow(
        'Invalid customer "c-1": providerIds.tinny: is not a known field (did you mean "tiny"?)',
      );
    } finally {
      await sync.close();
    }
  });
});

describe('the model of a set of providers', () => {
  it('accepts the ids of the providers it knows besides the built-in ones, each in its own type', () => {
    const model = customerModel([tinyDefinition]);
    expect(model.validate({ id: 'c', email: 'a@b.co', providerIds: { tiny: '7', fatora: '12', yativo: 'y-1' } })).toEqual({
      ok: true,
      customer: { id: 'c', email: 'a@b.co', providerIds: { tiny: 7, fatora: 12, yativo: 'y-1' } },
    });
    expect(model.fieldPaths).toContain('providerIds.tiny');
    expect(model.numericPaths).toEqual(['providerIds.fatora', 'providerIds.tiny']);
    // The built-in model does not know it.
    expect(validateCustomer({ id: 'c', email: 'a@b.co', providerIds: { tiny: 7 } }).ok).toBe(false);
  });
});

describe('a config naming a provider of your own', () => {
  const moduleFile = join(dir, 'tiny-provider.ts');
  writeFileSync(
    moduleFile,
    `import { defineProvider } from ${JSON.stringify(resolve(import.meta.dirname, '../../src/adapter/define-provider.ts'))};\n` +
      `import { tinyDefinition } from ${JSON.stringify(resolve(import.meta.dirname, 'tiny-definition.ts'))};\n` +
      'export default defineProvider(tinyDefinition);\n',
  );

  it('loads the module from the config file\'s folder and makes its adapter under its id', async () => {
    const path = join(dir, 'with-module.json');
    writeFileSync(path, JSON.stringify({ providers: { tiny: { module: './tiny-provider.ts', token: '${TINY_TOKEN}' }, fatora: { token: 'f' } } }));
    const loaded = await loadConfig(path, { TINY_TOKEN: 'secret' });
    expect(loaded.adapters.map((adapter) => adapter.id)).toEqual(['fatora', 'tiny']);
    expect(loaded.adapters[1]?.options).toMatchObject({ token: 'secret', baseUrl: BASE });
    expect(loaded.model.validate({ id: 'c', email: 'a@b.co', providerIds: { tiny: 3 } }).ok).toBe(true);
  });

  it('names the entry when its module is missing, not a provider, or of another id', async () => {
    writeFileSync(join(dir, 'not-a-provider.ts'), 'export default { id: "tiny" };\n');
    const cases: Array<[string, RegExp]> = [
      ['./missing.js', /^cannot load .*missing\.js \(ERR_MODULE_NOT_FOUND|^cannot load .*missing\.js/],
      ['./not-a-provider.ts', /must export by default what defineProvider\(\) returned$/],
    ];
    for (const [module, message] of cases) {
      const path = join(dir, 'bad-module.json');
      writeFileSync(path, JSON.stringify({ providers: { tiny: { module, token: 't' } } }));
      const error = await loadConfig(path, {}).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).issues).toEqual([{ path: 'providers.tiny.module', message: expect.stringMatching(message) }]);
    }
    const path = join(dir, 'other-id.json');
    writeFileSync(path, JSON.stringify({ providers: { acme: { module: './tiny-provider.ts', token: 't' } } }));
    const error = (await loadConfig(path, {}).catch((caught: unknown) => caught)) as ConfigError;
    expect(error.issues).toEqual([
      { path: 'providers.acme.module', message: `${moduleFile} defines the provider "tiny": configure it under that id` },
    ]);
  });

  it('suggests the built-in provider an unknown id was meant to be, and refuses a module under a built-in id', () => {
    const unknown = (() => {
      try {
        parseConfig({ providers: { yativoo: { token: 't' }, fatora: { module: './x.js', token: 't' } } }, {});
      } catch (error) {
        return error as ConfigError;
      }
      throw new Error('no error');
    })();
    expect(unknown.issues).toEqual([
      { path: 'providers.fatora.module', message: 'fatora is a built-in provider; a provider of your own needs an id of its own' },
      {
        path: 'providers.yativoo',
        message: 'unknown provider yativoo; did you mean yativo? known: yativo, fatora, bluetape, invisible-collector (a provider of your own names its "module")',
      },
    ]);
  });
});
