/**
 * Deterministic benchmark customers: record `i` is a pure function of `i` (and of `version`), so any process can
 * make the same record without a file, and last night's file and tonight's differ only where `isChanged(i)`.
 *
 * Every record is valid and addressable at every built-in provider (each has a phone, first and last name,
 * `updatedAt`, a country and a VAT number, which some providers require), so each push sends one request per provider
 * once the customer exists there. Emails and VAT numbers are unique (providers look customers up by email, and one
 * answers 409 to a VAT number it already holds).
 */
import { getExampleNumber, type CountryCode } from 'libphonenumber-js';
import examples from 'libphonenumber-js/mobile/examples';

interface Place {
  code: CountryCode;
  alpha3: string;
  city: string;
  state?: string;
  locale: string;
  street: string;
  postal: string;
}

const PLACES: readonly Place[] = [
  { code: 'PT', alpha3: 'PRT', city: 'Lisboa', locale: 'pt-PT', street: 'Rua Augusta', postal: '1100-053' },
  { code: 'US', alpha3: 'USA', city: 'Austin', state: 'TX', locale: 'en-US', street: 'Congress Avenue', postal: '78701' },
  { code: 'ES', alpha3: 'ESP', city: 'Madrid', locale: 'es-ES', street: 'Calle de Alcalá', postal: '28014' },
  { code: 'FR', alpha3: 'FRA', city: 'Lyon', locale: 'fr-FR', street: 'Rue de la République', postal: '69002' },
  { code: 'DE', alpha3: 'DEU', city: 'Berlin', locale: 'de-DE', street: 'Friedrichstraße', postal: '10117' },
  { code: 'MX', alpha3: 'MEX', city: 'Ciudad de México', state: 'CDMX', locale: 'es-MX', street: 'Avenida Reforma', postal: '06600' },
  { code: 'BR', alpha3: 'BRA', city: 'São Paulo', state: 'SP', locale: 'pt-BR', street: 'Avenida Paulista', postal: '01310-100' },
  { code: 'CN', alpha3: 'CHN', city: 'Shanghai', locale: 'zh-CN', street: 'Nanjing Road', postal: '200001' },
  { code: 'IT', alpha3: 'ITA', city: 'Milano', locale: 'it-IT', street: 'Via Dante', postal: '20121' },
  { code: 'GB', alpha3: 'GBR', city: 'London', locale: 'en-GB', street: 'Baker Street', postal: 'NW1 6XE' },
];
const FIRST = ['Ana', 'Bruno', 'Carla', 'David', 'Elena', 'Felipe', 'Grace', 'Hugo', 'Inês', 'João', 'Karin', 'Luis', 'Mei', 'Nuno', 'Olga'];
const LAST = ['Silva', 'Smith', 'García', 'Martin', 'Müller', 'Hernández', 'Souza', 'Wang', 'Rossi', 'Haddad', 'Costa', 'Brown'];

/** Each place's example mobile number, without its last four digits (they vary per customer). */
const PHONE_STEMS: ReadonlyMap<CountryCode, string> = new Map(
  PLACES.map((place) => {
    const example = getExampleNumber(place.code, examples);
    if (!example) throw new Error(`no example number for ${place.code}`);
    return [place.code, `+${example.countryCallingCode}${example.nationalNumber.slice(0, -4)}`];
  }),
);

const BASE_TIME = Date.UTC(2026, 9, 1);
const DAY_MS = 86_400_000;

/** What the generator version is: bump it when records change, so cached files and states are rebuilt. */
export const GENERATOR_VERSION = 1;

const ascii = (text: string): string => text.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
const pick = <T>(list: readonly T[], n: number): T => list[n % list.length] as T;

function customerId(i: number): string {
  return `cus-${String(i).padStart(7, '0')}`;
}

/** 1 % of the records changed since last night: a later `updatedAt` and another street number (every body changes). */
export function isChanged(i: number): boolean {
  return i % 100 === 42;
}

/** How many of customers `0 .. lines - 1` changed since last night. */
export function changedAmong(lines: number): number {
  let changed = 0;
  for (let i = 0; i < lines; i++) if (isChanged(i)) changed += 1;
  return changed;
}

/**
 * Customer `i` (0-based) as the user's system exports it. `version` 0 is last night's record; version 1 is
 * tonight's, which differs only for `isChanged(i)`.
 */
export function makeCustomer(i: number, version: 0 | 1 = 0): Record<string, unknown> {
  const place = pick(PLACES, i);
  const firstName = pick(FIRST, Math.floor(i / 7));
  const lastName = pick(LAST, Math.floor(i / 3) + i);
  const id = customerId(i);
  const changed = version === 1 && isChanged(i);
  const record: Record<string, unknown> = {
    id,
    email: `${id}.${ascii(firstName)}.${ascii(lastName)}@Example.com`.toLowerCase().replace('@example.com', '@Example.com'),
  };
  if (i % 3 === 0) record.name = `${lastName} & Filhos Lda`;
  record.firstName = firstName;
  record.lastName = lastName;
  record.phone = `${PHONE_STEMS.get(place.code) ?? ''}${String(i % 10_000).padStart(4, '0')}`;
  record.country = i % 4 === 0 ? place.alpha3 : place.code;
  record.address = {
    street: place.street,
    number: String(((i * 13) % 400) + 1 + (changed ? 1000 : 0)),
    city: place.city,
    ...(place.state === undefined ? {} : { state: place.state }),
    postalCode: place.postal,
  };
  record.vatNumber = `${place.code}${String(i).padStart(9, '0')}`;
  record.locale = place.locale;
  if (i % 10 === 0) record.notes = 'Prefers invoices by email.';
  record.updatedAt = new Date(BASE_TIME + (i % 5000) * 60_000 + (changed ? DAY_MS : 0)).toISOString();
  return record;
}

/** The NDJSON line of customer `i`, as the export writes it. */
export function customerLine(i: number, version: 0 | 1 = 0): string {
  return JSON.stringify(makeCustomer(i, version));
}
