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

export interface ProviderIds {
  yativo?: string;
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
  /** ISO 8601 date-time, as given */
  updatedAt?: string;
  providerIds?: ProviderIds;
}

/** One validation problem: a dot path (`address.country`, `''` for the record itself) and a message without the value. */
export interface ValidationIssue {
  path: string;
  message: string;
}
