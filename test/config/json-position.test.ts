import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findJsonSyntaxError, lineAndColumn } from '../../src/config/json-position.js';

const parses = (text: string): boolean => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

describe('findJsonSyntaxError', () => {
  it('agrees with JSON.parse on what is JSON, valid documents and damaged ones alike', () => {
    fc.assert(
      fc.property(fc.json(), fc.nat(), fc.constantFrom('', ',', '}', ']', '"', ':', '\n', '0', '-', '\\', ' ', 'x'), fc.boolean(), (json, at, insert, cut) => {
        const spot = at % (json.length + 1);
        const damaged = cut ? json.slice(0, spot) + json.slice(spot + 1) : json.slice(0, spot) + insert + json.slice(spot);
        expect(findJsonSyntaxError(json)).toBeUndefined();
        expect(findJsonSyntaxError(damaged) === undefined).toBe(parses(damaged));
      }),
      { numRuns: 2000 },
    );
  });

  it('points at the first character that cannot be JSON', () => {
    expect(findJsonSyntaxError('{\n  "a": 1,\n  "b": }')).toEqual({
      line: 3,
      column: 8,
      reason: 'expected a value (a string, number, object, array, true, false or null)',
    });
    expect(findJsonSyntaxError('[1, 2,]')).toEqual({ line: 1, column: 7, reason: 'a comma before "]" (JSON allows no trailing comma)' });
    expect(findJsonSyntaxError('{"a": "b')).toEqual({ line: 1, column: 9, reason: 'unexpected end of the file: a string is not closed' });
    expect(findJsonSyntaxError("{'a': 1}")?.reason).toBe('expected a property name in double quotes');
    expect(findJsonSyntaxError('["\\x"]')?.reason).toBe('a bad escape in a string (a backslash is written \\\\)');
    expect(findJsonSyntaxError("['a']")?.reason).toBe('strings must be in double quotes');
  });

  it('counts lines by \\n, \\r\\n and a lone \\r', () => {
    expect(lineAndColumn('a\r\nb\rc\nd', 7)).toEqual({ line: 4, column: 1 });
    expect(lineAndColumn('abc', 2)).toEqual({ line: 1, column: 3 });
  });
});

describe('comments in a config file', () => {
  it('are allowed, and an error after them is placed at its line and column in the file', async () => {
    const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { readConfigJson } = await import('../../src/config/config.js');
    const dir = mkdtempSync(join(tmpdir(), 'cs-jsonc-'));
    try {
      const ok = join(dir, 'ok.json');
      writeFileSync(ok, '// a comment\n{\n  /* block */ "state": "s.db" // trailing\n}\n');
      expect(await readConfigJson(ok)).toEqual({ state: 's.db' });
      const bad = join(dir, 'bad.json');
      writeFileSync(bad, '// a comment\n{\n  "state": "s.db" /* x */ "retry": {}\n}\n');
      await expect(readConfigJson(bad)).rejects.toThrow(/is not valid JSON at line 3, column 27/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
