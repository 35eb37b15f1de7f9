import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import {
  createJsonSchemaTransform,
  createJsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CustomerValidationError } from '../errors/validation-error.js';
import { maskPersonalData } from '../errors/mask.js';
import { customerModel, type CustomerModel } from '../model/customer.js';
import type { PushResult } from '../push/engine.js';
import { bearerCheck } from './auth.js';
import { outcomesBody } from './outcomes.js';
import { acceptedBody, errorBody, healthBody, issuesBody, jobBody, jobParams, outcomesBody as outcomesSchema, type JobBody } from './schemas.js';

/** @default 1 MiB, as the config's `serve.maxBodyBytes`. */
export const DEFAULT_MAX_BODY_BYTES = 1_048_576;

/** What the service pushes or queues with: `createCustomerSync()`'s `push` and `enqueue`. */
export interface ServeSync {
  push(customer: unknown): Promise<PushResult>;
  enqueue(customer: unknown): Promise<{ jobId: string }>;
}

/** How a queued push ended, by job id; `undefined` for a job the queue does not know (or no longer keeps). */
export interface JobReader {
  status(jobId: string): Promise<JobBody | undefined>;
}

/** Renders the Prometheus exposition served at `/metrics` (src/metrics). */
export interface MetricsSource {
  render(): Promise<{ contentType: string; body: string }>;
}

/** What the server logs: pino's call shape, so the CLI's logger fits. */
export interface ServeLog {
  info(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface ServerOptions {
  sync: ServeSync;
  /** Bearer tokens accepted on /v1/* (at least one; none empty). */
  tokens: readonly string[];
  /** @default DEFAULT_MAX_BODY_BYTES */
  maxBodyBytes?: number | undefined;
  /** Queue mode: POST /v1/customers enqueues (202) and GET /v1/jobs/{id} reads jobs here. */
  queue?: JobReader | undefined;
  metrics?: MetricsSource | undefined;
  /** The model the sync validates with (providers of the user's own in `providerIds`): documented as `Customer`. */
  model?: CustomerModel | undefined;
  log?: ServeLog | undefined;
}

export interface CustomerServer {
  readonly app: FastifyInstance;
  /** Listens; resolves with the address, e.g. `http://127.0.0.1:8080`. */
  listen(options: { port: number; host: string }): Promise<string>;
  /** /healthz answers 503 from now on; new connections are refused, requests in flight finish. */
  close(): Promise<void>;
}

/** Routes anyone may call (by their pattern): everything else, unknown paths included, needs a token. */
const PUBLIC_ROUTES: ReadonlySet<string> = new Set(['/healthz', '/openapi.json', '/metrics']);

const JSON_ONLY = 'send the customer as JSON (Content-Type: application/json)';

/**
 * The HTTP service of `customer-sync serve`: POST /v1/customers pushes (or queues) one customer, GET /v1/jobs/{id}
 * says how a queued one ended, /healthz, /openapi.json (generated from the zod schemas below and the customer model),
 * and /metrics when given. The body is validated by the sync itself (`push`/`enqueue` throw a
 * `CustomerValidationError` listing every issue), so an answer's 422 says exactly what the library and the CLI say.
 */
export async function buildServer(options: ServerOptions): Promise<CustomerServer> {
  const authorized = bearerCheck(options.tokens);
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const model = options.model ?? customerModel();
  const log = options.log;
  const queue = options.queue;
  let draining = false;

  // Fastify's own logger stays off: it would log URLs and errors as they come; ours logs what we choose.
  // requestTimeout bounds the receiving of a request (a client trickling its body holds a socket), not the push.
  const app = Fastify({ logger: false, bodyLimit: maxBodyBytes, return503OnClosing: true, requestTimeout: 30_000 }).withTypeProvider<ZodTypeProvider>();
  // The body is the sync's to validate (its messages, every issue at once); parameters are checked by zod here.
  app.setValidatorCompiler((route) => (route.httpPart === 'body' ? (data: unknown) => ({ value: data }) : validatorCompiler(route as Parameters<typeof validatorCompiler>[0])));
  app.setSerializerCompiler(serializerCompiler);
  // JSON only: fastify also parses text/plain by default, which would make a string of the body.
  app.removeContentTypeParser('text/plain');

  const documents = z.registry<{ id: string }>();
  documents.add(model.schema, { id: 'Customer' });
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'customer-sync', description: 'Push one customer to every configured provider.', version: '1' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
    transform: createJsonSchemaTransform({ schemaRegistry: documents }),
    transformObject: customerNamed(createJsonSchemaTransformObject({ schemaRegistry: documents })),
  });

  app.addHook('onRequest', async (request, reply) => {
    if (PUBLIC_ROUTES.has(request.routeOptions.url ?? '') || authorized(request.headers.authorization)) return;
    await reply.code(401).header('WWW-Authenticate', 'Bearer').send({ error: 'a valid bearer token is required (Authorization: Bearer …)' });
  });
  // A request in flight when shutdown began leaves its connection idle, kept alive for the client: without this, the
  // server would wait out the keep-alive timeout before it could close.
  app.addHook('onSend', async (_request, reply) => {
    if (draining) reply.header('Connection', 'close');
  });
  if (log) {
    app.addHook('onResponse', async (request, reply) => {
      // The route's pattern, not the URL: no query string, nothing a caller put in the path.
      log.info({ method: request.method, route: request.routeOptions.url ?? '(no route)', status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
    });
  }
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: 'not found' }));
  app.setErrorHandler((error: FastifyError, request, reply) => answerError(error, request, reply, maxBodyBytes, log));

  app.post(
    '/v1/customers',
    {
      schema: {
        summary: queue ? 'Validate one customer and queue its push for the workers' : 'Validate one customer and push it to every provider',
        security: [{ bearer: [] }],
        body: model.schema,
        response: {
          200: json('Pushed: one outcome per provider, also when some failed (serve without --queue)', outcomesSchema),
          202: json('Queued for the workers (serve --queue)', acceptedBody),
          400: json('The body is not JSON', errorBody),
          401: json('No valid bearer token', errorBody),
          413: json('The body is larger than serve.maxBodyBytes', errorBody),
          415: json('The body is not application/json', errorBody),
          422: json('The customer is not valid: every issue', issuesBody),
        },
      },
    },
    async (request, reply) => {
      // Without a body fastify parses nothing, whatever the type: no type at all is not JSON either.
      if (request.headers['content-type'] === undefined) return reply.code(415).send({ error: JSON_ONLY });
      try {
        if (queue) return await reply.code(202).send(await options.sync.enqueue(request.body));
        return await reply.code(200).send(outcomesBody(await options.sync.push(request.body)));
      } catch (error) {
        if (error instanceof CustomerValidationError) return reply.code(422).send({ issues: [...error.issues] });
        throw error;
      }
    },
  );

  if (queue) {
    app.get(
      '/v1/jobs/:id',
      {
        schema: {
          summary: 'How a queued push ended',
          security: [{ bearer: [] }],
          params: jobParams,
          response: {
            200: json('The job: waiting, active, completed (with the outcomes) or failed', jobBody),
            401: json('No valid bearer token', errorBody),
            404: json('No such job (completed jobs are kept 1 hour, failed ones 7 days)', errorBody),
          },
        },
      },
      async (request, reply) => {
        const job = await queue.status(request.params.id);
        if (job === undefined) return reply.code(404).send({ error: 'no such job' });
        return reply.send(job);
      },
    );
  }

  app.get(
    '/healthz',
    { schema: { summary: 'Liveness', response: { 200: json('Serving', healthBody), 503: json('Shutting down: requests in flight are finishing', healthBody) } } },
    async (_request, reply) => (draining ? reply.code(503).send({ status: 'shutting down' }) : reply.send({ status: 'ok' })),
  );
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  const metrics = options.metrics;
  if (metrics) {
    app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
      const { contentType, body } = await metrics.render();
      return reply.type(contentType).send(body);
    });
  }
  await app.ready();

  return {
    app,
    async listen({ port, host }) {
      await app.listen({ port, host });
      const address = app.server.address();
      const where = typeof address === 'object' && address !== null ? address : { address: host, port, family: 'IPv4' };
      return `http://${where.family === 'IPv6' ? `[${where.address}]` : where.address}:${where.port}`;
    },
    async close() {
      draining = true;
      await app.close();
    },
  };
}

/** An answer documented with its description (a bare schema would be documented as "Default Response"). */
function json<T extends z.ZodType>(description: string, schema: T): { description: string; content: { 'application/json': { schema: T } } } {
  return { description, content: { 'application/json': { schema } } };
}

type TransformObject = ReturnType<typeof createJsonSchemaTransformObject>;

/**
 * The customer as callers send it is the model's input side, which fastify-type-provider-zod names `CustomerInput`
 * (its output, the normalized record, is a transform JSON Schema cannot say). Client generators make type names of
 * these: the document calls it `Customer`, and drops the empty output.
 */
function customerNamed(transform: TransformObject): TransformObject {
  return (document) => {
    const generated = transform(document);
    const text = JSON.stringify(generated).replaceAll('"#/components/schemas/CustomerInput"', '"#/components/schemas/Customer"');
    const renamed = JSON.parse(text) as typeof generated & { components?: { schemas?: Record<string, unknown> } };
    const schemas = renamed.components?.schemas;
    if (schemas && 'CustomerInput' in schemas) {
      schemas.Customer = schemas.CustomerInput;
      delete schemas.CustomerInput;
    }
    return renamed;
  };
}

/** Fastify's request errors by code: the answer's status and our own words (its messages may quote the body). */
const REQUEST_ERRORS: Readonly<Record<string, { status: number; error: (max: number) => string }>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, error: (max) => `the body is larger than ${max} bytes (serve.maxBodyBytes)` },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, error: () => JSON_ONLY },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, error: () => 'the Content-Length does not match the body' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, error: () => 'the body is empty: send the customer as JSON' },
};

function answerError(error: FastifyError, request: FastifyRequest, reply: FastifyReply, maxBodyBytes: number, log: ServeLog | undefined): FastifyReply {
  const known = REQUEST_ERRORS[error.code];
  if (known) return reply.code(known.status).send({ error: known.error(maxBodyBytes) });
  if (error.validation) return reply.code(400).send({ error: `invalid ${error.validationContext ?? 'request'}` });
  // The JSON parser's errors (a syntax error, a __proto__ key) carry status 400; their messages quote the body.
  if (error.statusCode === 400) return reply.code(400).send({ error: 'the body is not valid JSON' });
  log?.error({ method: request.method, route: request.routeOptions.url ?? '(no route)', error: maskPersonalData(`${error.name}: ${error.message}`) }, 'request failed');
  return reply.code(500).send({ error: 'internal error: see the server log' });
}
