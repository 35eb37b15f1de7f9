import { createHash, hash } from 'node:crypto';
import type { Adapter } from '../adapter/adapter.js';
import type { ProviderDefinition } from '../adapter/definition.js';
import { customerModel, validateCustomer, type CustomerModel, type CustomerValidation } from '../model/customer.js';
import type { Customer } from '../model/types.js';
import { RAW_KEY_BYTES, type RawLineKey } from '../state/raw-line-index.js';
import { MAPPING_PROBES, providerIdProbes } from './mapping-probes.js';

/**
 * What besides the line decides whether an identical line needs nothing: the providers synced, their create rules,
 * and what each mapping makes of a record, read off the mapping itself (`mapping-probes.ts`) rather than off a
 * version number that someone must remember to bump. Any change there makes every line count as new once (payload
 * hashes still keep unchanged records from being sent). Short, since it prefixes every line hashed.
 */
export function rawFingerprint(adapters: readonly Adapter[]): string {
  const digest = createHash('sha256');
  for (const adapter of adapters) digest.update(`${adapterDigest(adapter)}\n`);
  return digest.digest('base64url');
}

/** A line longer than this is hashed from a buffer of its own, so one huge line does not pin a huge scratch buffer. */
const SCRATCH_BYTES = 64 * 1024;

/**
 * A line's key (`RawLineKey`): the first 128 bits of the sha256 of the fingerprint, a newline and the line's bytes —
 * the digest schema 3 stored whole, so its confirmations still match. One shot over one buffer (a Hash object per
 * line is about half as fast). The fingerprint sits once at the head of a reused scratch buffer and each line is
 * copied in after it (a `Buffer.concat` per line allocates a buffer each time: 1.2 M lines/s against 1.75 M here,
 * best of 12). The digest comes back as a 'binary' (latin1) string, see `RawLineKey`; the key is its first 16
 * characters.
 */
export function rawLineHasher(fingerprint: string): (bytes: Uint8Array) => RawLineKey {
  const prefix = Buffer.from(`${fingerprint}\n`);
  const scratch = Buffer.allocUnsafe(prefix.length + SCRATCH_BYTES);
  prefix.copy(scratch);
  return (bytes) => {
    const end = prefix.length + bytes.length;
    let data: Uint8Array;
    if (bytes.length <= SCRATCH_BYTES) {
      scratch.set(bytes, prefix.length);
      data = scratch.subarray(0, end);
    } else {
      data = Buffer.concat([prefix, bytes], end);
    }
    return hash('sha256', data, 'binary').slice(0, RAW_KEY_BYTES);
  };
}

/** An adapter's mappings never change while it lives (it is frozen), so a process digests each once. */
const digests = new WeakMap<Adapter, string>();

function adapterDigest(adapter: Adapter): string {
  let digest = digests.get(adapter);
  if (digest === undefined) {
    digest = digestAdapter(adapter);
    digests.set(adapter, digest);
  }
  return digest;
}

/** Whatever an adapter's function did: its value, or what it threw (a mapping's bug must not stop the run). */
type Attempt = { value: unknown } | { thrown: string };

function attempt(run: () => unknown): Attempt {
  try {
    return { value: run() };
  } catch (error) {
    return { thrown: describeError(error) };
  }
}

function describeError(error: unknown): string {
  try {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } catch {
    return 'an error that cannot be printed';
  }
}

/** The body of a successful `BodyResult`, to build the request that would carry it. */
function okBody(result: Attempt): Record<string, unknown> | undefined {
  if (!('value' in result)) return undefined;
  const value = result.value as { ok?: unknown; body?: unknown } | null | undefined;
  return value?.ok === true && typeof value.body === 'object' && value.body !== null
    ? (value.body as Record<string, unknown>)
    : undefined;
}

/** An id a provider could have answered a create with: how a record is addressed when it names none. */
const LEARNED_ID = 'learned-9f3c';

/** Ids a request path must encode, or refuse, whatever the record. */
const ODD_IDS: readonly string[] = ['4711', 'a/b?c#d%e f', 'ü-😀', '.', '..', '', 'x\uD800'];

function digestAdapter(adapter: Adapter): string {
  const definition = adapter.definition;
  const digest = createHash('sha256');
  const fold = (outcome: unknown): void => {
    // Not `stableStringify`: the same code builds its objects with their keys in the same order every run, which is
    // all a fingerprint needs, and sorting every object would cost more than the rest of the digest. A mapping that
    // only reorders keys counts as changed, once. Stringifying may throw (a BigInt in a body, a cycle): that is
    // folded in like any other throw.
    const text = attempt(() => JSON.stringify(outcome));
    digest.update(`${'value' in text ? String(text.value) : text.thrown}\n`);
  };
  fold({
    provider: attempt(() => adapter.id),
    createMissing: attempt(() => definition.createMissing?.(adapter.options) ?? false),
    rules: attempt(() => ({ create: definition.create?.when ?? null, lookup: definition.lookup?.key ?? null })),
    paths: ODD_IDS.map((id) => attempt(() => definition.updateRequest(id, {}))),
  });
  for (const probe of [...validatedProbes(), ...validatedIdProbes(definition)]) {
    fold(probe.ok ? probeOutcome(definition, adapter.id, probe.customer) : { invalid: probe.issues });
  }
  return digest.digest('base64url');
}

/** Everything delivery could take from the definition for this customer, as data (or what threw). */
function probeOutcome(definition: ProviderDefinition, providerId: string, customer: Customer): Record<string, unknown> {
  const update = attempt(() => definition.updateBody(customer));
  const create = definition.create;
  const created = create === undefined ? undefined : attempt(() => create.body(customer));
  const defaultId = attempt(() => definition.defaultId?.(customer));
  const outcome: Record<string, unknown> = {
    update,
    create: created ?? null,
    defaultId,
    skipReason: attempt(() => definition.skipReason(customer)),
  };
  const updateBody = okBody(update);
  if (updateBody !== undefined) {
    // The id delivery addresses the record by (DESIGN §3 "path id"), else one a create could have answered; how other
    // ids make a path is folded in once per adapter (`ODD_IDS`).
    const given = recordId(customer, providerId) ?? ('value' in defaultId ? defaultId.value : undefined);
    const id = typeof given === 'string' ? given : LEARNED_ID;
    outcome.updateRequest = requestSpec(() => definition.updateRequest(id, updateBody), updateBody);
  }
  const createBody = created === undefined ? undefined : okBody(created);
  if (create !== undefined && createBody !== undefined) {
    outcome.createRequest = requestSpec(() => create.request(createBody), createBody);
  }
  const lookup = definition.lookup;
  if (lookup !== undefined) outcome.lookup = [1, 2].map((page) => attempt(() => lookup.request(customer, page)));
  return outcome;
}

/** A request spec; the body it was built from, already folded in, is not stringified a second time. */
function requestSpec(build: () => unknown, body: Record<string, unknown>): Attempt {
  return attempt(() => {
    const spec = build();
    const same = typeof spec === 'object' && spec !== null && 'body' in spec && spec.body === body;
    return same ? { ...spec, body: '(the body above)' } : spec;
  });
}

/** The id the record itself gives for this provider, as delivery reads it. */
function recordId(customer: Customer, providerId: string): string | undefined {
  const id: unknown = Object.entries(customer.providerIds ?? {}).find(([key]) => key === providerId)?.[1];
  return id === undefined ? undefined : String(id);
}

/** The probes as the model makes them: validated once per process, since the model does not change while it runs. */
let validated: readonly CustomerValidation[] | undefined;
const validatedById = new Map<string, readonly CustomerValidation[]>();

function validatedProbes(): readonly CustomerValidation[] {
  validated ??= MAPPING_PROBES.map((record) => validateProbe(() => validateCustomer(record)));
  return validated;
}

/** Probes naming an id at this provider, read by the model that knows it (as a sync configured with it does). */
function validatedIdProbes({ id, idType }: ProviderDefinition): readonly CustomerValidation[] {
  const key = `${id}\u0000${idType ?? ''}`;
  let probes = validatedById.get(key);
  if (probes === undefined) {
    let model: CustomerModel | undefined;
    probes = providerIdProbes({ id, idType }).map((record) =>
      validateProbe(() => (model ??= customerModel([{ id, idType }])).validate(record)),
    );
    validatedById.set(key, probes);
  }
  return probes;
}

function validateProbe(validate: () => CustomerValidation): CustomerValidation {
  const result = attempt(validate);
  if (!('value' in result)) return { ok: false, customerId: undefined, issues: [{ path: '', message: result.thrown }] };
  const validation = result.value as CustomerValidation;
  // Shared by every adapter: a mapping that wrote to its customer would change what the next one is shown.
  if (validation.ok) deepFreeze(validation.customer);
  return validation;
}

function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const nested of Object.values(value)) deepFreeze(nested);
}
