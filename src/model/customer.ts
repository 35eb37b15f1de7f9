import * as z from 'zod';
import { CustomerValidationError } from '../errors/validation-error.js';
import type { ProviderDefinition } from '../adapter/definition.js';
import { BUILT_IN_DEFINITIONS } from '../registry.js';
import { toAlpha2 } from './countries.js';
import {
  country,
  customerKind,
  dateTime,
  email,
  EMPTY_REQUIRED,
  image,
  integerId,
  locale,
  MAX,
  text,
  yearMonth,
} from './fields.js';
import { compact, joinPresent } from './format.js';
import { issueMessage, toValidationIssues } from './issues.js';
import { normalizePhone } from './phone.js';
import type { Customer, ProviderIds, ValidationIssue } from './types.js';

const NO_FIELDS = 'must have at least one field: leave it out instead';

/** Rejects `{}`, as an empty string is rejected; skipped when the object already has issues. */
const NON_EMPTY = { error: NO_FIELDS, when: (payload: z.core.ParsePayload) => payload.issues.length === 0 };
const hasField = (value: object) => Object.values(value).some((field) => field !== undefined);

const addressSchema = z
  .strictObject({
    street: text().optional(),
    number: text().optional(),
    city: text().optional(),
    state: text().optional(),
    postalCode: text().optional(),
    country: country.optional(),
  })
  .refine(hasField, NON_EMPTY);

const identityDocumentSchema = z
  .strictObject({
    type: text().optional(),
    number: text().optional(),
    country: country.optional(),
    expiresOn: yearMonth.optional(),
    front: image.optional(),
    back: image.optional(),
  })
  .refine(hasField, NON_EMPTY);

/**
 * The ids a customer may be given by, one entry per provider the model knows (the built-in ones, and those of the
 * user's own that a sync is configured with). Every id is optional, and `{}` means none is known (DESIGN §2), so,
 * unlike `address`, an empty object is accepted.
 */
function providerIdsSchema(providers: readonly ProviderIdentity[]) {
  return z.strictObject(Object.fromEntries(providers.map(({ id, idType }) => [id, idType === 'integer' ? integerId : text()]))).partial();
}

const baseRecordShape = {
  id: text(MAX.id, EMPTY_REQUIRED),
  email,
  name: text().optional(),
  firstName: text().optional(),
  lastName: text().optional(),
  phone: text(MAX.short).optional(),
  country: country.optional(),
  address: addressSchema.optional(),
  vatNumber: text().optional(),
  locale: locale.optional(),
  notes: text(MAX.notes).optional(),
  identityDocument: identityDocumentSchema.optional(),
  updatedAt: dateTime.optional(),
};

function recordSchema(providers: readonly ProviderIdentity[]) {
  return z.strictObject({ ...baseRecordShape, providerIds: providerIdsSchema(providers).optional(), kind: customerKind.optional() });
}

type CustomerRecord = z.output<ReturnType<typeof recordSchema>>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** A normalized (alpha-2) country, `undefined` for anything else, such as the leftovers of a field that failed. */
function alpha2(value: unknown): string | undefined {
  return typeof value === 'string' && value.length === 2 ? toAlpha2(value) : undefined;
}

/** Where a national phone number is read: the customer's `country`, else `address.country`. */
function phoneRegion(record: Record<string, unknown>): string | undefined {
  return alpha2(record.country) ?? (isRecord(record.address) ? alpha2(record.address.country) : undefined);
}

/**
 * The phone check needs the country, so it sits on the record. It runs even when other fields failed (every issue
 * is reported at once), so it reads the partly parsed record defensively.
 */
function checkPhone(record: unknown, ctx: z.RefinementCtx): void {
  if (!isRecord(record) || typeof record.phone !== 'string') return;
  if (ctx.issues.some((issue) => issue.path?.[0] === 'phone')) return;
  const result = normalizePhone(record.phone, phoneRegion(record));
  if (!result.ok) ctx.addIssue({ code: 'custom', path: ['phone'], message: result.message });
}

/**
 * The ids given, or `undefined` when none is: `{}` (or only absent ids) must normalize as a record without
 * `providerIds` does, or the same customer would hash differently.
 */
function knownProviderIds(ids: CustomerRecord['providerIds']): ProviderIds | undefined {
  if (ids === undefined) return undefined;
  const known = compact(ids);
  return Object.keys(known).length === 0 ? undefined : (known as ProviderIds);
}

/** Cross-field normalization, on a record whose every field is valid. Keys follow DESIGN §2; none is `undefined`. */
function toCustomer(record: CustomerRecord, ctx: z.RefinementCtx): Customer {
  const { id, email, name, firstName, lastName, phone, country, address } = record;
  let e164: string | undefined;
  if (phone !== undefined) {
    const result = normalizePhone(phone, phoneRegion(record));
    if (!result.ok) {
      ctx.addIssue({ code: 'custom', path: ['phone'], message: result.message });
      return z.NEVER;
    }
    e164 = result.e164;
  }
  const displayName = name ?? joinPresent([firstName, lastName], ' ');
  if (displayName !== undefined && displayName.length > MAX.text) {
    // The derived name must obey the limit a given one does, or a valid record would normalize to an invalid one.
    ctx.addIssue({ code: 'custom', path: ['name'], message: `firstName and lastName together exceed ${MAX.text} characters; give name` });
    return z.NEVER;
  }
  return {
    id,
    email,
    ...compact({
      name: displayName,
      firstName,
      lastName,
      phone: e164,
      country,
      address: address && compact({ ...address, country: address.country ?? country }),
      vatNumber: record.vatNumber,
      locale: record.locale,
      notes: record.notes,
      identityDocument: record.identityDocument && compact(record.identityDocument),
      updatedAt: record.updatedAt,
      providerIds: knownProviderIds(record.providerIds),
      kind: record.kind,
    }),
  };
}

/** What the model needs to know of a provider: its id and the type of the ids it gives. */
export type ProviderIdentity = Pick<ProviderDefinition, 'id' | 'idType'>;

const BUILT_IN_IDENTITIES: readonly ProviderIdentity[] = BUILT_IN_DEFINITIONS;

/** The canonical model for one set of providers: what `providerIds` may hold depends on which providers exist. */
export interface CustomerModel {
  /** The record as given (DESIGN §2) → the normalized {@link Customer}. */
  readonly schema: z.ZodType<Customer, unknown>;
  /** Every leaf field by its dot path (`email`, `address.city`, `providerIds.<id>`): the columns a CSV file may have. */
  readonly fieldPaths: readonly string[];
  /** Leaf fields that hold numbers, not text (a CSV cell is text and is converted for these). */
  readonly numericPaths: readonly string[];
  /** Validates and normalizes one record without throwing; `issues` lists every problem, never an input value. */
  validate(input: unknown): CustomerValidation;
  /** Validates and normalizes one record; throws a {@link CustomerValidationError} listing every issue. */
  parse(input: unknown): Customer;
}

export type CustomerValidation =
  | { ok: true; customer: Customer }
  | { ok: false; customerId: string | undefined; issues: ValidationIssue[] };

const PARSE_OPTIONS = { error: issueMessage };

/**
 * The model that knows `providers` besides the built-in ones (ids of the user's own providers are then accepted in
 * `providerIds`, as text or integers as each says). Unknown keys anywhere are rejected with a did-you-mean; strings
 * are trimmed and must not be empty; `null` is never a value.
 */
export function customerModel(providers: readonly ProviderIdentity[] = []): CustomerModel {
  const all = [...BUILT_IN_IDENTITIES, ...providers.filter((p) => !BUILT_IN_IDENTITIES.some((b) => b.id === p.id))];
  const record = recordSchema(all);
  const schema = record.superRefine(checkPhone, { when: () => true }).transform(toCustomer);
  /** The fields of each object, by its dot path: unknown keys are compared with them to suggest a fix. */
  const knownKeys: ReadonlyMap<string, readonly string[]> = new Map([
    ['', Object.keys(record.shape)],
    ['address', Object.keys(addressSchema.shape)],
    ['identityDocument', Object.keys(identityDocumentSchema.shape)],
    ['providerIds', all.map((provider) => provider.id)],
  ]);
  const fieldPaths = [...knownKeys].flatMap(([parent, keys]) =>
    parent === '' ? keys.filter((key) => !knownKeys.has(key)) : keys.map((key) => `${parent}.${key}`),
  );
  const numericPaths = all.filter((provider) => provider.idType === 'integer').map((provider) => `providerIds.${provider.id}`);
  const validate = (input: unknown): CustomerValidation => {
    const result = schema.safeParse(input, PARSE_OPTIONS);
    if (result.success) return { ok: true, customer: result.data };
    // The id as given, to find the record by; not when it is too long to be anyone's id (it would flood the report).
    const id = isRecord(input) ? input.id : undefined;
    const customerId = typeof id === 'string' && id.length <= MAX.text ? id : undefined;
    return { ok: false, customerId, issues: toValidationIssues(result.error.issues, (path) => knownKeys.get(path)) };
  };
  return {
    schema: schema as unknown as z.ZodType<Customer, unknown>,
    fieldPaths,
    numericPaths,
    validate,
    parse(input) {
      const result = validate(input);
      if (!result.ok) throw new CustomerValidationError(result.issues, result.customerId);
      return result.customer;
    },
  };
}

/** The model of the built-in providers. */
const BUILT_IN_MODEL = customerModel();

/** The canonical customer record as given (DESIGN §2), for the built-in providers. Its output is a {@link Customer}. */
export const customerSchema = BUILT_IN_MODEL.schema;

/** Every leaf field by its dot path, for the built-in providers (`providerIds.<id>` for each). */
export const CUSTOMER_FIELD_PATHS: readonly string[] = BUILT_IN_MODEL.fieldPaths;

/** Leaf fields that hold numbers, for the built-in providers. */
export const NUMERIC_FIELD_PATHS: readonly string[] = BUILT_IN_MODEL.numericPaths;

/** Validates and normalizes one record (built-in providers) without throwing; `issues` lists every problem. */
export function validateCustomer(input: unknown): CustomerValidation {
  return BUILT_IN_MODEL.validate(input);
}

/** Validates and normalizes one record (built-in providers); throws a {@link CustomerValidationError}. */
export function parseCustomer(input: unknown): Customer {
  return BUILT_IN_MODEL.parse(input);
}
