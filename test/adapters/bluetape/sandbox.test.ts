import { describe, expect, it } from 'vitest';
import { sandbox as bluetape } from '../../../adapters/bluetape/sandbox.js';
import { call, useSandbox } from '../../sandbox/helpers.js';

const sandbox = useSandbox();
const url = (path: string): string => `${sandbox().urls.bluetape}${path}`;
const auth = {
  'x-bluetape-key': bluetape.credentials.apiKey,
  'x-integration-accountid': bluetape.credentials.accountId,
};

const fields = {
  firstName: 'John',
  lastName: 'Doe',
  emailAddress: 'john.doe@example.com',
  cellPhoneNumber: '+11234567890',
  sourceModifiedDate: '2023-01-04T09:47:57.477Z',
};

async function create(id = 'dc506b22c7fa', body: Record<string, unknown> = fields) {
  return call(url('/integration/customer'), { method: 'POST', headers: auth, body: { id, ...body } });
}

describe('bluetape sandbox', () => {
  it('serves under /bluetape/genericBthubService', () => {
    expect(sandbox().urls.bluetape).toBe(`http://127.0.0.1:${sandbox().port}/bluetape/genericBthubService`);
  });

  it('creates (201 blueTapeId + signUpUrl), updates (202 blueTapeId) and reads back', async () => {
    const created = await create();
    expect(created.status).toBe(201);
    const { blueTapeId } = created.body as { blueTapeId: string };
    expect(blueTapeId).toMatch(/^[0-9a-f]{12}$/);
    expect(created.body).toEqual({
      blueTapeId,
      signUpUrl: `${sandbox().urls.bluetape}/integration/customer/dc506b22c7fa/signup`,
    });

    const put = await call(url('/integration/customer/dc506b22c7fa'), {
      method: 'PUT',
      headers: auth,
      body: { ...fields, firstName: 'Jane' },
    });
    expect(put.status).toBe(202);
    expect(put.body).toEqual({ blueTapeId });

    const get = await call(url('/integration/customer/dc506b22c7fa'), { headers: auth });
    expect(get.status).toBe(200);
    expect(get.body).toEqual({ id: 'dc506b22c7fa', blueTapeId, ...fields, firstName: 'Jane' });
    expect(sandbox().customers('bluetape')).toEqual([{ id: 'dc506b22c7fa', blueTapeId, ...fields, firstName: 'Jane' }]);
  });

  it('answers 404 {code:"404"} for an unknown customer', async () => {
    const res = await call(url('/integration/customer/nobody'), { method: 'PUT', headers: auth, body: fields });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ code: '404', reason: 'Customer not found.' });
    const signup = await call(url('/integration/customer/nobody/signup'), { headers: auth });
    expect(signup.status).toBe(404);
  });

  it('answers 409 to a second create with the same id', async () => {
    await create();
    const res = await create('dc506b22c7fa', { ...fields, firstName: 'Other' });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ code: '409', reason: 'Customer already exists.' });
    expect(sandbox().customers('bluetape')).toHaveLength(1);
  });

  it('answers 400 naming every missing or invalid field', async () => {
    await create();
    const { firstName: _f, sourceModifiedDate: _s, ...partial } = fields;
    const res = await call(url('/integration/customer/dc506b22c7fa'), {
      method: 'PUT',
      headers: auth,
      body: { ...partial, cellPhoneNumber: '555-1234' },
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      code: '400',
      reason: 'firstName is required. cellPhoneNumber must be an E.164 phone number. sourceModifiedDate is required.',
    });
    const noId = await call(url('/integration/customer'), { method: 'POST', headers: auth, body: fields });
    expect(noId.status).toBe(400);
    expect(noId.body).toEqual({ code: '400', reason: 'id is required.' });
  });

  it('answers 401 when a header is missing or wrong', async () => {
    const missing = await call(url('/integration/customer/x'), {
      method: 'PUT',
      headers: { 'x-bluetape-key': auth['x-bluetape-key'] },
      body: fields,
    });
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({
      code: '401',
      reason: 'X-BlueTape-Key and X-Integration-AccountId headers are required.',
    });
    const wrong = await call(url('/integration/customer/x'), {
      method: 'PUT',
      headers: { ...auth, 'x-bluetape-key': 'nope' },
      body: fields,
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ code: '401', reason: 'Invalid integration key or account id.' });
  });

  it('takes ids with reserved characters as one path segment', async () => {
    await create('a/b c');
    const res = await call(url(`/integration/customer/${encodeURIComponent('a/b c')}`), {
      method: 'PUT',
      headers: auth,
      body: fields,
    });
    expect(res.status).toBe(202);
  });
});
