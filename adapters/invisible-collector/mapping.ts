import type { BodyResult } from '../../src/adapter/definition.js';
import { unusableAsSegment } from '../../src/adapter/path.js';
import { compact, streetLine } from '../../src/model/format.js';
import type { Customer } from '../../src/model/types.js';

/** The body of `PUT /customers/{id}`. Only `country` is always required. */
export interface InvisibleCollectorUpdateBody {
  [key: string]: unknown;
  name?: string;
  externalId: string;
  vatNumber?: string;
  /** `street number` */
  address?: string;
  zipCode?: string;
  city?: string;
  /** ISO 3166-1 alpha-2 */
  country: string;
  email: string;
  phone?: string;
  /** One of `pt`, `es`, `en`, `fr-fr`, `de`, `zh-CN`. */
  locale?: string;
}

/** The body of `POST /customers`: the same fields. */
export type InvisibleCollectorCreateBody = InvisibleCollectorUpdateBody;

/**
 * The only locales Invisible Collector accepts (PUT /customers/:id, `locale`), by BCP 47 language subtag.
 * Any region is dropped: `pt-BR` → `pt`, `fr-CA` → `fr-fr`, `zh-TW` → `zh-CN` (DESIGN §3 maps by language).
 */
const LOCALES: ReadonlyMap<string, string> = new Map([
  ['pt', 'pt'],
  ['es', 'es'],
  ['en', 'en'],
  ['fr', 'fr-fr'],
  ['de', 'de'],
  ['zh', 'zh-CN'],
]);

/** Invisible Collector's locale for a canonical BCP 47 tag; `undefined` when it has none for that language. */
export function invisibleCollectorLocale(locale: string): string | undefined {
  const language = locale.split('-')[0]?.toLowerCase();
  return language === undefined ? undefined : LOCALES.get(language);
}

export type MappedBody =
  | { ok: true; body: InvisibleCollectorUpdateBody; warnings: string[] }
  | { ok: false; message: string };

/** The customer as Invisible Collector takes it, for both update and create. */
function customerFields(customer: Customer): MappedBody {
  // DESIGN §3: the customer's country first, else the address's.
  const country = customer.country ?? customer.address?.country;
  if (country === undefined) {
    return {
      ok: false,
      message: 'Invisible Collector requires country; the record has neither country nor address.country',
    };
  }
  const locale = customer.locale === undefined ? undefined : invisibleCollectorLocale(customer.locale);
  // An unsupported locale is left out, so the provider keeps its default ("pt"), and the record says so.
  const warnings =
    customer.locale !== undefined && locale === undefined
      ? [`locale ${customer.locale} is not supported by Invisible Collector; left out`]
      : [];
  const address = customer.address;
  const body = compact({
    name: customer.name,
    externalId: customer.id,
    vatNumber: customer.vatNumber,
    // Without an address object there are no address fields at all (DESIGN §3).
    address: address === undefined ? undefined : streetLine(address),
    zipCode: address?.postalCode,
    city: address?.city,
    country,
    email: customer.email,
    phone: customer.phone,
    locale,
  });
  // compact() types every key as optional; restating the always-present ones keeps their places and the type.
  return { ok: true, body: { ...body, externalId: customer.id, country, email: customer.email }, warnings };
}

function unusableIdMessage(id: string): string {
  return `Invisible Collector cannot address a customer by the id "${id}"; it cannot be a URL path segment`;
}

export function updateBody(customer: Customer): BodyResult {
  const given = customer.providerIds?.['invisible-collector'];
  const pathId = given === undefined ? customer.id : String(given);
  if (unusableAsSegment(pathId)) return { ok: false, message: unusableIdMessage(pathId) };
  return customerFields(customer);
}

/** Fields `POST /customers` requires besides `country` (which every body requires). */
const CREATE_REQUIRED = ['name', 'vatNumber'] as const satisfies ReadonlyArray<keyof Customer>;

export function createBody(customer: Customer): BodyResult {
  const mapped = customerFields(customer);
  if (!mapped.ok) return mapped;
  const missing = CREATE_REQUIRED.filter((field) => customer[field] === undefined);
  if (missing.length > 0) {
    const none = missing.length === 1 ? 'none' : 'none of them';
    return {
      ok: false,
      message: `Invisible Collector requires ${missing.join(', ')} to create a customer; the record has ${none}`,
    };
  }
  return mapped;
}
