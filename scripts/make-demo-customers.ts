/**
 * Writes fixtures/customers.ndjson: the demo's realistic sample (`npm start`). Deterministic: the same file every
 * run. Run with `npx tsx scripts/make-demo-customers.ts`.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { getExampleNumber } from 'libphonenumber-js';
import examples from 'libphonenumber-js/mobile/examples';
import type { CountryCode } from 'libphonenumber-js';

const COUNT = 300;
const COUNTRIES: Array<{ code: CountryCode; city: string; state?: string; locale: string; street: string; postal: string }> = [
  { code: 'PT', city: 'Lisboa', locale: 'pt-PT', street: 'Rua Augusta', postal: '1100-053' },
  { code: 'US', city: 'Austin', state: 'TX', locale: 'en-US', street: 'Congress Avenue', postal: '78701' },
  { code: 'ES', city: 'Madrid', locale: 'es-ES', street: 'Calle de Alcalá', postal: '28014' },
  { code: 'FR', city: 'Lyon', locale: 'fr-FR', street: 'Rue de la République', postal: '69002' },
  { code: 'DE', city: 'Berlin', locale: 'de-DE', street: 'Friedrichstraße', postal: '10117' },
  { code: 'MX', city: 'Ciudad de México', state: 'CDMX', locale: 'es-MX', street: 'Avenida Reforma', postal: '06600' },
  { code: 'BR', city: 'São Paulo', state: 'SP', locale: 'pt-BR', street: 'Avenida Paulista', postal: '01310-100' },
  { code: 'CN', city: 'Shanghai', locale: 'zh-CN', street: 'Nanjing Road', postal: '200001' },
  { code: 'IT', city: 'Milano', locale: 'it-IT', street: 'Via Dante', postal: '20121' },
  { code: 'JO', city: 'Amman', locale: 'ar-JO', street: 'Rainbow Street', postal: '11118' },
];
const FIRST = ['Ana', 'Bruno', 'Carla', 'David', 'Elena', 'Felipe', 'Grace', 'Hugo', 'Inês', 'João', 'Karin', 'Luis', 'Mei', 'Nuno', 'Olga'];
const LAST = ['Silva', 'Smith', 'García', 'Martin', 'Müller', 'Hernández', 'Souza', 'Wang', 'Rossi', 'Haddad', 'Costa', 'Brown'];

function phoneFor(code: CountryCode, n: number): string {
  const example = getExampleNumber(code, examples);
  if (!example) throw new Error(`no example number for ${code}`);
  const national = example.nationalNumber;
  const tail = String(n % 1000).padStart(3, '0');
  return `+${example.countryCallingCode}${national.slice(0, -3)}${tail}`;
}

const lines: string[] = [];
for (let i = 1; i <= COUNT; i++) {
  const place = COUNTRIES[i % COUNTRIES.length]!;
  const firstName = FIRST[i % FIRST.length]!;
  const lastName = LAST[(i * 7) % LAST.length]!;
  const company = i % 3 === 0 ? `${lastName} & Filhos Lda` : undefined;
  const record: Record<string, unknown> = {
    id: `cus-${String(i).padStart(5, '0')}`,
    email: `${firstName}.${lastName}.${i}@Example.COM`.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace('@example.com', '@Example.com'),
    ...(company ? { name: company } : {}),
    firstName,
    lastName,
    phone: phoneFor(place.code, i),
    country: i % 4 === 0 ? { PT: 'PRT', US: 'USA', ES: 'ESP', FR: 'FRA', DE: 'DEU', MX: 'MEX', BR: 'BRA', CN: 'CHN', IT: 'ITA', JO: 'JOR' }[place.code] : place.code,
    address: {
      street: place.street,
      number: String((i * 13) % 400 + 1),
      city: place.city,
      ...(place.state ? { state: place.state } : {}),
      postalCode: place.postal,
    },
    vatNumber: `${place.code}${String(100000000 + i * 7919).slice(0, 9)}`,
    locale: place.locale,
    updatedAt: new Date(Date.UTC(2026, 9, 1) + i * 3_600_000).toISOString(),
  };
  if (i % 10 === 0) record.notes = 'Prefers invoices by email.';
  if (i % 25 === 0) delete record.phone; // BlueTape and Yativo cannot take these; the others still do
  lines.push(JSON.stringify(record));
}

// A few records any real export has: each is reported with its line and path, and the run goes on.
const invalid: Array<[number, string]> = [
  [17, JSON.stringify({ id: 'cus-bad-1', email: 'not-an-email', firstName: 'Broken' })],
  [58, JSON.stringify({ id: 'cus-bad-2', email: 'typo@example.com', adress: { city: 'Porto' } })],
  [103, JSON.stringify({ id: 'cus-bad-3', email: 'phone@example.com', phone: '12', country: 'PT' })],
  [150, JSON.stringify({ id: 'cus-bad-4', email: 'country@example.com', country: 'Portugal' })],
  [201, '{"id": "cus-bad-5", "email": "cut@example.com", '],
  [244, JSON.stringify({ id: '', email: 'empty@example.com', name: '' })],
];
for (const [at, line] of invalid) lines.splice(at, 0, line);

writeFileSync(resolve(import.meta.dirname, '../fixtures/customers.ndjson'), `${lines.join('\n')}\n`);
console.log(`wrote ${lines.length} lines`);
