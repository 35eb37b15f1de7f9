// A provider's error often quotes the body it was sent: the customer's name, street or VAT number, which no pattern
// recognises the way an email or a phone is recognised. They are masked in the error (and so in every log, report
// and serve answer made from it) because the delivery knows the customer it sent.
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { createCustomerSync } from '../../src/index.js';
import { maskValues } from '../../src/errors/mask.js';
import { personalValues } from '../../src/model/personal.js';
import { validateCustomer } from '../../src/model/customer.js';
import { fatora } from '../../adapters/fatora/index.js';
import { FAST_LIMIT, FAST_RETRY, useNock } from '../adapters/wire-harness.js';

const BASE = 'https://api.fatora.test';
const customer = {
  id: 'crm-1024',
  email: 'ana.piimarker@example.com',
  name: 'Ana Piimarker',
  phone: '+351912000111',
  country: 'PT',
  address: { street: 'Rua Piimarker', number: '12', city: 'Lisboa', postalCode: '1100-053', country: 'PT' },
  vatNumber: 'PT500000006',
  providerIds: { fatora: 1024 },
};

useNock();

describe("a provider's error that quotes the body it was sent", () => {
  it("masks the customer's name, street, VAT number, email and phone in the message and the provider's message", async () => {
    const echo = 'client "Ana Piimarker" (ana.piimarker@example.com, +351912000111) at Rua Piimarker 12, 1100-053 Lisboa, VAT PT500000006: duplicate';
    nock(BASE).put('/v1/clients/1024').reply(422, { error: { message: echo } });
    const sync = createCustomerSync({ adapters: [fatora({ baseUrl: BASE, token: 'fat-token-123', retry: FAST_RETRY, rateLimit: FAST_LIMIT })] });
    const result = await sync.push(customer);
    await sync.close();
    const outcome = result.providers.fatora;
    expect(outcome?.status).toBe('failed');
    const said = 'client "A***" (a***, +***) at R*** 12, 1*** Lisboa, VAT P***: duplicate';
    expect(outcome?.error?.providerMessage).toBe(said);
    expect(outcome?.error?.message).toBe(`Fatora: HTTP 422: ${said}`);
    for (const text of [outcome?.error?.message, outcome?.error?.stack, JSON.stringify(outcome?.error)]) {
      expect(text).not.toMatch(/piimarker|500000006|912000111/i);
    }
  });
});

describe('maskValues', () => {
  it('masks whole words only, the longest value first, and leaves other text alone', () => {
    expect(maskValues('Ana Piimarker and Ana, not Anais; Piimarker.', ['Ana', 'Ana Piimarker', 'Piimarker'])).toBe('A*** and A***, not Anais; P***.');
    expect(maskValues('a (bracketed) value and a.b*c', ['(bracketed)', 'a.b*c'])).toBe('a (*** value and a***');
    expect(maskValues('nothing to mask', [])).toBe('nothing to mask');
    // One letter is no word of anyone's: masking it would take every such letter out of the message.
    expect(maskValues('a b c', ['a', ' b '])).toBe('a b c');
  });
});

describe('personalValues', () => {
  it("lists the values that say who the customer is, not the country, city or ids", () => {
    const validated = validateCustomer(customer);
    if (!validated.ok) throw new Error('fixture invalid');
    expect(personalValues(validated.customer).sort()).toEqual(
      ['+351912000111', '1100-053', 'Ana Piimarker', 'PT500000006', 'Rua Piimarker', 'ana.piimarker@example.com'].sort(),
    );
  });
});
