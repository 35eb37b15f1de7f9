import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { bluetapeDefinition } from '../../../adapters/bluetape/index.js';
import updateResponse from '../../../fixtures/bluetape/update-response.json' with { type: 'json' };
import createResponse from '../../../fixtures/bluetape/create-response.json' with { type: 'json' };
import error404 from '../../../fixtures/bluetape/error-404.json' with { type: 'json' };
import error409 from '../../../fixtures/bluetape/error-409.json' with { type: 'json' };

const definition = bluetapeDefinition;

describe('BlueTape responses', () => {
  it('reads blueTapeId from the documented 202 and 201 bodies', () => {
    expect(definition.parseSuccess('update', updateResponse)).toStrictEqual({ providerId: 'fb5637b2e5f3' });
    expect(definition.parseSuccess('create', createResponse)).toStrictEqual({ providerId: 'fb5637b2e5f3' });
  });

  it('tolerates extra fields and a create without signUpUrl', () => {
    expect(definition.parseSuccess('update', { blueTapeId: 'x1', extra: true })).toStrictEqual({ providerId: 'x1' });
    expect(definition.parseSuccess('create', { blueTapeId: 'x2' })).toStrictEqual({ providerId: 'x2' });
  });

  it.each([{}, { blueTapeId: 42 }, { blueTapeId: '' }, null, 'accepted', [], { code: '404', reason: 'x' }])(
    'throws on the malformed body %j',
    (body) => {
      expect(() => definition.parseSuccess('update', body)).toThrow(z.ZodError);
      expect(() => definition.parseSuccess('create', body)).toThrow(z.ZodError);
    },
  );

  it("reads the provider's reason from documented errors", () => {
    expect(definition.errorMessage(404, error404)).toBe('Customer not found.');
    expect(definition.errorMessage(409, error409)).toBe('Customer already exists.');
    expect(definition.errorMessage(400, { code: 400, reason: 'Invalid request' })).toBe('Invalid request');
  });

  it.each([undefined, null, 'Unexpected error', {}, { code: '500' }, { reason: '' }, { message: 'x' }])(
    'has no message for the unknown error body %j',
    (body) => {
      expect(definition.errorMessage(500, body)).toBeUndefined();
    },
  );
});
