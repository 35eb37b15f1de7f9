import type { ProviderIdentity } from '../model/customer.js';
import { MAX } from '../model/fields.js';

/**
 * The records the raw-line fingerprint shows to every configured adapter (`rawFingerprint`): what the mappings make
 * of them is what the fingerprint digests, so a mapping that sends something else for any of them makes every line
 * count as new once, with nobody having to remember a version number.
 *
 * They are raw records, as a user gives them (untrimmed text, alpha-3 and lower-case countries, national phone
 * numbers, ids as strings of digits), so that a change in validation or normalization shows in the bodies as well.
 * Each field of the canonical model is set in some probe, and each branch a mapping is known to take is taken by some
 * probe; the corpus is built here, in code, the same on every machine and every run: no randomness, no file.
 */
export type ProbeRecord = Readonly<Record<string, unknown>>;

/** A variant of a base record: keys replaced whole (nested objects too), `undefined` removes a key. */
type Override = Readonly<Record<string, unknown>>;

const PNG = 'iVBORw0KGgo=';
const GIF = 'R0lGODlhAQABAAAAACw=';

/** Every field of the model but `providerIds` (those depend on the providers configured: `providerIdProbes`). */
const FULL: ProbeRecord = {
  id: 'probe-full',
  email: 'Ana.Silva+probe@Example.PT',
  name: 'Ana Silva Lda',
  firstName: 'Ana',
  lastName: 'Silva',
  phone: '+351 912 345 678',
  country: 'PT',
  address: { street: 'Rua Augusta', number: '12A', city: 'Lisboa', state: 'Lisboa', postalCode: '1100-053', country: 'PT' },
  vatNumber: 'PT500000001',
  locale: 'pt-PT',
  notes: 'Cliente desde 2019.',
  identityDocument: { type: 'PASSPORT', number: 'P1234567', country: 'PRT', expiresOn: '2031-04', front: PNG, back: GIF },
  updatedAt: '2026-11-01T10:00:00Z',
  kind: 'business',
};

/** A typical record: names but no display name, a national phone, an address without state or country. */
const PLAIN: ProbeRecord = {
  id: 'probe-plain',
  email: 'joao.sousa@example.com',
  firstName: 'João',
  lastName: 'Sousa',
  phone: '912345678',
  country: 'PT',
  address: { street: 'Avenida da Liberdade', number: '200', city: 'Lisboa', postalCode: '1250-147' },
  vatNumber: 'PT500000002',
  locale: 'pt',
  updatedAt: '2026-11-01T10:00:00+01:00',
};

/** Only what the model requires. */
const BARE: ProbeRecord = { id: 'probe-bare', email: 'bare@example.com' };

/** Longest values the model accepts, in UTF-16 code units: truncation and length rules show on these. */
const LONG_NAME = 'Ñ'.repeat(MAX.text);
const NOTE_LINE = 'Linha «ção» "aspas" \\ barra\ttab 😀 𝄞\n';
const LONG_NOTES = `${NOTE_LINE.repeat(Math.floor((MAX.notes - 3) / NOTE_LINE.length))}fim`;
const LONG_ID = `probe-${'x'.repeat(MAX.id - 'probe-'.length)}`;
const LONG_IMAGE = 'QUJD'.repeat(256);

const ADDRESSES: readonly Override[] = [
  { address: undefined },
  // No country of its own: it takes the customer's.
  { address: { street: 'Rua Augusta', number: '12' } },
  // Alpha-3, and another country than the customer's.
  { address: { city: 'São Paulo', state: 'SP', postalCode: '01310-100', country: 'BRA' } },
  // The customer has no country: the address's (lower-case) is the only one.
  { country: undefined, phone: '+34 600 123 456', address: { street: 'Calle Mayor', number: '5', city: 'Madrid', country: 'es' } },
  { address: { state: 'CA' } },
  { address: { postalCode: '94103' } },
  { address: { number: '7' } },
  { address: { country: 'PT' } },
  { country: undefined, address: undefined, phone: '+1 415 555 0132' },
];

const COUNTRIES: readonly Override[] = [
  { country: 'PRT' },
  { country: ' br ', phone: '+55 11 91234-5678' },
  { country: 'US', phone: '(415) 555-0132', address: { street: 'Market St', number: '1', city: 'San Francisco', state: 'CA', postalCode: '94103' } },
  { country: 'DEU', phone: '030 1234567', address: { street: 'Unter den Linden', number: '1', city: 'Berlin', postalCode: '10117' } },
];

const PHONES: readonly Override[] = [
  { phone: '+1 415-555-0132' },
  { phone: ' 912 345 678 ', country: 'PT' },
  { phone: '00351912345678', country: 'PT' },
  { phone: '(11) 91234-5678', country: 'BR', address: undefined },
  // National, read in the address's country (the customer has none).
  { phone: '612 345 678', country: undefined, address: { city: 'Madrid', country: 'ESP' } },
  { phone: undefined },
];

/** Each language family a mapping may know, with and without a region, and languages none knows. */
const LOCALES: readonly string[] = [
  'pt', 'pt-BR', 'es', 'es-419', 'en', 'en-GB', ' en-us ', 'fr', 'fr-CA', 'de', 'de-CH', 'zh', 'zh-TW', 'zh-Hans-CN',
  'it', 'ja-JP', 'nl-BE',
];

const KINDS: readonly Override[] = [{ kind: 'individual' }, { kind: 'business' }, { kind: undefined }];

const DOCUMENTS: readonly Override[] = [
  { identityDocument: { type: 'PASSPORT', number: 'P1234567', country: 'pt', expiresOn: '2031-04', front: PNG, back: GIF } },
  { identityDocument: { type: 'ID_CARD', number: '12345678 9 ZZ1' } },
  { identityDocument: { expiresOn: '2029-12' } },
  { identityDocument: { country: 'bra', front: LONG_IMAGE } },
  { identityDocument: undefined },
];

const NAMES: readonly Override[] = [
  { name: 'Only A Name', firstName: undefined, lastName: undefined },
  { name: undefined, firstName: 'Maria', lastName: undefined },
  { name: undefined, firstName: undefined, lastName: 'Ferreira' },
  { name: undefined, firstName: undefined, lastName: undefined },
  { name: ' Zoë Ĳssel-Ørsted 李小龍 ', firstName: ' Zoë ', lastName: ' 李 ' },
  // Decomposed (NFD) accents and characters outside the BMP: Unicode normalization, or a cut by code unit, shows here.
  { name: undefined, firstName: 'Jose\u0301', lastName: 'Mu\u0308ller 😀 𝄞' },
  { name: LONG_NAME },
  { name: undefined, firstName: 'A'.repeat(MAX.text / 2 - 1), lastName: 'B'.repeat(MAX.text / 2) },
];

const OTHERS: readonly Override[] = [
  { email: ' Ana@EXAMPLE.Com ' },
  { email: "o'neil.probe+tag@sub.example.co.uk" },
  { vatNumber: undefined },
  { vatNumber: ' ES-B12345678 ' },
  { notes: undefined },
  { notes: LONG_NOTES },
  { notes: 'Tab\there, "quotes", <tags>, & ampersands, back\\slash' },
  { updatedAt: undefined },
  { updatedAt: '2026-11-01T10:00Z' },
  { updatedAt: ' 2026-02-28T23:59:59.123456-03:30 ' },
  // Ids that must be encoded, or refused, as a path segment.
  { id: 'a/b?c#d%e f' },
  { id: '.' },
  { id: '..' },
  { id: 'ü-😀-客户' },
  { id: LONG_ID },
  { id: ' 4711 ' },
];

function apply(base: ProbeRecord, override: Override): ProbeRecord {
  const record: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value === undefined) delete record[key];
    else record[key] = value;
  }
  return record;
}

function variants(base: ProbeRecord, overrides: readonly Override[]): ProbeRecord[] {
  return overrides.map((override) => apply(base, override));
}

const localeOverrides = (locales: readonly string[]): Override[] => locales.map((locale) => ({ locale }));

/**
 * The probes every adapter is shown, whatever its provider: none names a provider id (`providerIdProbes` add those).
 * Each variant changes one aspect of a base record; most are tried on a full record and on a typical one, since a
 * mapping may treat a field differently beside another (an address with a state, a name derived from its parts).
 */
export const MAPPING_PROBES: readonly ProbeRecord[] = Object.freeze([
  FULL,
  PLAIN,
  BARE,
  ...[ADDRESSES, COUNTRIES, PHONES, KINDS, DOCUMENTS, NAMES].flatMap((overrides) => [
    ...variants(FULL, overrides),
    ...variants(PLAIN, overrides),
  ]),
  ...variants(FULL, localeOverrides(LOCALES)),
  ...variants(PLAIN, localeOverrides(['es-MX', 'fr', 'zh-CN', 'ko'])),
  ...variants(FULL, OTHERS),
  ...variants(PLAIN, OTHERS.slice(0, 4)),
  ...variants(BARE, [{ kind: 'individual' }, { address: { city: 'Lisboa' } }, { country: 'FRA', locale: 'fr-FR' }]),
]);

/**
 * The probes that name the customer's id at one provider: strings of digits (one with spaces to trim), which ids of
 * either type accept, then a number for a provider whose ids are integers or an id that is no number for one whose ids
 * are text; and `{}`, which means no id is known. The other probes name none.
 */
export function providerIdProbes({ id, idType }: ProviderIdentity): readonly ProbeRecord[] {
  const ids = (value: unknown): Override => ({ providerIds: { [id]: value } });
  return [
    apply(FULL, ids('4711')),
    apply(PLAIN, ids(' 0815 ')),
    apply(BARE, ids(idType === 'integer' ? 42 : 'a/b?c#d%e f')),
    apply(FULL, { id: 'a/b?c#d%e f', ...ids(idType === 'integer' ? Number.MAX_SAFE_INTEGER : ' ext-ü/1 ?#% ') }),
    apply(PLAIN, { providerIds: {} }),
  ];
}

/** The whole corpus for a sync with these providers: what a test of coverage reads. */
export function mappingProbes(providers: readonly ProviderIdentity[]): readonly ProbeRecord[] {
  return [...MAPPING_PROBES, ...providers.flatMap(providerIdProbes)];
}
