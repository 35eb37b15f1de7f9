import { z } from 'zod';

// Invisible Collector customers API: https://invisiblecollector.com/docs/developers/api/customers/put/
// (copy: shared/providers/invisible-collector-update-customer.txt) and shared/providers/NOTES.md.
// Extra fields are tolerated (stripped); only the fields we read are required. Fields we do not read may be
// absent or null: the API is not documented to leave them out rather than send null.

/** A customer as the API answers it (PUT, POST, and each element of `GET /customers/find`). */
export const customerResponseSchema = z.object({
  gid: z.string().min(1),
  name: z.string().nullish(),
  externalId: z.string().nullish(),
  vatNumber: z.string().nullish(),
  address: z.string().nullish(),
  zipCode: z.string().nullish(),
  city: z.string().nullish(),
  country: z.string().nullish(),
  email: z.string().nullish(),
  phone: z.string().nullish(),
  /** The published SDKs' answers carry `mobile` and may lack `phone` and `locale`. */
  mobile: z.string().nullish(),
  locale: z.string().nullish(),
});

/** `GET /customers/find?externalId=…`: every customer that matches exactly, possibly none. */
export const findResponseSchema = z.array(customerResponseSchema);

/**
 * Every documented error: `{"code":404,"message":"Customer not found"}`, and 409 adds the existing `gid`.
 * `code` is documented as a number; we do not read it, so a string is tolerated too.
 */
export const errorBodySchema = z.object({
  code: z.union([z.number(), z.string()]).optional(),
  message: z.string().min(1),
  gid: z.string().min(1).optional(),
});

/**
 * 409 to `POST /customers`: a customer with this VAT number exists. The SDKs name it as `gid` (Java), as `id` or
 * `gid` (Go, .NET), or not at all (Ruby's fixture); it is read only to name it in a message.
 */
export const conflictBodySchema = z.object({
  gid: z.string().min(1).optional().catch(undefined),
  id: z.string().min(1).optional().catch(undefined),
});
