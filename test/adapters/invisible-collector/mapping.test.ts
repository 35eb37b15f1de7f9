import { describe, expect, it } from 'vitest';
import type { BodyResult } from '../../../src/adapter/definition.js';
import type { Customer } from '../../../src/model/types.js';
import { invisibleCollectorDefinition } from '../../../adapters/invisible-collector/index.js';
import customerJson from '../../../fixtures/invisible-collector/customer.json' with { type: 'json' };
import updateRequest from '../../../fixtures/invisible-collector/update-request.json' with { type: 'json' };

const definition = invisibleCollectorDefinition;
const documented: Customer = customerJson;
const GID = '061d2feb-81c2-4694-a74a-13cecbe7d2ce';

function defined<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('expected a value');
  return value;
}
const create = defined(definition.create);

function bodyOf(result: BodyResult): Record<string, unknown> {
  if (!result.ok) throw new Error(`expected a body, got: ${result.message}`);
  return result.body;
}

describe('Invisible Collector update', () => {
  it('builds the documented example body from the documented customer', () => {
    expect(definition.updateBody(documented)).toStrictEqual({ ok: true, body: updateRequest, warnings: [] });
  });

  it('sends externalId = our id even when addressing the customer by its gid', () => {
    const linked: Customer = { ...documented, providerIds: { 'invisible-collector': GID } };
    expect(bodyOf(definition.updateBody(linked)).externalId).toBe('123');
  });

  it('omits every field the record lacks', () => {
    const minimal: Customer = { id: 'c1', email: 'a@example.com', country: 'ES' };
    expect(definition.updateBody(minimal)).toStrictEqual({
      ok: true,
      body: { externalId: 'c1', country: 'ES', email: 'a@example.com' },
      warnings: [],
    });
  });

  it('sends no address fields without an address', () => {
    const { address: _address, ...rest } = documented;
    const body = bodyOf(definition.updateBody(rest));
    expect(body).toStrictEqual({
      name: 'John Doe Inc.',
      externalId: '123',
      vatNumber: 'PT543219876',
      country: 'PT',
      email: 'john.doe@example.com',
      phone: '+351215598745',
      locale: 'pt',
    });
  });

  it('sends only the address parts the record has', () => {
    const { address: _address, zipCode: _zipCode, ...withoutStreetAndZip } = updateRequest;
    expect(bodyOf(definition.updateBody({ ...documented, address: { city: 'Porto' } }))).toStrictEqual({
      ...withoutStreetAndZip,
      city: 'Porto',
    });
    const streetOnly = bodyOf(definition.updateBody({ ...documented, address: { street: 'Rua Augusta' } }));
    expect(streetOnly.address).toBe('Rua Augusta');
    expect(Object.keys(streetOnly)).not.toContain('zipCode');
    expect(Object.keys(streetOnly)).not.toContain('city');
  });

  it('has no field for the state', () => {
    const body = bodyOf(definition.updateBody({ ...documented, address: { ...documented.address, state: 'Lisboa' } }));
    expect(body).toStrictEqual(updateRequest);
  });
});

describe('Invisible Collector country', () => {
  it('comes from country first', () => {
    const body = bodyOf(definition.updateBody({ ...documented, country: 'ES', address: { country: 'FR' } }));
    expect(body.country).toBe('ES');
  });

  it('comes from address.country when the record has no country', () => {
    const { country: _country, ...rest } = documented;
    const body = bodyOf(definition.updateBody({ ...rest, address: { city: 'Paris', country: 'FR' } }));
    expect(body.country).toBe('FR');
    expect(body.city).toBe('Paris');
  });

  it('is required', () => {
    const { country: _country, ...rest } = documented;
    const message = 'Invisible Collector requires country; the record has neither country nor address.country';
    expect(definition.updateBody(rest)).toStrictEqual({ ok: false, message });
    expect(create.body(rest)).toStrictEqual({ ok: false, message });
  });
});

describe('Invisible Collector locale', () => {
  it.each([
    ['pt', 'pt'],
    ['pt-PT', 'pt'],
    ['pt-BR', 'pt'],
    ['es', 'es'],
    ['es-419', 'es'],
    ['en', 'en'],
    ['en-US', 'en'],
    ['en-GB', 'en'],
    ['fr', 'fr-fr'],
    ['fr-FR', 'fr-fr'],
    ['fr-CA', 'fr-fr'],
    ['de', 'de'],
    ['de-AT', 'de'],
    ['zh', 'zh-CN'],
    ['zh-CN', 'zh-CN'],
    ['zh-TW', 'zh-CN'],
    ['zh-Hant-TW', 'zh-CN'],
  ])('maps %s to %s', (locale, expected) => {
    const result = definition.updateBody({ ...documented, locale });
    expect(result).toStrictEqual({ ok: true, body: { ...updateRequest, locale: expected }, warnings: [] });
  });

  it.each(['it-IT', 'it', 'nl-NL', 'ja', 'ptb'])('leaves %s out with a warning', (locale) => {
    const { locale: _locale, ...expected } = updateRequest;
    expect(definition.updateBody({ ...documented, locale })).toStrictEqual({
      ok: true,
      body: expected,
      warnings: [`locale ${locale} is not supported by Invisible Collector; left out`],
    });
  });

  it('words the warning exactly', () => {
    const result = definition.updateBody({ ...documented, locale: 'it-IT' });
    const warning = 'locale it-IT is not supported by Invisible Collector; left out';
    expect(result.ok && result.warnings).toStrictEqual([warning]);
  });

  it('sends no locale and no warning when the record has none', () => {
    const { locale: _locale, ...rest } = documented;
    const { locale: _sent, ...expected } = updateRequest;
    expect(definition.updateBody(rest)).toStrictEqual({ ok: true, body: expected, warnings: [] });
  });
});
