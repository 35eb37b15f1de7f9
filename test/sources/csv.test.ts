import { describe, expect, it } from 'vitest';
import { CUSTOMER_FIELD_PATHS } from '../../src/model/customer.js';
import { parseHeader } from '../../src/sources/csv-header.js';
import { openSource, SourceError } from '../../src/sources/index.js';
import { isOpen, readAll, rejectionOf, stdinOf, tempDir } from './helpers.js';

const file = tempDir();

async function headerError(header: string): Promise<SourceError> {
  const path = file('header.csv', `${header}\nc1,a@example.com,x\n`);
  const error = await rejectionOf(openSource({ input: path }));
  expect(error).toBeInstanceOf(SourceError);
  expect(await isOpen(path)).toBe(false);
  return error as SourceError;
}

const KNOWN = `(known: ${CUSTOMER_FIELD_PATHS.join(', ')})`;

/** CSV text: these rows, each ended by a line feed. */
function rows(...lines: string[]): string {
  return lines.map((line) => `${line}\n`).join('');
}

describe('CSV header', () => {
  it('stops on an unknown column, naming it and suggesting the closest known path', async () => {
    const error = await headerError('id,email,adress.city');
    expect(error.message).toBe(
      `"${file('header.csv')}": unknown CSV column "adress.city"; did you mean "address.city"? ${KNOWN}`,
    );
    expect(error.input).toBe(file('header.csv'));
    expect(error.name).toBe('SourceError');
  });

  it('suggests by the last segment when the column lacks its parent', async () => {
    const city = await headerError('id,email,city');
    expect(city.message).toContain('unknown CSV column "city"; did you mean "address.city"?');
    expect((await headerError('id,email,fatora')).message).toContain('did you mean "providerIds.fatora"?');
    expect((await headerError('id,email,first_name')).message).toContain('did you mean "firstName"?');
  });

  it('names an unknown column without a suggestion when nothing is close', async () => {
    const error = await headerError('id,email,favouriteColour');
    expect(error.message).toContain(`unknown CSV column "favouriteColour" ${KNOWN}`);
  });

  it('never echoes a cell that may be data: a file without its header row', async () => {
    const noHeader = await headerError('cus-1,ana@example.com,Ana Lee');
    expect(noHeader.message).toBe(
      `"${file('header.csv')}": the first row is not a CSV header: none of its cells is a field name ${KNOWN}`,
    );
    const dataCell = await headerError('id,email,Ana Lee');
    expect(dataCell.message).toBe(`"${file('header.csv')}": unknown CSV column 3 ${KNOWN}`);
    const typo = await headerError('id,email,First Name');
    expect(typo.message).toBe(`"${file('header.csv')}": unknown CSV column 3; did you mean "firstName"? ${KNOWN}`);
  });

  it('stops on a duplicate column', async () => {
    expect((await headerError('id,email,email')).message).toMatch(/: duplicate CSV column "email"$/);
  });

  it('stops on a column naming an object instead of its fields', async () => {
    expect((await headerError('id,email,address')).message).toMatch(
      /: CSV column "address" is an object, not a field: use its fields \(address\.street, address\.number, .*, address\.country\)$/,
    );
  });

  it('stops on a column with no name', async () => {
    expect((await headerError('id,,email')).message).toMatch(/: CSV column 2 has no name$/);
  });

  it('stops when a required column is missing', async () => {
    expect((await headerError('id,name,notes')).message).toMatch(/: the CSV header lacks the required column "email"$/);
    const both = await headerError('name,notes,locale');
    expect(both.message).toMatch(/: the CSV header lacks the required columns "id", "email"$/);
  });

  it('stops on a column that is both a field and a parent (for known paths that nest)', () => {
    const rules = { known: ['id', 'a', 'a.b'], numeric: [], required: ['id'] };
    const input = { input: 'x.csv', label: '"x.csv"' };
    expect(() => parseHeader(['id', 'a', 'a.b'], input, rules)).toThrow(
      new SourceError('x.csv', '"x.csv": CSV column "a" is both a field and the parent of "a.b"'),
    );
  });

  it('stops on an empty file and on a malformed header row', async () => {
    const empty = file('empty.csv', '');
    const error = await rejectionOf(openSource({ input: empty }));
    expect(error.message).toBe(`"${empty}": the CSV input is empty (no header row)`);
    const malformed = file('malformed.csv', 'id,em"ail\nc1,a@example.com\n');
    expect((await rejectionOf(openSource({ input: malformed }))).message).toBe(
      `"${malformed}": the CSV header row (line 1) is malformed: ` +
        'a quote inside an unquoted cell (quote the cell and double the quote)',
    );
  });

  it('accepts spaces around column names and a BOM', async () => {
    const path = file('spaces.csv', '\uFEFF id , email \r\nc1,a@example.com\r\n');
    expect(await readAll({ input: path })).toEqual([{ line: 2, value: { id: 'c1', email: 'a@example.com' } }]);
  });
});

describe('CSV records', () => {
  it('builds nested objects from dot paths; an empty cell is an absent field; empty objects are left out', async () => {
    const path = file(
      'nested.csv',
      [
        'id,email,address.city,address.postalCode,providerIds.fatora,providerIds.yativo',
        'c1,a@example.com,Lisbon,1000-001,42,y-1',
        'c2,b@example.com,,,,',
        'c3,,Porto,,,y-3',
      ].join('\n'),
    );
    expect(await readAll({ input: path })).toEqual([
      {
        line: 2,
        value: {
          id: 'c1',
          email: 'a@example.com',
          address: { city: 'Lisbon', postalCode: '1000-001' },
          providerIds: { fatora: 42, yativo: 'y-1' },
        },
      },
      { line: 3, value: { id: 'c2', email: 'b@example.com' } },
      { line: 4, value: { id: 'c3', address: { city: 'Porto' }, providerIds: { yativo: 'y-3' } } },
    ]);
  });

  it('turns whole-number providerIds.fatora cells into numbers and leaves anything else as text', async () => {
    const path = file(
      'fatora.csv',
      rows(
        'id,email,providerIds.fatora,vatNumber',
        'c1,a@x.io,7,123',
        'c2,a@x.io,-3,1',
        'c3,a@x.io,1.5,1',
        'c4,a@x.io, 8,1',
        'c5,a@x.io,99999999999999999999,1',
        'c6,a@x.io,F-1,1',
      ),
    );
    const records = await readAll({ input: path });
    expect(records.map((record) => (record.value as { providerIds: unknown }).providerIds)).toEqual([
      { fatora: 7 },
      { fatora: -3 },
      { fatora: '1.5' },
      { fatora: ' 8' },
      { fatora: '99999999999999999999' },
      { fatora: 'F-1' },
    ]);
    // Other columns stay text, digits or not.
    expect(records[0]).toEqual({
      line: 2,
      value: { id: 'c1', email: 'a@x.io', providerIds: { fatora: 7 }, vatNumber: '123' },
    });
  });

  it('keeps cells as written: spaces are data, for validation to judge', async () => {
    const path = file('spaces-in-cells.csv', 'id,email,notes\n c1 ,a@example.com,  \n');
    expect(await readAll({ input: path })).toEqual([
      { line: 2, value: { id: ' c1 ', email: 'a@example.com', notes: '  ' } },
    ]);
  });

  it('numbers records by the line where they start, across quoted multi-line cells, \\n or \\r\\n', async () => {
    for (const eol of ['\n', '\r\n']) {
      const lines = [
        'id,email,notes',
        'c1,a@example.com,"one',
        'two',
        'three"',
        '',
        'c2,b@example.com,"say ""hi"""',
        'c3,c@example.com,"x,',
        'y"',
        'c4,d@example.com,z',
      ];
      const path = file('multiline.csv', lines.join(eol) + eol);
      expect(await readAll({ input: path })).toEqual([
        { line: 2, value: { id: 'c1', email: 'a@example.com', notes: `one${eol}two${eol}three` } },
        { line: 6, value: { id: 'c2', email: 'b@example.com', notes: 'say "hi"' } },
        { line: 7, value: { id: 'c3', email: 'c@example.com', notes: `x,${eol}y` } },
        { line: 9, value: { id: 'c4', email: 'd@example.com', notes: 'z' } },
      ]);
    }
  });

  it('skips blank lines and rows of empty cells', async () => {
    const path = file('blank.csv', '\n\nid,email\n\nc1,a@example.com\n,\n\nc2,b@example.com\n\n');
    expect(await readAll({ input: path })).toEqual([
      { line: 5, value: { id: 'c1', email: 'a@example.com' } },
      { line: 8, value: { id: 'c2', email: 'b@example.com' } },
    ]);
  });

  it('reports a row with the wrong number of cells at its line, without its content, and goes on', async () => {
    const path = file(
      'columns.csv',
      rows('id,email,notes', 'c1,a@example.com,x', 'c2,secret@example.com', 'c3,b@example.com,"x\ny",extra', 'c4,c@example.com,z'),
    );
    const records = await readAll({ input: path });
    expect(records).toEqual([
      { line: 2, value: { id: 'c1', email: 'a@example.com', notes: 'x' } },
      { line: 3, error: 'expected 3 cells as in the header, found 2' },
      { line: 4, error: 'expected 3 cells as in the header, found 4' },
      { line: 6, value: { id: 'c4', email: 'c@example.com', notes: 'z' } },
    ]);
    expect(JSON.stringify(records)).not.toContain('secret');
  });

  it('reports bad quoting at its line and goes on with the next row', async () => {
    const path = file(
      'quotes.csv',
      rows('id,email,notes', 'c1,a@example.com,O"Brien', 'c2,b@example.com,"x"y,1"', 'c3,c@example.com,ok'),
    );
    expect(await readAll({ input: path })).toEqual([
      { line: 2, error: 'a quote inside an unquoted cell (quote the cell and double the quote)' },
      { line: 3, error: 'a closing quote is followed by other characters than a comma or the line end' },
      { line: 4, value: { id: 'c3', email: 'c@example.com', notes: 'ok' } },
    ]);
  });

  it('reports a bad closing quote that leaves the cell open, and that the rest of the file went into it', async () => {
    const path = file(
      'quotes-open.csv',
      rows('id,email,notes', 'c1,a@example.com,ok', 'c2,b@example.com,"x"y', 'c3,c@example.com,ok'),
    );
    expect(await readAll({ input: path })).toEqual([
      { line: 2, value: { id: 'c1', email: 'a@example.com', notes: 'ok' } },
      { line: 3, error: 'a closing quote is followed by other characters than a comma or the line end' },
      { line: 3, error: 'a quoted cell is never closed: the rest of the input was read into it and not used' },
    ]);
  });

  it('reports a quote never closed: the rest of the file is lost to it, and says so', async () => {
    const path = file(
      'unclosed.csv',
      rows('id,email,notes', 'c1,a@example.com,ok', 'c2,b@example.com,"never closed', 'c3,c@example.com,z'),
    );
    expect(await readAll({ input: path })).toEqual([
      { line: 2, value: { id: 'c1', email: 'a@example.com', notes: 'ok' } },
      { line: 3, error: 'a quoted cell is never closed: the rest of the input was read into it and not used' },
    ]);
  });

  it('stops at a row over the cap (an unclosed quote in a large file) instead of buffering the rest', async () => {
    const path = file('runaway.csv', `id,email,notes\nc1,a@example.com,"${'x'.repeat(200_000)}\nc2,b@example.com,z\n`);
    expect(await readAll({ input: path, maxRecordBytes: 50_000 })).toEqual([
      { line: 2, error: 'a CSV row longer than 50000 bytes (a quote never closed?); reading stopped' },
    ]);
  });

  it('reads CSV from standard input with --format csv', async () => {
    const source = await openSource({ input: '-', format: 'csv', stdin: stdinOf('id,em', 'ail\nc1,a@exa', 'mple.com\n') });
    expect(source.format).toBe('csv');
    const records = [];
    for await (const record of source.records) records.push(record);
    expect(records).toEqual([{ line: 2, value: { id: 'c1', email: 'a@example.com' } }]);
  });

  it('gives nothing for a header alone', async () => {
    expect(await readAll({ input: file('header-only.csv', 'id,email\n') })).toEqual([]);
  });
});
