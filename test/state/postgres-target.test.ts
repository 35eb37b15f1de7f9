// How a PostgreSQL state URL is named in messages (no server needed): host, port and database, never the password,
// and a URL that would name part of the password is refused without being repeated.
import { describe, expect, it } from 'vitest';
import { describeTarget } from '../../src/state/postgres-connection.js';

describe('describeTarget', () => {
  it('names host, port and database, and keeps the password as a secret to redact', () => {
    expect(describeTarget('postgres://app:s3cr%40t@db.internal:6543/customers')).toEqual({
      where: 'db.internal:6543/customers',
      host: 'db.internal',
      secrets: ['s3cr@t'],
    });
  });

  it('refuses a password written raw with an @ and then a /, which would parse as a host and a database', () => {
    const attempt = () => describeTarget('postgres://u:se@cr/etpass@127.0.0.1:1/db');
    expect(attempt).toThrow(/has an @ after its host: percent-encode/);
    try {
      attempt();
    } catch (error) {
      expect(String(error)).not.toMatch(/etpass|se@cr/);
    }
  });
});
