/**
 * Issue 4, item 4: property-based fuzzing with fast-check (fixed seeds, so a failure replays exactly).
 *
 * (a) `validateCustomer` on random and malformed customers: never throws, answers ok or issues with paths, never
 *     echoes a value, never pollutes Object.prototype, and a valid result re-validates to itself.
 * (b) malformed NDJSON and CSV through `openSource` + `runSync` against the sandbox providers: every bad record is
 *     reported with its line and path, and the providers see requests for the valid customers only.
 * (c) random provider bodies: each adapter's `parseSuccess`/`errorMessage` directly, and over the wire as 2xx/4xx/5xx
 *     answers: the push never throws, a 2xx that does not parse is `bad_response`, no error holds a secret.
 */
import { inspect } from 'node:util';
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bluetape, bluetapeDefinition } from '../../adapters/bluetape/index.js';
import { fatora, fatoraDefinition } from '../../adapters/fatora/index.js';
import { invisibleCollector, invisibleCollectorDefinition } from '../../adapters/invisible-collector/index.js';
import { yativo, yativoDefinition } from '../../adapters/yativo/index.js';
import type { Adapter } from '../../src/adapter/adapter.js';
import type { Operation, ProviderDefinition } from '../../src/adapter/definition.js';
import { CustomerSyncError } from '../../src/errors/customer-sync-error.js';
import type { ErrorKind } from '../../src/errors/kinds.js';
import { runSync } from '../../src/job/run-sync.js';
import { validateCustomer } from '../../src/model/customer.js';
import { PROVIDER_IDS, type ProviderId } from '../../src/providers.js';
import { startSandbox, type LoggedRequest, type Sandbox } from '../../src/sandbox/index.js';
import { openSource, type SourceFormat } from '../../src/sources/index.js';
import { createCustomerSync, createEngine } from '../../src/sync.js';
import { json, startHostileServer, type HostileServer, type SeenRequest } from './hostile-server.js';

const SEED = 20_260_404;
const MiB = 1024 * 1024;

// ---------------------------------------------------------------------------------------------------------------
// Shared pieces
// ---------------------------------------------------------------------------------------------------------------

/** Characters that break naive string handling: bidi controls, zero-width, BOM, NUL, lone surrogates, combining. */
const ODD_CHARS = [
  '\u200f', // RIGHT-TO-LEFT MARK
  '\u200e', // LEFT-TO-RIGHT MARK
  '\u202e', // RIGHT-TO-LEFT OVERRIDE
  '\u2066', // LEFT-TO-RIGHT ISOLATE
  '\u200b', // ZERO WIDTH SPACE
  '\u200d', // ZERO WIDTH JOINER
  '\ufeff', // BOM
  '\u0000',
  '\u0007',
  '\ud800', // lone high surrogate
  '\udfff', // lone low surrogate
  '\u00a0',
  '\u3000',
  '\u0301', // combining acute
  'é',
  'İ',
  'ß',
  '中',
  '🙂',
  '"',
  '\\',
  '<',
  '%',
  '/',
  '.',
  '?',
  '#',
  ' ',
  '\t',
];

const oddUnit = fc.oneof(fc.constantFrom(...ODD_CHARS), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }));
/** At least one visible letter, so it survives trimming. */
const oddText = (maxLength = 12): fc.Arbitrary<string> =>
  fc.tuple(fc.string({ unit: oddUnit, maxLength }), fc.string({ unit: oddUnit, maxLength })).map(([a, b]) => `${a}Q${b}`);

/** Half a surrogate pair: refused by validation (no UTF-8 form), so never part of a record meant to be valid. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const wellFormedOddText = (maxLength = 12): fc.Arbitrary<string> => oddText(maxLength).filter((t) => !LONE_SURROGATE.test(t));

/** Put into every value the validation must refuse: a message that quotes a value would show it. */
const MARK = 'zqxjmark';

/** Huge strings, made once: MBs each. */
const HUGE_TEXT = `${MARK}${'x'.repeat(2 * MiB)}`;
const HUGE_SPACES = `${' '.repeat(MiB)}${MARK}\u200b${' '.repeat(MiB)}`;
/** A valid base64 image of 4 MiB (the model takes up to 10 MiB). */
const BIG_BASE64 = 'QUJD'.repeat(MiB);

/** A JSON object whose keys are kept as written, `__proto__` included, as `JSON.parse` reads them. */
class Obj {
  constructor(readonly entries: ReadonlyArray<readonly [string, unknown]>) {}
}

/** JSON text of a value where `Obj` keeps its own key order and odd keys (`JSON.stringify` would drop `__proto__`). */
function toJson(value: unknown): string | undefined {
  if (value instanceof Obj) {
    const members = value.entries.flatMap(([key, member]) => {
      const text = toJson(member);
      return text === undefined ? [] : [`${JSON.stringify(key)}:${text}`];
    });
    return `{${members.join(',')}}`;
  }
  if (Array.isArray(value)) return `[${value.map((item) => toJson(item) ?? 'null').join(',')}]`;
  return JSON.stringify(value);
}

const fromJson = (value: unknown): unknown => JSON.parse(toJson(value) ?? 'null');

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

// ---------------------------------------------------------------------------------------------------------------
// (a) validateCustomer
// ---------------------------------------------------------------------------------------------------------------

/** A value of the wrong type for any field. */
const wrongType = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 2 }),
);

/** Values no field may take; the strings carry MARK. Strings of megabytes now and then (they cost a JSON round trip). */
const weird = fc.oneof(
  { weight: 4, arbitrary: wrongType },
  { weight: 4, arbitrary: oddText().map((text) => `${text}${MARK}`) },
  { weight: 3, arbitrary: fc.constantFrom('', '   ', '\u3000\t\n', `${MARK}\u0000`) },
  { weight: 1, arbitrary: fc.constantFrom(HUGE_TEXT, HUGE_SPACES) },
);

/** Mostly the field's own kind of value (valid or nearly), sometimes anything at all. */
const field = (arb: fc.Arbitrary<unknown>, weirdWeight: number): fc.Arbitrary<unknown> =>
  weirdWeight === 0 ? arb : fc.oneof({ weight: 8, arbitrary: arb }, { weight: weirdWeight, arbitrary: weird });

const longName = fc.integer({ min: 400, max: 1000 }).map((n) => 'N'.repeat(n));

/** Keys that poison a naive merge, and typos of real fields. */
const POISON_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];
const poisonValue = fc.constantFrom<unknown>(
  new Obj([['polluted', 'yes']]),
  new Obj([['prototype', new Obj([['polluted', 'yes']])]]),
  new Obj([['__proto__', new Obj([['polluted', 'yes']])]]),
  'polluted',
);
const extraKeys = (typos: string[]) =>
  fc.array(fc.tuple(fc.constantFrom(...POISON_KEYS, ...typos), poisonValue), { maxLength: 2 });

/** An object of optional fields, in random order, with odd extra keys now and then. */
function objectOf(
  fields: Record<string, fc.Arbitrary<unknown>>,
  typos: string[],
  extraWeight: number,
): fc.Arbitrary<Obj> {
  const present = Object.entries(fields).map(([key, arb]) =>
    fc.option(arb.map((value) => [key, value] as const), { nil: undefined, freq: 3 }),
  );
  const extras = extraWeight === 0 ? fc.constant([]) : fc.oneof({ weight: 6, arbitrary: fc.constant([]) }, { weight: extraWeight, arbitrary: extraKeys(typos) });
  return fc
    .tuple(fc.tuple(...present), extras)
    .chain(([entries, extra]) => {
      const all = [...entries.filter((entry) => entry !== undefined), ...extra];
      return fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length });
    })
    .map((all) => new Obj(all));
}

/** Fields and nested objects; `weirdWeight` 0 gives records that are mostly valid. */
function customerTree(weirdWeight: number): fc.Arbitrary<Obj> {
  const f = (arb: fc.Arbitrary<unknown>) => field(arb, weirdWeight);
  const text = f(fc.oneof(oddText(), longName));
  const country = f(fc.constantFrom('PT', 'pt', 'PRT', 'prt', 'US', 'usa', 'GB', 'GBR', 'de', 'XX', 'ZZZ', 'UK', 'Portugal'));
  const address = objectOf(
    { street: text, number: f(fc.constantFrom('1', '10B', 's/n')), city: text, state: text, postalCode: f(fc.constantFrom('1100-053', '94105', 'SW1A 1AA')), country },
    ['zip', 'City'],
    weirdWeight,
  );
  const identityDocument = objectOf(
    {
      type: f(fc.constantFrom('PASSPORT', 'ID_CARD')),
      number: text,
      country,
      expiresOn: f(fc.constantFrom('2030-05', '2024-12', '2024-13', '24-05', '2024-5')),
      front: f(fc.oneof({ weight: 12, arbitrary: fc.constantFrom('QUJD', 'QUI=', 'QUJ', '!!!!') }, { weight: 1, arbitrary: fc.constant(BIG_BASE64) })),
      back: f(fc.constantFrom('QUJD', 'QQ==')),
    },
    ['expires'],
    weirdWeight,
  );
  const providerIds = objectOf(
    {
      yativo: text,
      fatora: f(fc.oneof(fc.integer({ min: -3, max: 1_000_000 }), fc.constantFrom(1.5, 2 ** 53, Number.MAX_SAFE_INTEGER, '12'))),
      bluetape: text,
      'invisible-collector': text,
    },
    ['Yativo', 'invisibleCollector'],
    weirdWeight,
  );
  return objectOf(
    {
      id: f(fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/), oddText(), fc.constant(' cus-1 '), fc.string({ minLength: 120, maxLength: 135 }))),
      email: f(
        fc.oneof(
          fc
            .tuple(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._'+-]{0,11}$/), fc.constantFrom('example.com', 'Example.COM', 'mail.co.uk', 'xn--bcher-kva.example'))
            .map(([local, domain]) => `${local}@${domain}`),
          fc.constantFrom('Ada@Example.COM', ' ada@example.com ', "o'brien+tag@Mail.Example.ORG", 'a@b', 'no-at-sign', 'a@@b.com'),
        ),
      ),
      name: text,
      firstName: text,
      lastName: text,
      phone: f(
        fc.constantFrom(
          '+351912345678',
          '912 345 678',
          '(415) 555-2671',
          '+1 415 555 2671',
          '+44 20 7946 0958',
          '020 7946 0958',
          '+351 912 345 678 ext. 12',
          '12',
          'call me',
          '٠٩١٢٣٤٥٦٧٨',
        ),
      ),
      country,
      address,
      vatNumber: text,
      locale: f(fc.constantFrom('pt', 'en-US', 'EN-us', 'fr-FR', 'zh-CN', 'zh-hant-tw', 'i-klingon', 'en-u-ca-gregory', 'x-private', 'de-DE-1996', 'not a locale')),
      notes: f(fc.oneof(oddText(200), fc.constantFrom('n'.repeat(10_000), 'n'.repeat(10_001)))),
      identityDocument,
      updatedAt: f(fc.constantFrom('2026-11-01T10:00:00Z', '2024-02-29T23:59:59.123+05:30', '2026-01-01T00:00:00', '2026-13-01T00:00:00Z', 'yesterday', '2024-05-01T12:00Z', '2024-05-01T24:00Z')),
      providerIds,
      kind: f(fc.constantFrom('individual', 'business', 'Business', 'company', '')),
    },
    ['emial', 'first_name', 'Address', 'providerids', ' id'],
    weirdWeight,
  );
}

/** Phones with the country they are read in (a national number needs one). */
const PHONE_PAIRS: Array<readonly [string, string]> = [
  ['+351912345678', 'PT'],
  ['912 345 678', 'PRT'],
  ['(415) 555-2671', 'USA'],
  ['+1 415 555 2671', 'us'],
  ['+44 20 7946 0958', 'gb'],
  ['020 7946 0958', 'GBR'],
];
const VALID_COUNTRIES = ['PT', 'pt', 'PRT', 'prt', 'US', 'usa', 'GB', 'GBR', 'de', 'FR', 'fra', 'CL'];
const VALID_LOCALES = ['pt', 'en-US', 'EN-us', 'fr-FR', 'zh-CN', 'zh-hant-tw', 'en-u-ca-gregory', 'de-DE-1996', 'sr-Latn'];

/**
 * Records meant to be valid, with every odd thing validation accepts: odd Unicode, names up to the limit, alpha-3
 * and lower-case countries, national phones, non-canonical locales, untrimmed ids and emails. Round-tripped through
 * JSON, as read from a file.
 */
const validishCustomer = (() => {
  const text = fc.oneof({ weight: 3, arbitrary: wellFormedOddText() }, { weight: 1, arbitrary: longName });
  const country = fc.constantFrom(...VALID_COUNTRIES);
  const email = fc
    .tuple(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_'+-]{0,11}$/), fc.constantFrom('example.com', 'Example.COM', 'mail.co.uk'), fc.constantFrom('', ' ', '\t'))
    .map(([local, domain, pad]) => `${pad}${local}@${domain}${pad}`);
  return fc
    .record(
      {
        id: fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/), wellFormedOddText(), fc.constant(' cus-1 ')),
        email,
        name: text,
        firstName: text,
        lastName: text,
        contact: fc.constantFrom(...PHONE_PAIRS),
        country,
        address: fc.record(
          { street: text, number: fc.constantFrom('1', '10B'), city: text, state: text, postalCode: fc.constantFrom('1100-053', 'SW1A 1AA'), country },
          { requiredKeys: ['city'] },
        ),
        vatNumber: text,
        locale: fc.constantFrom(...VALID_LOCALES),
        notes: fc.oneof(wellFormedOddText(200), fc.constant('n'.repeat(10_000))),
        identityDocument: fc.record(
          { type: fc.constantFrom('PASSPORT', 'ID_CARD'), number: text, country, expiresOn: fc.constantFrom('2030-05', '2024-12'), front: fc.constantFrom('QUJD', 'QUI='), back: fc.constant('QQ==') },
          { requiredKeys: ['type'] },
        ),
        updatedAt: fc.constantFrom('2026-11-01T10:00:00Z', '2024-02-29T23:59:59.123+05:30', '2024-05-01T12:00Z', '2024-05-01T12:00:00.123456-03:00'),
        providerIds: fc.record(
          {
            yativo: text,
            fatora: fc.oneof(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 1, max: 1e9 }).map(String)),
            bluetape: text,
            'invisible-collector': text,
          },
          { requiredKeys: [] },
        ),
        kind: fc.constantFrom('individual', 'business'),
      },
      { requiredKeys: ['id', 'email'] },
    )
    .map(({ contact, ...record }) => {
      const out: Record<string, unknown> = { ...record };
      if (contact !== undefined) [out.phone, out.country] = contact;
      return JSON.parse(JSON.stringify(out)) as unknown;
    });
})();

/** Any input at all: mostly customer-like JSON (as parsed from a file), sometimes not an object. */
const anyInput = fc.oneof(
  { weight: 9, arbitrary: customerTree(1).map(fromJson) },
  { weight: 1, arbitrary: fc.oneof(fc.jsonValue(), fc.constant('{"id":"x"}'), fc.constant([{ id: 'x', email: 'a@b.co' }])) },
);

const KNOWN_TOP = ['id', 'email', 'name', 'firstName', 'lastName', 'phone', 'country', 'address', 'vatNumber', 'locale', 'notes', 'identityDocument', 'updatedAt', 'providerIds', 'kind'];

const prototypeSnapshot = (): string[] => Reflect.ownKeys(Object.prototype).map(String).sort();

/** Object.prototype untouched: same own keys, no `polluted` anywhere an ordinary object would see it. */
function expectNoPollution(before: readonly string[]): void {
  expect(prototypeSnapshot()).toEqual(before);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.prototype.toString.call([])).toBe('[object Array]');
}

describe('(a) validateCustomer on random and malformed customers', () => {
  const pristine = prototypeSnapshot();

  it('never throws; answers ok, or issues with a path and a message that quotes no value; never pollutes', () => {
    fc.assert(
      fc.property(anyInput, (input) => {
        const result = validateCustomer(input);
        expectNoPollution(pristine);
        if (result.ok) {
          const { customer } = result;
          expect(Object.getPrototypeOf(customer)).toBe(Object.prototype);
          expect(Object.keys(customer).every((key) => KNOWN_TOP.includes(key))).toBe(true);
          expect(customer.id.length).toBeGreaterThanOrEqual(1);
          expect(customer.id.length).toBeLessThanOrEqual(128);
          expect(customer.id).toBe(customer.id.trim());
          for (const nested of [customer.address, customer.identityDocument, customer.providerIds]) {
            if (nested !== undefined) expect(Object.getPrototypeOf(nested)).toBe(Object.prototype);
          }
          return;
        }
        expect(result.issues.length).toBeGreaterThan(0);
        expect(result.customerId === undefined || typeof result.customerId === 'string').toBe(true);
        const inputKeys = isPlainObject(input) ? Object.keys(input) : [];
        for (const issue of result.issues) {
          expect(typeof issue.path).toBe('string');
          expect(typeof issue.message).toBe('string');
          expect(issue.message.trim()).not.toBe('');
          expect(issue.message).not.toContain(MARK);
          if (isPlainObject(input)) {
            // Every issue names the field it is about: one the input has, or a required one it lacks.
            const roots = [...inputKeys, 'id', 'email'];
            expect(roots.some((root) => issue.path === root || issue.path.startsWith(`${root}.`))).toBe(true);
          } else {
            expect(issue.path).toBe('');
          }
        }
      }),
      { seed: SEED, numRuns: 150 },
    );
  });

  it('never throws on values no JSON parser makes (null prototypes, boxed values, Maps, sparse arrays)', () => {
    const odd = fc.anything({
      withNullPrototype: true,
      withBoxedValues: true,
      withMap: true,
      withSet: true,
      withSparseArray: true,
      withTypedArray: true,
      withDate: true,
      withObjectString: true,
      maxDepth: 3,
    });
    const objectish = fc.tuple(odd, odd).map(([a, b]) => {
      const record = Object.create(null) as Record<string, unknown>;
      record.id = 'cus-1';
      record.email = 'a@b.co';
      record.address = a;
      record.providerIds = b;
      return record;
    });
    fc.assert(
      fc.property(fc.oneof(odd, objectish), (input) => {
        const result = validateCustomer(input);
        expectNoPollution(pristine);
        if (!result.ok) for (const issue of result.issues) expect(typeof issue.path).toBe('string');
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('`__proto__`, `constructor` and `prototype` keys from JSON.parse are refused by name and pollute nothing', () => {
    const level = fc.constantFrom('', 'address', 'identityDocument', 'providerIds');
    fc.assert(
      fc.property(level, fc.constantFrom('__proto__', 'constructor', 'prototype'), poisonValue, (where, key, value) => {
        const base: Array<readonly [string, unknown]> = [
          ['id', 'cus-1'],
          ['email', 'a@b.co'],
        ];
        const poisoned: readonly [string, unknown] = [key, value];
        const entries =
          where === ''
            ? [...base, poisoned]
            : [...base, [where, new Obj([where === 'providerIds' ? ['bluetape', 'b-1'] : ['country', 'PT'], poisoned])] as const];
        const result = validateCustomer(fromJson(new Obj(entries)));
        expectNoPollution(pristine);
        expect(result.ok).toBe(false);
        if (result.ok) return;
        expect(result.issues.map((issue) => issue.path)).toEqual([where === '' ? key : `${where}.${key}`]);
        expect(result.customerId).toBe('cus-1');
      }),
      { seed: SEED, numRuns: 60 },
    );
  });

  it('normalization is idempotent: a valid result validates again to itself, also after a JSON round trip', () => {
    let valid = 0;
    let runs = 0;
    fc.assert(
      fc.property(validishCustomer, (input) => {
        runs += 1;
        const first = validateCustomer(input);
        if (!first.ok) return;
        valid += 1;
        const again = validateCustomer(first.customer);
        expect(again).toEqual({ ok: true, customer: first.customer });
        const viaJson = validateCustomer(JSON.parse(JSON.stringify(first.customer)));
        expect(viaJson).toEqual({ ok: true, customer: first.customer });
      }),
      {
        seed: SEED,
        numRuns: 200,
        // The smallest case of the family the fuzzer finds: `name` derived from two long names.
        examples: [[{ id: 'cus-1', email: 'a@b.co', firstName: 'F'.repeat(600), lastName: 'L'.repeat(600) }]],
      },
    );
    // Not vacuous: most generated records were valid.
    expect(valid).toBeGreaterThan(runs / 2);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// (b) malformed NDJSON and CSV through openSource + runSync against the sandbox
// ---------------------------------------------------------------------------------------------------------------

const CSV_COLUMNS = [
  'id',
  'email',
  'name',
  'firstName',
  'lastName',
  'phone',
  'country',
  'address.street',
  'address.number',
  'address.city',
  'address.postalCode',
  'address.country',
  'vatNumber',
  'locale',
  'notes',
  'updatedAt',
  'identityDocument.expiresOn',
  'identityDocument.front',
  'providerIds.fatora',
  'providerIds.yativo',
] as const;

type Row = Record<string, unknown>;

/** The parts of a valid customer the fuzzer varies; every provider can take the result. */
interface ValidParts {
  idSuffix: string;
  domain: string;
  firstName: string;
  lastName: string;
  phone: readonly [string, string];
  updatedAt: string;
  locale: string | undefined;
  address: boolean;
  notes: string | undefined;
}

/** Ids of valid customers avoid lone surrogates (test/reliability/hostile.test.ts covers those). */
const idChar = fc.constantFrom('a', 'Z', '9', '-', '_', 'é', '中', '\u200f', '\u200b', '🙂', '.', '~', ' ', '/', '?', '#', '%');
/** Names: odd Unicode, no line breaks (the CSV test puts those in `notes`, on purpose). */
const nameText = fc
  .tuple(fc.string({ unit: fc.constantFrom(...ODD_CHARS.filter((c) => c !== '\n'), 'a', 'b'), maxLength: 12 }), fc.string({ maxLength: 6 }))
  .map(([a, b]) => `${a}N${b.replace(/[\r\n]/g, '')}`)
  // Half a surrogate pair is refused by validation (it has no UTF-8 form); valid records never hold one.
  .filter((text) => !LONE_SURROGATE.test(text));

const validParts: fc.Arbitrary<ValidParts> = fc.record({
  idSuffix: fc.string({ unit: idChar, maxLength: 6 }),
  domain: fc.constantFrom('example.com', 'EXAMPLE.com', 'Example.Com'),
  firstName: nameText,
  lastName: nameText,
  phone: fc.constantFrom(['+351912345678', 'PT'], ['912 345 678', 'PRT'], ['(415) 555-2671', 'USA'], ['+44 20 7946 0958', 'gb']),
  updatedAt: fc.constantFrom('2026-11-01T10:00:00Z', '2024-02-29T23:59:59.123+05:30', '2026-01-01T00:00:00-03:00'),
  locale: fc.option(fc.constantFrom('pt', 'en-US', 'fr-FR', 'zh-CN', 'it'), { nil: undefined }),
  address: fc.boolean(),
  notes: fc.option(
    fc.constantFrom('line one\nline two', 'a\r\nb\r\nc', 'quote " and, comma', '\u202eevil\u202c', 'x'),
    { nil: undefined },
  ),
});

/** A customer every sandbox provider accepts. Identity: `prefix+index` in the id, and `prefix+index@example.com`. */
function validRecord(prefix: string, index: number, parts: ValidParts): Row {
  const [phone, country] = parts.phone;
  const record: Row = {
    id: `${prefix}${index}~${parts.idSuffix}`,
    email: `${prefix}${index}@${parts.domain}`,
    firstName: parts.firstName,
    lastName: parts.lastName,
    phone,
    country,
    vatNumber: `VAT-${prefix}${index}`,
    updatedAt: parts.updatedAt,
  };
  if (parts.locale !== undefined) record.locale = parts.locale;
  if (parts.address) record.address = { street: 'Rua Augusta', number: String(index), city: 'Lisboa', postalCode: '1100-053' };
  if (parts.notes !== undefined) record.notes = parts.notes;
  return record;
}

/** One field wrong: the path the report must name, and whether a CSV cell can say it. */
interface Mutation {
  name: string;
  path: string;
  csv: boolean;
  /** The id the report names the record by: the record's own, unless the mutation broke it. */
  keepsId: boolean;
  apply(record: Row): Row | Obj | unknown;
}

const set = (path: string, value: unknown) => (record: Row): Row => {
  const copy = structuredClone(record);
  const keys = path.split('.');
  let node: Row = copy;
  for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as Row;
  node[keys[keys.length - 1] as string] = value;
  return copy;
};
const without = (key: string) => (record: Row): Row => {
  const copy = structuredClone(record);
  delete copy[key];
  return copy;
};
const withKey = (key: string, value: unknown) => (record: Row): Obj =>
  new Obj([...Object.entries(record), [key, value]]);

const MUTATIONS: Mutation[] = [
  { name: 'email without @', path: 'email', csv: true, keepsId: true, apply: (r) => set('email', String(r.email).replace('@', '-at-'))(r) },
  { name: 'email missing', path: 'email', csv: true, keepsId: true, apply: without('email') },
  { name: 'id missing', path: 'id', csv: true, keepsId: false, apply: without('id') },
  { name: 'id too long', path: 'id', csv: true, keepsId: true, apply: (r) => set('id', `${String(r.id)}${'x'.repeat(130)}`)(r) },
  // The phone goes international: a national number read in no country would be a second issue.
  { name: 'unknown country', path: 'country', csv: true, keepsId: true, apply: (r) => set('country', 'XX')(set('phone', '+351912345678')(r)) },
  { name: 'country name', path: 'country', csv: true, keepsId: true, apply: (r) => set('country', 'Mars')(set('phone', '+351912345678')(r)) },
  { name: 'phone words', path: 'phone', csv: true, keepsId: true, apply: set('phone', 'call me maybe') },
  { name: 'phone too short', path: 'phone', csv: true, keepsId: true, apply: set('phone', '+1') },
  { name: 'updatedAt words', path: 'updatedAt', csv: true, keepsId: true, apply: set('updatedAt', 'yesterday') },
  { name: 'bad locale', path: 'locale', csv: true, keepsId: true, apply: set('locale', 'not a locale!') },
  { name: 'bad address country', path: 'address.country', csv: true, keepsId: true, apply: set('address.country', 'ZZZ') },
  { name: 'month 13', path: 'identityDocument.expiresOn', csv: true, keepsId: true, apply: set('identityDocument.expiresOn', '2024-13') },
  { name: 'not base64', path: 'identityDocument.front', csv: true, keepsId: true, apply: set('identityDocument.front', 'not base64!') },
  { name: 'negative fatora id', path: 'providerIds.fatora', csv: true, keepsId: true, apply: set('providerIds.fatora', -1) },
  { name: 'fractional fatora id', path: 'providerIds.fatora', csv: true, keepsId: true, apply: set('providerIds.fatora', 1.5) },
  { name: 'notes too long', path: 'notes', csv: true, keepsId: true, apply: set('notes', 'n'.repeat(10_001)) },
  { name: 'name of 2 MiB', path: 'name', csv: true, keepsId: true, apply: set('name', 'N'.repeat(2 * MiB)) },
  { name: 'blank firstName', path: 'firstName', csv: true, keepsId: true, apply: set('firstName', '   ') },
  { name: 'id a number', path: 'id', csv: false, keepsId: false, apply: set('id', 42) },
  { name: 'name null', path: 'name', csv: false, keepsId: true, apply: set('name', null) },
  { name: 'typo key', path: 'emial', csv: false, keepsId: true, apply: withKey('emial', 'x@y.co') },
  { name: '__proto__ key', path: '__proto__', csv: false, keepsId: true, apply: withKey('__proto__', new Obj([['polluted', 'yes']])) },
  { name: 'constructor key', path: 'constructor', csv: false, keepsId: true, apply: withKey('constructor', new Obj([['prototype', new Obj([['polluted', 'yes']])]])) },
  { name: 'empty address', path: 'address', csv: false, keepsId: true, apply: set('address', {}) },
  { name: 'address.__proto__', path: 'address.__proto__', csv: false, keepsId: true, apply: (r) => withKey('address', new Obj([['city', 'Lisboa'], ['__proto__', new Obj([['polluted', 'yes']])]]))(without('address')(r)) },
  { name: 'yativo id a number', path: 'providerIds.yativo', csv: false, keepsId: true, apply: set('providerIds.yativo', 7) },
  { name: 'an array', path: '', csv: false, keepsId: false, apply: () => [] },
  { name: 'a number', path: '', csv: false, keepsId: false, apply: () => 42 },
  { name: 'a string', path: '', csv: false, keepsId: false, apply: (r) => String(r.id) },
  { name: 'null', path: '', csv: false, keepsId: false, apply: () => null },
];

/** What one input line (or CSV row) is. */
type Entry =
  | { kind: 'valid'; parts: ValidParts }
  | { kind: 'invalid'; parts: ValidParts; mutation: Mutation }
  | { kind: 'malformed'; variant: number; text: string }
  | { kind: 'blank'; text: string };

/** Lines a parser refuses before validation: the report names them with path `''`. */
const NDJSON_MALFORMED = [
  (tail: string) => `{${tail}`, // an object never closed
  () => '{"id":"x",}',
  () => "{'id':'x'}",
  () => 'undefined',
  () => '{"id":"x"}}',
  () => 'INVALID_UTF8', // replaced by bytes
  () => 'TOO_LONG', // replaced by a line over maxRecordBytes
];
const CSV_MALFORMED = [
  () => 'EXTRA_CELL', // a row with one cell too many
  () => 'STRAY_QUOTE', // a quote inside an unquoted cell
];

const entryArb = (format: SourceFormat): fc.Arbitrary<Entry> => {
  const mutations = MUTATIONS.filter((m) => format === 'ndjson' || m.csv);
  const malformed = format === 'ndjson' ? NDJSON_MALFORMED : CSV_MALFORMED;
  return fc.oneof(
    { weight: 5, arbitrary: validParts.map((parts): Entry => ({ kind: 'valid', parts })) },
    { weight: 4, arbitrary: fc.tuple(validParts, fc.constantFrom(...mutations)).map(([parts, mutation]): Entry => ({ kind: 'invalid', parts, mutation })) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.nat({ max: malformed.length - 1 }), fc.string({ unit: fc.constantFrom('a', '"', ':', ',', '[', ' ', 'é', '\u200f'), maxLength: 8 }))
        .map(([variant, tail]): Entry => ({ kind: 'malformed', variant, text: (malformed[variant] as (t: string) => string)(tail) })),
    },
    { weight: 1, arbitrary: fc.constantFrom(...(format === 'ndjson' ? ['', '   ', '\t'] : [''])).map((text): Entry => ({ kind: 'blank', text })) },
  );
};

const MAX_RECORD_BYTES = 4 * MiB;

/** Every kind of entry once, between valid ones (notes with line breaks among them), for the format. */
function everyEntry(format: SourceFormat): Entry[] {
  const parts = (notes: string | undefined): ValidParts => ({ ...entriesDefaults, idSuffix: 'a/b?#é', notes, address: true, locale: 'it' });
  const valid = (notes?: string): Entry => ({ kind: 'valid', parts: parts(notes) });
  const mutations = MUTATIONS.filter((m) => format === 'ndjson' || m.csv);
  const malformed = format === 'ndjson' ? NDJSON_MALFORMED : CSV_MALFORMED;
  return [
    valid('first\nsecond\r\nthird'),
    ...mutations.flatMap((mutation): Entry[] => [{ kind: 'invalid', parts: parts(undefined), mutation }, valid()]),
    ...malformed.map((make, variant): Entry => ({ kind: 'malformed', variant, text: make('"a":[1,') })),
    { kind: 'blank', text: '' },
    valid('a\nb'),
  ];
}

interface Expected {
  line: number;
  customerId: string | undefined;
  paths: string[];
  message?: RegExp;
}

interface Built {
  bytes: Buffer;
  read: number;
  invalid: Expected[];
  /** Normalized ids and emails of the valid customers. */
  validIds: Set<string>;
  validEmails: Set<string>;
  /** Ids and emails of the records that must never reach a provider. */
  refusedIds: Set<string>;
  refusedEmails: Set<string>;
}

function csvCell(value: unknown): string {
  if (value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csvRow(record: Row): string {
  const flat = (path: string): unknown =>
    path.split('.').reduce<unknown>((node, key) => (isPlainObject(node) ? node[key] : undefined), record);
  return CSV_COLUMNS.map((column) => csvCell(flat(column))).join(',');
}

/** The `id` a record (or an `Obj`) holds, when it is a string. */
function idOf(value: unknown): string | undefined {
  const id = value instanceof Obj ? value.entries.find(([key]) => key === 'id')?.[1] : isPlainObject(value) ? value.id : undefined;
  return typeof id === 'string' ? id : undefined;
}

/** The input's bytes and what the report must say about it. */
function build(format: SourceFormat, entries: readonly Entry[], bom: boolean): Built {
  const parts: Buffer[] = [];
  const built: Built = {
    bytes: Buffer.alloc(0),
    read: 0,
    invalid: [],
    validIds: new Set(),
    validEmails: new Set(),
    refusedIds: new Set(),
    refusedEmails: new Set(),
  };
  let line = 1;
  if (bom) parts.push(Buffer.from('\ufeff'));
  if (format === 'csv') {
    parts.push(Buffer.from(`${CSV_COLUMNS.join(',')}\n`));
    line += 1;
  }
  for (const [index, entry] of entries.entries()) {
    let text: string | Buffer;
    if (entry.kind === 'valid') {
      const record = validRecord('v', index, entry.parts);
      built.validIds.add(String(record.id).trim());
      built.validEmails.add(`v${index}@example.com`);
      text = format === 'csv' ? csvRow(record) : JSON.stringify(record);
      built.read += 1;
    } else if (entry.kind === 'invalid') {
      const base = validRecord('b', index, entry.parts);
      built.refusedIds.add(String(base.id).trim());
      built.refusedEmails.add(`b${index}@example.com`);
      const mutated = entry.mutation.apply(base);
      text = format === 'csv' ? csvRow(mutated as Row) : (toJson(mutated) ?? 'null');
      const customerId = entry.mutation.keepsId ? idOf(mutated) : undefined;
      built.invalid.push({ line, customerId, paths: [entry.mutation.path] });
      built.read += 1;
    } else if (entry.kind === 'malformed') {
      if (entry.text === 'INVALID_UTF8') {
        text = Buffer.from([0x7b, 0x22, 0x69, 0x64, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0xff, 0x22, 0x7d]);
        built.invalid.push({ line, customerId: undefined, paths: [''], message: /^not valid UTF-8$/ });
      } else if (entry.text === 'TOO_LONG') {
        text = JSON.stringify({ id: `long${index}`, email: `long${index}@example.com`, notes: 'x'.repeat(MAX_RECORD_BYTES) });
        built.refusedIds.add(`long${index}`);
        built.invalid.push({ line, customerId: undefined, paths: [''], message: /^line is longer than 4 MiB; skipped$/ });
      } else if (entry.text === 'EXTRA_CELL') {
        const record = validRecord('x', index, { ...entriesDefaults });
        built.refusedIds.add(String(record.id));
        text = `${csvRow(record)},extra`;
        built.invalid.push({ line, customerId: undefined, paths: [''], message: /^expected \d+ cells as in the header, found \d+$/ });
      } else if (entry.text === 'STRAY_QUOTE') {
        const record = validRecord('x', index, { ...entriesDefaults });
        built.refusedIds.add(String(record.id));
        text = csvRow({ ...record, vatNumber: 'VATQUOTE9' }).replace('VATQUOTE9', 'VAT"9');
        built.invalid.push({ line, customerId: undefined, paths: [''], message: /quote/ });
      } else {
        text = entry.text;
        built.invalid.push({ line, customerId: undefined, paths: [''], message: /^not valid JSON$/ });
      }
      built.read += 1;
    } else {
      text = entry.text;
    }
    const bytes = typeof text === 'string' ? Buffer.from(text) : text;
    parts.push(bytes, Buffer.from('\n'));
    line += 1 + (typeof text === 'string' ? text.split('\n').length - 1 : 0);
  }
  built.bytes = Buffer.concat(parts);
  return built;
}

/** Fixed parts for the rows that never parse: their content does not matter. */
const entriesDefaults: ValidParts = {
  idSuffix: '',
  domain: 'example.com',
  firstName: 'X',
  lastName: 'Y',
  phone: ['+351912345678', 'PT'],
  updatedAt: '2026-11-01T10:00:00Z',
  locale: undefined,
  address: false,
  notes: undefined,
};

/** The bytes in chunks cut at random places (through multi-byte characters and line ends too). */
function chunked(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    if (point > start) chunks.push(bytes.subarray(start, point));
    start = Math.max(start, point);
  }
  return chunks;
}

/** Who a logged request is about: the id (path or body) for BlueTape and IC, the email for Yativo and Fatora. */
function identityOf(provider: ProviderId, request: LoggedRequest): string {
  const body = isPlainObject(request.body) ? request.body : {};
  const segment = (prefix: string): string | undefined =>
    request.path.startsWith(prefix) ? decodeURIComponent(request.path.slice(prefix.length)) : undefined;
  const found: Partial<Record<ProviderId, string | undefined>> = {
    yativo: request.method === 'POST' && request.path === '/customer' ? String(body.customer_email) : undefined,
    fatora:
      request.path === '/v1/clients'
        ? request.method === 'GET'
          ? request.query.email
          : String(body.email)
        : undefined,
    bluetape:
      request.method === 'PUT' ? segment('/integration/customer/') : request.path === '/integration/customer' ? String(body.id) : undefined,
    'invisible-collector':
      request.method === 'PUT'
        ? segment('/customers/')
        : request.path === '/customers/find'
          ? request.query.externalId
          : request.path === '/customers'
            ? String(body.externalId)
            : undefined,
  };
  return found[provider] ?? `unexpected request ${request.method} ${request.path}`;
}

describe('(b) malformed NDJSON and CSV through openSource and runSync, against the sandbox', () => {
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await startSandbox({ seed: SEED, log: true });
  });
  afterAll(async () => {
    await sandbox.close();
  });

  function adapters(): Adapter[] {
    const { urls, credentials: c } = sandbox;
    const fast = { rateLimit: { perSecond: 2000, concurrency: 8 }, retry: { retries: 2, minDelayMs: 1, maxDelayMs: 5 } };
    return [
      yativo({ ...fast, baseUrl: urls.yativo, token: c.yativo.token }),
      fatora({ ...fast, baseUrl: urls.fatora, token: c.fatora.token, createMissing: true }),
      bluetape({ ...fast, baseUrl: urls.bluetape, apiKey: c.bluetape.apiKey, accountId: c.bluetape.accountId, createMissing: true }),
      invisibleCollector({ ...fast, baseUrl: urls['invisible-collector'], token: c['invisible-collector'].token, createMissing: true }),
    ];
  }

  it.each<SourceFormat>(['ndjson', 'csv'])('%s: bad records reported by line and path; providers see only the valid ones', async (format) => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(entryArb(format), { minLength: 1, maxLength: 14 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.boolean(),
        async (entries, cuts, bom) => {
          sandbox.reset();
          const built = build(format, entries, bom);
          // Written first: a CSV source reads its header and first row before openSource resolves.
          const stdin = new PassThrough();
          for (const chunk of chunked(built.bytes, cuts)) stdin.write(chunk);
          stdin.end();
          const source = await openSource({ input: '-', format, stdin, maxRecordBytes: MAX_RECORD_BYTES });
          const engine = createEngine({ adapters: adapters() });
          const report = await (async () => {
            try {
              return await runSync({ engine, records: source.records });
            } finally {
              await source.close();
              await engine.close();
            }
          })();

          // Every bad record, and only those, by line, with the id as given and the path of what is wrong.
          expect(report.records).toEqual({ read: built.read, invalid: built.invalid.length });
          const reported = [...report.invalid].sort((a, b) => a.line - b.line);
          expect(reported.map((r) => ({ line: r.line, customerId: r.customerId, paths: r.issues.map((i) => i.path) }))).toEqual(
            built.invalid.map(({ line, customerId, paths }) => ({ line, customerId, paths })),
          );
          for (const [index, expected] of built.invalid.entries()) {
            if (expected.message) expect(reported[index]?.issues[0]?.message).toMatch(expected.message);
          }

          // Every valid customer delivered everywhere; nothing failed.
          expect(report.failures).toEqual([]);
          for (const id of PROVIDER_IDS) expect(report.providers[id]?.created).toBe(built.validIds.size);

          // What each provider saw is about valid customers only, and about each of them.
          for (const id of PROVIDER_IDS) {
            const seen = new Set(sandbox.requests(id).map((request) => identityOf(id, request)));
            const expected = id === 'yativo' || id === 'fatora' ? built.validEmails : built.validIds;
            expect([...seen].sort()).toEqual([...expected].sort());
            for (const refused of [...built.refusedIds, ...built.refusedEmails]) expect(seen.has(refused)).toBe(false);
          }
        },
      ),
      // Besides the random inputs, one that holds every mutation and every malformed kind at least once.
      { seed: SEED, numRuns: 12, examples: [[everyEntry(format), [1, 2, 97, 1000, 4096], true]] },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// (c) random provider response bodies
// ---------------------------------------------------------------------------------------------------------------

const DEFINITIONS: ProviderDefinition[] = [
  yativoDefinition,
  fatoraDefinition,
  bluetapeDefinition,
  invisibleCollectorDefinition,
] as unknown as ProviderDefinition[];

/** The documented success body of each provider, around a given id, with extra fields it must tolerate. */
function successShape(provider: ProviderId, id: string | number, extra: Record<string, unknown>): unknown {
  switch (provider) {
    case 'yativo':
      return { ...extra, status: 'success', data: { ...extra, customer_id: String(id) } };
    case 'fatora':
      return { ...extra, status: 'SUCCESS', client: { ...extra, id: typeof id === 'number' ? id : 1 } };
    case 'bluetape':
      return { ...extra, blueTapeId: String(id) };
    case 'invisible-collector':
      return { ...extra, gid: String(id) };
  }
}

describe('(c) random provider bodies given to each adapter', () => {
  const operations: Operation[] = ['create', 'update'];
  const anything = fc.anything({ withNullPrototype: true, withBoxedValues: true, withMap: true, withSet: true, withSparseArray: true, withDate: true, maxDepth: 4 });

  it.each(DEFINITIONS.map((definition) => [definition.id, definition] as const))(
    '%s: errorMessage never throws; parseSuccess returns a usable id or throws',
    (_id, definition) => {
      fc.assert(
        fc.property(fc.oneof(fc.jsonValue(), anything), fc.constantFrom(...operations), fc.integer({ min: 100, max: 599 }), (body, operation, status) => {
          const message = definition.errorMessage(status, body);
          expect(message === undefined || typeof message === 'string').toBe(true);
          let info: { providerId?: string | undefined } | undefined;
          try {
            info = definition.parseSuccess(operation, body);
          } catch (error) {
            expect(error).toBeInstanceOf(Error);
            return;
          }
          const id = info.providerId;
          expect(id === undefined || (typeof id === 'string' && id.length > 0)).toBe(true);
          if (operation === 'create' && definition.id !== 'fatora') expect(id).toBeDefined();
          if (definition.id === 'fatora') expect(id).toMatch(/^[1-9]\d*$/);
        }),
        { seed: SEED, numRuns: 250 },
      );
    },
  );

  it.each(DEFINITIONS.map((definition) => [definition.id, definition] as const))(
    '%s: the documented success shape, with any extra fields, gives back its id',
    (_id, definition) => {
      const extra = fc.dictionary(fc.string({ maxLength: 8 }).filter((key) => !['status', 'data', 'client', 'id', 'customer_id', 'blueTapeId', 'gid', '__proto__'].includes(key)), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 });
      const id = definition.id === 'fatora' ? fc.integer({ min: 1, max: 2 ** 31 }) : fc.string({ minLength: 1, maxLength: 40 });
      fc.assert(
        fc.property(id, extra, fc.constantFrom(...operations), (providerId, more, operation) => {
          const body = JSON.parse(JSON.stringify(successShape(definition.id, providerId, more))) as unknown;
          expect(definition.parseSuccess(operation, body).providerId).toBe(String(providerId));
        }),
        { seed: SEED, numRuns: 100 },
      );
    },
  );
});

/** One adapter configuration the wire fuzzing drives, with the secrets it holds. */
interface WireCase {
  label: string;
  provider: ProviderId;
  definition: ProviderDefinition;
  operation: Operation;
  /** Answered as documented before the fuzzed request (a lookup finding nothing, an update answered 404). */
  before?: Array<{ request: string; status: number; body: unknown }>;
  /** The request the fuzzed answer is given to, below the provider's prefix. */
  request: string;
  /** The fuzzed request may be sent again after an unknown outcome (DESIGN §5). */
  retrySafe: boolean;
  /** Where and how a token exchange is answered, for adapters configured to exchange credentials. */
  exchange?: { request: string; answer(token: string): unknown };
  secrets: string[];
  make(baseUrl: string): Adapter;
  customer: Record<string, unknown>;
  /** The id the request addressed: the outcome's id when an update's answer names none, a 409's update target. */
  pathId?: string;
  /** The update path for an id, for the update a create answered 409 leads to. */
  updatePath?: (id: string) => string;
  /** The lookup a create's conflict or unknown outcome leads to, `METHOD /path`. */
  lookupRequest?: string;
}

const S = {
  yativoToken: 'yativo-SECRET-tok-91f3c2',
  yativoAppSecret: 'yativo-SECRET-app-07d1e9',
  fatoraToken: 'fatora-SECRET-tok-4b2a77',
  fatoraApiKey: 'fatora-SECRET-key-c0ffee',
  bluetapeKey: 'bluetape-SECRET-key-5e6f70',
  icToken: 'ic-SECRET-tok-a1b2c3',
};

const WIRE_RETRY = { retries: 0, minDelayMs: 1, maxDelayMs: 2 };
const WIRE_LIMIT = { perSecond: 5000, concurrency: 4 };

const UPDATE_CUSTOMER = {
  id: 'cus-1',
  email: 'ada@example.com',
  firstName: 'Ada',
  lastName: 'Lovelace',
  phone: '+351912345678',
  country: 'PT',
  vatNumber: 'PT500000001',
  updatedAt: '2026-11-01T10:00:00Z',
  providerIds: { yativo: 'y-1', fatora: 1024 },
};
const CREATE_CUSTOMER = { ...UPDATE_CUSTOMER, providerIds: undefined };

/** What a provider answers to an update of a customer it does not have. */
const NOT_FOUND: Partial<Record<ProviderId, unknown>> = {
  bluetape: { code: '404', reason: 'Customer not found.' },
  'invisible-collector': { code: 404, message: 'Customer not found' },
};

const common = { retry: WIRE_RETRY, rateLimit: WIRE_LIMIT };
const def = (definition: unknown): ProviderDefinition => definition as ProviderDefinition;
const WIRE_CASES: WireCase[] = [
  {
    label: 'yativo update (token)',
    provider: 'yativo',
    definition: def(yativoDefinition),
    operation: 'update',
    request: 'PUT /customer/y-1',
    retrySafe: true,
    secrets: [S.yativoToken],
    make: (baseUrl) => yativo({ ...common, baseUrl, token: S.yativoToken }),
    customer: UPDATE_CUSTOMER,
    pathId: 'y-1',
  },
  {
    label: 'yativo create (token)',
    provider: 'yativo',
    definition: def(yativoDefinition),
    operation: 'create',
    request: 'POST /customer',
    retrySafe: false,
    lookupRequest: 'GET /customer',
    secrets: [S.yativoToken],
    make: (baseUrl) => yativo({ ...common, baseUrl, token: S.yativoToken }),
    customer: CREATE_CUSTOMER,
  },
  {
    label: 'yativo update (exchanged token)',
    provider: 'yativo',
    definition: def(yativoDefinition),
    operation: 'update',
    request: 'PUT /customer/y-1',
    retrySafe: true,
    exchange: { request: 'POST /auth/login', answer: (token) => ({ data: { access_token: token, expires_in: 600 } }) },
    secrets: [S.yativoAppSecret],
    make: (baseUrl) => yativo({ ...common, baseUrl, accountId: 'acct-1', appSecret: S.yativoAppSecret }),
    customer: UPDATE_CUSTOMER,
    pathId: 'y-1',
  },
  {
    label: 'fatora update (token)',
    provider: 'fatora',
    definition: def(fatoraDefinition),
    operation: 'update',
    request: 'PUT /v1/clients/1024',
    retrySafe: true,
    secrets: [S.fatoraToken],
    make: (baseUrl) => fatora({ ...common, baseUrl, token: S.fatoraToken }),
    customer: UPDATE_CUSTOMER,
    pathId: '1024',
  },
  {
    label: 'fatora update (exchanged token)',
    provider: 'fatora',
    definition: def(fatoraDefinition),
    operation: 'update',
    request: 'PUT /v1/clients/1024',
    retrySafe: true,
    exchange: { request: 'GET /v1/Authorization/Authorize', answer: (token) => ({ success: true, bearer_token: token }) },
    secrets: [S.fatoraApiKey],
    make: (baseUrl) => fatora({ ...common, baseUrl, apiKey: S.fatoraApiKey }),
    customer: UPDATE_CUSTOMER,
    pathId: '1024',
  },
  {
    label: 'fatora create after an empty lookup',
    provider: 'fatora',
    definition: def(fatoraDefinition),
    operation: 'create',
    before: [{ request: 'GET /v1/clients', status: 200, body: { status: 'SUCCESS', clients: [] } }],
    request: 'POST /v1/clients',
    retrySafe: false,
    lookupRequest: 'GET /v1/clients',
    secrets: [S.fatoraToken],
    make: (baseUrl) => fatora({ ...common, baseUrl, token: S.fatoraToken, createMissing: true }),
    customer: CREATE_CUSTOMER,
  },
  {
    label: 'bluetape update',
    provider: 'bluetape',
    definition: def(bluetapeDefinition),
    operation: 'update',
    request: 'PUT /integration/customer/cus-1',
    retrySafe: true,
    secrets: [S.bluetapeKey],
    make: (baseUrl) => bluetape({ ...common, baseUrl, apiKey: S.bluetapeKey, accountId: 'bt-account' }),
    customer: UPDATE_CUSTOMER,
    pathId: 'cus-1',
  },
  {
    label: 'bluetape create after a 404',
    provider: 'bluetape',
    definition: def(bluetapeDefinition),
    operation: 'create',
    before: [{ request: 'PUT /integration/customer/cus-1', status: 404, body: NOT_FOUND.bluetape }],
    request: 'POST /integration/customer',
    retrySafe: true,
    secrets: [S.bluetapeKey],
    make: (baseUrl) => bluetape({ ...common, baseUrl, apiKey: S.bluetapeKey, accountId: 'bt-account', createMissing: true }),
    customer: UPDATE_CUSTOMER,
    pathId: 'cus-1',
    updatePath: (id) => `/integration/customer/${encodeURIComponent(id)}`,
  },
  {
    label: 'invisible-collector update',
    provider: 'invisible-collector',
    definition: def(invisibleCollectorDefinition),
    operation: 'update',
    request: 'PUT /customers/cus-1',
    retrySafe: true,
    secrets: [S.icToken],
    make: (baseUrl) => invisibleCollector({ ...common, baseUrl, token: S.icToken }),
    customer: UPDATE_CUSTOMER,
    pathId: 'cus-1',
  },
  {
    label: 'invisible-collector create after a 404',
    provider: 'invisible-collector',
    definition: def(invisibleCollectorDefinition),
    operation: 'create',
    before: [{ request: 'PUT /customers/cus-1', status: 404, body: NOT_FOUND['invisible-collector'] }],
    request: 'POST /customers',
    retrySafe: false,
    lookupRequest: 'GET /customers/find',
    secrets: [S.icToken],
    make: (baseUrl) => invisibleCollector({ ...common, baseUrl, token: S.icToken, createMissing: true }),
    customer: UPDATE_CUSTOMER,
    pathId: 'cus-1',
    updatePath: (id) => `/customers/${encodeURIComponent(id)}`,
  },
];

/** Placeholders in generated text, replaced by the run's secrets once the body is serialized. */
const SECRET_SLOTS = ['\u00a7S0\u00a7', '\u00a7S1\u00a7'];

const wireText = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 2, arbitrary: fc.tuple(fc.string({ maxLength: 10 }), fc.constantFrom(...SECRET_SLOTS), fc.string({ maxLength: 10 })).map((parts) => parts.join('')) },
  { weight: 1, arbitrary: fc.constantFrom(...SECRET_SLOTS, '..', '.', 'a/b?c#d') },
  { weight: 1, arbitrary: fc.constant(`${'m'.repeat(600)}${SECRET_SLOTS[0] as string}`) },
);

const { jsonish } = fc.letrec<{ jsonish: unknown }>((tie) => ({
  jsonish: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    wireText,
    fc.array(tie('jsonish'), { maxLength: 3 }),
    fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('message', 'error', 'reason', 'errors', 'data', 'status', 'gid')), tie('jsonish'), { maxKeys: 4 }),
  ),
}));

/** Bodies: random JSON, the providers' error shapes around random text, and their success shapes. */
const wireBody = fc.oneof(
  jsonish,
  fc.record({ message: wireText }),
  fc.record({ code: fc.oneof(fc.string({ maxLength: 4 }), fc.integer()), reason: wireText }),
  fc.record({ code: fc.integer(), message: wireText, gid: fc.option(wireText, { nil: undefined }) }),
  fc.record({ status: fc.constant('ERROR'), error: fc.oneof(wireText, fc.record({ code: fc.integer(), message: wireText }), jsonish) }),
  fc.record({ message: wireText, errors: fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.array(wireText, { maxLength: 2 }), wireText), { maxKeys: 3 }) }),
  fc.record({ message: fc.option(wireText, { nil: undefined }), data: fc.record({ error: wireText }) }),
  fc.tuple(fc.constantFrom<ProviderId>(...PROVIDER_IDS), fc.oneof(wireText, fc.integer({ min: -2, max: 5000 }))).map(([provider, id]) => successShape(provider, id, {})),
);

const WIRE_STATUSES = [200, 201, 202, 400, 404, 409, 410, 422, 429, 500, 503];

/** What a push must end with when the fuzzed request is answered `status` with `body`. */
interface WireExpectation {
  /** `created`/`updated`, or the error kind of a failure. */
  result: 'created' | 'updated' | ErrorKind;
  providerId?: string;
  /** The error's HTTP status. */
  status?: number;
  /** A request that follows the fuzzed one (the update a 409 leads to; answered 404). */
  followUp?: string;
}

function expectationFor(wire: WireCase, status: number, body: unknown): WireExpectation {
  if (status < 300) {
    // What the adapter makes of the body decides: no parse, or a create without an id, is bad_response.
    let parsed: { providerId?: string | undefined } | undefined;
    try {
      parsed = wire.definition.parseSuccess(wire.operation, body);
    } catch {
      parsed = undefined;
    }
    const id = parsed === undefined ? undefined : wire.operation === 'create' ? parsed.providerId : (parsed.providerId ?? wire.pathId);
    if (id === undefined) return { result: 'bad_response', status };
    return { result: wire.operation === 'create' ? 'created' : 'updated', providerId: id };
  }
  const conflict = wire.definition.create?.conflict;
  if (wire.operation === 'create' && conflict?.matches(status, body)) {
    // BlueTape's conflict is about our own id: the update follows (answered 404 here). Any other is adopted only
    // through a lookup (answered 404 here): a lookup that fails proves nothing ours, so the conflict is refused.
    if (conflict.resolve === 'own-id' && wire.updatePath && wire.pathId !== undefined) {
      return { result: 'not_found', status: 404, followUp: `PUT ${wire.updatePath(wire.pathId)}` };
    }
    if (wire.lookupRequest) return { result: 'rejected', status, followUp: wire.lookupRequest };
  }
  if (status === 429) return { result: 'rate_limited', status };
  if (status >= 500) {
    // A create whose outcome is unknown is settled by a lookup at once; the lookup failing, the outcome stays unknown.
    if (!wire.retrySafe) return { result: 'unknown_outcome', status, followUp: wire.lookupRequest };
    return { result: 'transient', status };
  }
  const kind = wire.definition.errorKind?.(status, body) ?? (status === 404 ? 'not_found' : 'rejected');
  return { result: kind, status };
}

/** `METHOD /path` of a request below the provider's prefix, without its query. */
function requestLine(wire: WireCase, seen: SeenRequest): string {
  return `${seen.method} ${seen.url.slice(`/${wire.provider}`.length).split('?')[0] ?? ''}`;
}

function texts(error: CustomerSyncError): string {
  return [
    error.message,
    error.providerMessage ?? '',
    error.stack ?? '',
    JSON.stringify(error),
    inspect(error, { depth: 6 }),
    inspect(error.cause, { depth: 6 }),
  ].join('\n');
}

describe('(c) random provider answers over the wire', () => {
  let server: HostileServer;
  beforeAll(async () => {
    server = await startHostileServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('the push never throws; 2xx that does not parse is bad_response; other answers typed by status; no secret in any error', async () => {
    let exchanged = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...WIRE_CASES.map((c) => c.label)), fc.constantFrom(...WIRE_STATUSES), wireBody, async (label, status, body) => {
        const wire = WIRE_CASES.find((c) => c.label === label);
        if (wire === undefined) throw new Error(`no case ${label}`);
        server.clear();
        exchanged += 1;
        const token = `exchanged-SECRET-${exchanged}-${SEED}`;
        const secrets = wire.exchange ? [...wire.secrets, token] : wire.secrets;
        let text = JSON.stringify(body);
        for (const [index, slot] of SECRET_SLOTS.entries()) text = text.split(slot).join(secrets[index % secrets.length]);
        const answered = JSON.parse(text) as unknown;
        let fuzzed = false;
        server.handle((_req, res, seen) => {
          const request = requestLine(wire, seen);
          if (wire.exchange && request === wire.exchange.request) return json(res, 200, wire.exchange.answer(token));
          const before = wire.before?.find((b) => b.request === request);
          if (before && !fuzzed) return json(res, before.status, before.body);
          if (request === wire.request && !fuzzed) {
            fuzzed = true;
            res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
            res.end(text);
            return;
          }
          json(res, 404, NOT_FOUND[wire.provider] ?? { message: 'not found' });
        });

        const sync = createCustomerSync({ adapters: [wire.make(`${server.origin}/${wire.provider}`)] });
        let outcome;
        try {
          outcome = (await sync.push(wire.customer)).providers[wire.provider];
        } finally {
          await sync.close();
        }
        if (outcome === undefined) throw new Error('no outcome');
        const expected = expectationFor(wire, status, answered);

        // Exactly the requests the case makes: no retry (retries: 0), a follow-up only where a 409 leads to one.
        expect(server.requests.map((seen) => requestLine(wire, seen))).toEqual([
          ...(wire.exchange ? [wire.exchange.request] : []),
          ...(wire.before ?? []).map((b) => b.request),
          wire.request,
          ...(expected.followUp ? [expected.followUp] : []),
        ]);
        if (expected.result === 'created' || expected.result === 'updated') {
          expect(outcome.error).toBeUndefined();
          expect(outcome).toMatchObject({ status: expected.result, providerId: expected.providerId });
          return;
        }
        expect(outcome.status).toBe('failed');
        const error = outcome.error;
        expect(error).toBeInstanceOf(CustomerSyncError);
        if (error === undefined) return;
        expect({ kind: error.kind, status: error.status, provider: error.provider, customerId: error.customerId }).toEqual({
          kind: expected.result,
          status: expected.status,
          provider: wire.provider,
          customerId: 'cus-1',
        });
        const all = texts(error);
        for (const secret of secrets) expect(all).not.toContain(secret);
        expect(JSON.stringify(outcome)).not.toMatch(/SECRET/);

        if (expected.status !== undefined && expected.status >= 300 && expected.followUp === undefined) {
          // The provider's own message, when its error shape gives one: whole when short and clean.
          let own: string | undefined;
          try {
            own = wire.definition.errorMessage(status, answered);
          } catch {
            own = undefined;
          }
          if (own === undefined || own.trim() === '') expect(error.providerMessage).toBeUndefined();
          else if (own.length <= 500 && !secrets.some((s) => own?.includes(s))) expect(error.providerMessage).toBe(own);
          else expect(error.providerMessage?.length ?? 0).toBeLessThanOrEqual(501);
        }
      }),
      { seed: SEED, numRuns: 150 },
    );
  });

  // DESIGN §4: "Every error carries provider, customer id, HTTP status, and the provider's own message".
  it.each(WIRE_CASES.map((wire) => [wire.label, wire] as const))('%s: a 2xx that does not parse is bad_response and carries its HTTP status', async (_label, wire) => {
    const token = 'exchanged-SECRET-fixed';
    server.handle((_req, res, seen) => {
      const request = requestLine(wire, seen);
      if (wire.exchange && request === wire.exchange.request) return json(res, 200, wire.exchange.answer(token));
      const before = wire.before?.find((b) => b.request === request);
      if (before) return json(res, before.status, before.body);
      json(res, 200, { unexpected: 'shape' });
    });
    const sync = createCustomerSync({ adapters: [wire.make(`${server.origin}/${wire.provider}`)] });
    try {
      const outcome = (await sync.push(wire.customer)).providers[wire.provider];
      expect(outcome?.error?.kind).toBe('bad_response');
      expect(outcome?.error?.status).toBe(200);
    } finally {
      await sync.close();
    }
  });
});
