import { z } from 'zod';

// BlueTape generic connector, "Update a customer" (copy: shared/providers/bluetape-update-customer.txt),
// and the create endpoint described in shared/providers/NOTES.md. Extra fields are tolerated (stripped);
// only the fields we read are required.

/** 202 to `PUT /integration/customer/{id}`: BlueTape's own id for the customer. */
export const updateResponseSchema = z.object({
  blueTapeId: z.string().min(1),
});

/** 201 to `POST /integration/customer`: the id, and a link the customer can sign up with. */
export const createResponseSchema = z.object({
  blueTapeId: z.string().min(1),
  signUpUrl: z.string().nullish(),
});

/**
 * Every documented error body, e.g. `{"code":"404","reason":"Customer not found."}`.
 * `code` is documented as a string; we do not read it, so a number is tolerated too.
 */
export const errorBodySchema = z.object({
  code: z.union([z.string(), z.number()]).optional(),
  reason: z.string().min(1),
});
