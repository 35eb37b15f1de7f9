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
 * Error bodies: 400 `{ message, data: { error } }`, 401 `{ message }`, 422 `{ message, errors: { field: [msg] } }`,
 * others `{ message }`. Each field is caught on its own, so one odd field never hides the others.
 */
export const errorBodySchema = z.object({
  message: z.string().optional().catch(undefined),
  data: z.object({ error: z.string().optional().catch(undefined) }).optional().catch(undefined),
  errors: z
    .record(z.string(), z.union([z.array(z.string()), z.string()]))
    .optional()
    .catch(undefined),
});
