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

/** Ids a customer already has at providers; an object with none is never produced (the key is left out). */
export interface ProviderIds {
  yativo?: string;
  /** given as an integer or a string of its decimal digits; always a number here */
  fatora?: number;
  bluetape?: string;
  'invisible-collector'?: string;
}

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
   * What the customer is: Yativo's `customer_type`. Left out when the record does not say; the Yativo adapter, not
   * the model, applies Yativo's default (`individual`), so other providers never see a kind nobody gave.
   */
  kind?: CustomerKind;
}

export type CustomerKind = 'individual' | 'business';

/** One validation problem: a dot path (`address.country`, `''` for the record itself) and a message without the value. */
export interface ValidationIssue {
  path: string;
  message: string;
}
