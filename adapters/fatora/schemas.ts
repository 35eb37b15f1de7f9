import { z } from 'zod';

// Response schemas parsed at the boundary: they require what we read and let every other field through.

/** Fatora client ids are integers (NOTES.md); we carry them as strings like every provider id. */
const clientId = z.number().int().positive();

/** 200 from `PUT /v1/clients/{id}` and 201 from `POST /v1/clients`. */
export const clientResponseSchema = z.object({
  status: z.literal('SUCCESS'),
  client: z.object({ id: clientId }),
});

/**
 * `GET /v1/clients?email=…`. `email` must be present (it is what we match on); `null` is tolerated and never
 * matches. A list without emails fails to parse rather than hiding an existing client (and making a duplicate).
 */
export const clientListResponseSchema = z.object({
  status: z.literal('SUCCESS'),
  clients: z.array(z.object({ id: clientId, email: z.string().nullable() })),
});

/** `GET /v1/Authorization/Authorize` on success; a bad key answers `{ status: "ERROR", error }` instead. */
export const authorizeResponseSchema = z.object({
  success: z.literal(true),
  bearer_token: z.string().min(1),
});

/** Error bodies: `{ status: "ERROR", error }`, where `error` is a string or an undocumented object. */
export const errorBodySchema = z.object({
  error: z.unknown().optional(),
  message: z.string().optional().catch(undefined),
});
