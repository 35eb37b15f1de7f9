import type { ProviderDefinition } from '../adapter/definition.js';
import { BUILT_IN } from '../providers.js';
import { BehaviourSettings, checkBehaviour } from './behaviour.js';
import type { EmulationContext } from './emulation.js';
import { createIdSource, type IdSource } from './ids.js';
import { DataFile, readDataFile, type SavedSandbox } from './persistence.js';
import type { SandboxProvider } from './provider.js';
import { listen } from './server.js';
import { ProviderSlot } from './slot.js';
import { savedCounter, StateError, type SavedState } from './state.js';
import type { Faults, PerProvider, Sandbox, SandboxCredentials, SandboxOptions } from './types.js';
import { isPlainObject } from './validate.js';

export { BEHAVIOURS, type Behaviour, type PublishedOptions } from './behaviour.js';
export type { BuiltInSandboxes, PublishedSettings, SandboxProvider } from './provider.js';
export { FAULT_KINDS, TRANSIENT_FAULT_KINDS } from './types.js';
export type {
  FaultKind,
  Faults,
  LoggedRequest,
  PerProvider,
  ProviderId,
  RateLimit,
  Sandbox,
  SandboxCredentials,
  SandboxOptions,
  SandboxProvidersConfig,
  SandboxStats,
  StoredCustomers,
} from './types.js';

/** What the sandbox needs of a provider's definition: its id, and its emulation if it has one. */
export type SandboxSource = Pick<ProviderDefinition, 'id' | 'sandbox'>;

/** A provider the sandbox serves: its emulation loaded. */
interface Served {
  id: string;
  provider: SandboxProvider;
}

const DEFAULT_HOST = '127.0.0.1';

/** Each provider's sandbox, loaded (a chunk of its own in the build) when there is one; in the order given. */
async function loadProviders(definitions: readonly SandboxSource[]): Promise<Served[]> {
  const ids = definitions.map((definition) => definition.id);
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice !== undefined) throw new TypeError(`two sandbox providers share the id ${twice}`);
  const loaded = await Promise.all(
    definitions.map(async ({ id, sandbox }) => ({ id, provider: await sandbox?.() })),
  );
  return loaded.filter((entry): entry is Served => entry.provider !== undefined);
}

/** A seed per provider (and purpose) from the sandbox's seed, so each stream is repeatable on its own. */
function derive(seed: number | undefined, index: number, salt: number): number | undefined {
  return seed === undefined ? undefined : (seed + Math.imul(index + 1, 0x9e3779b9) + salt) >>> 0;
}

/** The host as it goes in a URL: a wildcard listens on loopback too, and that is the address clients accept. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/** Every provider id an option names is served: a typo would otherwise be ignored in silence. */
function checkProviderKeys(name: string, value: unknown, served: ReadonlyMap<string, SandboxProvider>): void {
  if (value === undefined || typeof value === 'number') return;
  if (!isPlainObject(value)) throw new TypeError(`${name} must be an object by provider id`);
  for (const id of Object.keys(value)) {
    if (!served.has(id)) {
      const ids = [...served.keys()].join(', ');
      throw new TypeError(`${name}.${id}: no sandbox provider ${id} (expected one of ${ids})`);
    }
  }
}

function checkTokenTtl(value: SandboxOptions['tokenTtlSeconds']): void {
  const entries =
    typeof value === 'object'
      ? Object.entries(value).map(([id, seconds]) => [`.${id}`, seconds] as const)
      : [['', value] as const];
  for (const [where, seconds] of entries) {
    if (seconds !== undefined && !(seconds > 0))
      throw new RangeError(`tokenTtlSeconds${where} must be > 0, got ${seconds}`);
  }
}

function checkOptions(options: SandboxOptions, served: ReadonlyMap<string, SandboxProvider>): void {
  const { port = 0 } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new RangeError(`port must be an integer from 0 to 65535, got ${port}`);
  if (options.dataFile !== undefined && (typeof options.dataFile !== 'string' || options.dataFile === ''))
    throw new TypeError('dataFile must be a non-empty path');
  if (options.behaviour !== undefined) checkBehaviour(options.behaviour);
  for (const name of ['credentials', 'faults', 'rateLimits', 'latencyMs', 'tokenTtlSeconds'] as const)
    checkProviderKeys(name, options[name], served);
  checkTokenTtl(options.tokenTtlSeconds);
  for (const [id, given] of Object.entries(options.credentials ?? {})) {
    const known = Object.keys(served.get(id)?.credentials ?? {});
    for (const [field, value] of Object.entries(given ?? {})) {
      if (!known.includes(field))
        throw new TypeError(`credentials.${id}.${field}: ${id} takes ${known.join(', ')}`);
      if (typeof value !== 'string') throw new TypeError(`credentials.${id}.${field} must be a string`);
    }
  }
}

/** A value given for all providers or by id: the one of `id`. */
function valueFor<T>(value: T | PerProvider<T> | undefined, id: string): T | undefined {
  return typeof value === 'object' && value !== null ? (value as PerProvider<T>)[id] : (value as T | undefined);
}

/** A provider's part of the data file: its emulation's state and where its id stream stands. */
function savePart(slot: ProviderSlot, ids: IdSource | undefined): SavedState {
  return { ...slot.emulation.save(), ids: ids?.state() };
}

/** Takes over a provider's part of the data file; a bad part rejects naming the file and the field. */
function loadPart(slot: ProviderSlot, ids: IdSource | undefined, part: SavedState, path: string): void {
  try {
    slot.emulation.load(part);
    const at = savedCounter(part, 'ids');
    if (at !== undefined) ids?.restore(at);
  } catch (error) {
    const where = error instanceof StateError ? `providers.${slot.id}.` : `providers.${slot.id}: `;
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`sandbox data file ${path} is not a sandbox data file: ${where}${message}`, { cause: error });
  }
}

/**
 * Starts local emulations of the built-in providers (each one's `adapters/<id>/sandbox.ts`) on one loopback port.
 * Each answers under its base URL (`sandbox.urls`), checks the credentials in `sandbox.credentials`, and keeps its
 * customers in memory (and in `options.dataFile` across restarts, when given: rejects, naming the path, when that
 * file cannot be loaded). `definitions`: whose sandboxes to serve, for tests; those without one are left out.
 */
export async function startSandbox(
  options: SandboxOptions = {},
  definitions: readonly SandboxSource[] = [...BUILT_IN.values()],
): Promise<Sandbox> {
  const served = await loadProviders(definitions);
  const providers = new Map(served.map(({ id, provider }) => [id, provider]));
  const ids = [...providers.keys()];
  checkOptions(options, providers);
  const host = options.host ?? DEFAULT_HOST;
  const credentials: Record<string, Record<string, string>> = Object.fromEntries(
    served.map(({ id, provider }) => [id, { ...provider.credentials, ...options.credentials?.[id] }]),
  );
  /** Shared by every emulation; throws here, before anything listens, on a bad published setting. */
  const behaviour = new BehaviourSettings(
    new Map(served.map(({ id, provider }) => [id, provider.published])),
    options.behaviour,
    options.published,
  );
  let origin = '';
  const baseUrl = (id: string): string => `${origin}/${id}${providers.get(id)?.basePath ?? ''}`;

  const withSeed = (id: string, faults: Faults | undefined): Faults | undefined =>
    faults === undefined || faults.seed !== undefined
      ? faults
      : { ...faults, seed: derive(options.seed, ids.indexOf(id), 1) };

  /** Each provider's current id stream (a reset starts a new one). */
  const idSources = new Map<string, IdSource>();

  function makeSlot(id: string, provider: SandboxProvider): ProviderSlot {
    const seed = derive(options.seed, ids.indexOf(id), 0);
    const create = () => {
      const idSource = createIdSource(seed);
      idSources.set(id, idSource);
      const ctx: EmulationContext<Record<string, string>> = {
        credentials: credentials[id] ?? {},
        ids: idSource,
        baseUrl: () => baseUrl(id),
        tokenTtlSeconds: valueFor(options.tokenTtlSeconds, id),
        behaviour: behaviour.for(id),
      };
      return provider.emulate(ctx);
    };
    const slot = new ProviderSlot(id, provider.basePath, create, {
      faults: withSeed(id, options.faults?.[id]),
      rateLimit: options.rateLimits?.[id],
      latencyMs: valueFor(options.latencyMs, id) ?? 0,
    });
    slot.logging = options.log === true;
    return slot;
  }

  const slots = new Map(served.map(({ id, provider }) => [id, makeSlot(id, provider)]));
  const slotOf = (provider: string): ProviderSlot => {
    const slot = slots.get(provider);
    if (slot === undefined) {
      throw new TypeError(`unknown provider: ${String(provider)} (expected one of ${ids.join(', ')})`);
    }
    return slot;
  };

  let dataFile: DataFile | undefined;
  if (options.dataFile !== undefined) {
    const path = options.dataFile;
    // Read before listening, so that a bad file leaves no server behind.
    const saved = await readDataFile(path);
    for (const [id, slot] of slots) {
      const part = saved?.[id];
      if (part !== undefined) loadPart(slot, idSources.get(id), part, path);
    }
    const snapshot = (): SavedSandbox => ({
      version: 1,
      savedAt: new Date().toISOString(),
      providers: Object.fromEntries([...slots].map(([id, slot]) => [id, savePart(slot, idSources.get(id))])),
    });
    const file = new DataFile(path, snapshot);
    for (const slot of slots.values()) slot.changed = () => file.markDirty();
    dataFile = file;
  }

  const server = await listen(slots, host, options.port ?? 0);
  origin = `http://${urlHost(host)}:${server.port}`;
  const urls = Object.fromEntries(ids.map((id) => [id, baseUrl(id)])) as Sandbox['urls'];
  let closed: Promise<void> | undefined;

  return {
    providers: ids,
    urls,
    origin,
    port: server.port,
    credentials: structuredClone(credentials) as SandboxCredentials,
    customers: ((provider: string) => slotOf(provider).emulation.customers()) as Sandbox['customers'],
    providersConfig: () =>
      Object.fromEntries(
        served.map(({ id, provider }) => [id, provider.config(baseUrl(id), { ...credentials[id] })]),
      ) as ReturnType<Sandbox['providersConfig']>,
    stats: (provider) => slotOf(provider).stats.snapshot(),
    requests: (provider) => [...slotOf(provider).log],
    setFaults: (provider, faults) => slotOf(provider).setFaults(withSeed(provider, faults)),
    setRateLimit: (provider, limit) => slotOf(provider).setRateLimit(limit),
    setLatency: (provider, latencyMs) => slotOf(provider).setLatency(latencyMs),
    setLog(enabled) {
      for (const slot of slots.values()) slot.logging = enabled;
    },
    get behaviour() {
      return behaviour.mode;
    },
    setBehaviour: (mode, published) => behaviour.set(mode, published),
    reset() {
      behaviour.set(options.behaviour ?? 'documented', options.published ?? {});
      for (const slot of slots.values()) slot.reset();
      dataFile?.markDirty();
    },
    save: () => dataFile?.save() ?? Promise.resolve(),
    close: () =>
      (closed ??= (async () => {
        try {
          await server.close();
        } finally {
          await dataFile?.close();
        }
      })()),
  };
}
