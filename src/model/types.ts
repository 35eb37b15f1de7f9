/**
 * The canonical customer after validation and normalization (DESIGN §2).
 * Absent fields are `undefined`, never `null` or `""`.
 */
export interface Address {
  street?: string;
  number?: string;
  city?: string;
  state?: string;
  postalCode?: string;
  /** ISO 3166-1 alpha-2; defaults to the customer's `country`. */
  country?: string;
}

export interface IdentityDocument {
  /** e.g. `PASSPORT` */
  type?: string;
  number?: string;
  /** ISO 3166-1 alpha-2 */
  country?: string;
  /** `YYYY-MM` */
  expiresOn?: string;
  /** base64 image */
  front?: string;
  /** base64 image */
  back?: string;
}

/**
 * Ids a customer already has at providers, by provider id; an object with none is never produced (the key is left
 * out). A provider whose ids are integers (`idType: 'integer'`) has a number here, whether it was given as a number
 * or as a string of its digits; every other id is a string.
 */
export type ProviderIds = Record<string, string | number>;

export interface Customer {
  id: string;
  /** trimmed, domain lower-cased */
  email: string;
  /** given, else `firstName lastName` when either is known */
  name?: string;
  firstName?: string;
  lastName?: string;
  /** E.164 */
  phone?: string;
  /** ISO 3166-1 alpha-2 */
  country?: string;
  address?: Address;
  vatNumber?: string;
  /** canonical BCP 47 tag, e.g. `en-US` */
  locale?: string;
  notes?: string;
  identityDocument?: IdentityDocument;
  /** ISO 8601 date-time with `Z` or an offset, as given (trimmed, never reformatted) */
  updatedAt?: string;
  providerIds?: ProviderIds;
  /**
   * What the customer is. Left out when the record does not say; an adapter that needs one applies its provider's
   * default itself, so other providers never see a kind nobody gave.
   */
  kind?: CustomerKind;
}

export type CustomerKind = 'individual' | 'business';

/** One validation problem: a dot path (`address.country`, `''` for the record itself) and a message without the value. */
export interface ValidationIssue {
  path: string;
  message: string;
}
