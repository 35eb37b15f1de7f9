import { z } from 'zod';

// Response schemas parsed at the boundary. They require what we read and let every other field through,
// because Yativo's envelope carries more (message, status_code, the echoed customer) than we use.

/** 200/201 envelope of `POST /customer`: the new customer's id is the one thing a create must give back. */
export const createResponseSchema = z.object({
  status: z.literal('success'),
  data: z.object({ customer_id: z.string().min(1) }),
});

/** 200 envelope of `PUT /customer/{id}`: the id is echoed on the documented sample, but we do not depend on it. */
export const updateResponseSchema = z.object({
  status: z.literal('success'),
  data: z.object({ customer_id: z.string().min(1).optional() }).optional(),
});

/** `POST /auth/login`: `data.access_token`, `data.expires_in` (seconds). */
export const loginResponseSchema = z.object({
  data: z.object({
    access_token: z.string().min(1),
    expires_in: z.number().positive().optional(),
  }),
});

/**
 * Error bodies, in both shapes Yativo is known to answer: the documented ones (400 `{ message, data: { error } }`,
 * 401 `{ message }`, 422 `{ message, errors: { field: [msg] } }`) and its published server's
 * (`{ status: "failed", message, data: { field: [msg] } }` for validation, `data: { error }` otherwise).
 * Each field is caught on its own, so one odd field never hides the others.
 */
const fieldMessages = z.record(z.string(), z.union([z.array(z.string()), z.string()]));

export const errorBodySchema = z.object({
  message: z.string().optional().catch(undefined),
  data: z.record(z.string(), z.unknown()).optional().catch(undefined),
  errors: fieldMessages.optional().catch(undefined),
});

/**
 * `GET /customer?email=…&page=…`: a page of customers whose email CONTAINS the one asked (SQL LIKE),
 * with Laravel's pagination. Emails must be present to be matched; a page without them fails to parse rather than
 * hiding a customer (and making a duplicate).
 */
export const customerListSchema = z.object({
  data: z.array(z.object({ customer_id: z.string().min(1), customer_email: z.string().nullable() })),
  pagination: z
    .object({ current_page: z.number().int(), last_page: z.number().int() })
    .partial()
    .optional()
    .catch(undefined),
});
