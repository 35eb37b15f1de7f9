import { PROVIDER_IDS } from '../providers.js';
import { BehaviourSettings, checkBehaviour } from './behaviour.js';
import { resolveCredentials } from './credentials.js';
import type { EmulationContext } from './emulation.js';
import { createIdSource, type IdSource } from './ids.js';
import { DataFile, readDataFile, type SavedSandbox } from './persistence.js';
import { PROVIDERS, type ProviderEntry } from './registry.js';
import { listen } from './server.js';
import { ProviderSlot } from './slot.js';
import { savedCounter, StateError, type SavedState } from './state.js';
import type { Faults, ProviderId, Sandbox, SandboxCredentials, SandboxOptions } from './types.js';

export { SANDBOX_CREDENTIALS } from './credentials.js';
export { BEHAVIOURS, FAULT_KINDS, IC_CONFLICT_SHAPES, TRANSIENT_FAULT_KINDS } from './types.js';
export type {
  Behaviour,
  BlueTapeStoredCustomer,
  FatoraClient,
  FaultKind,
  Faults,
  IcConflictShape,
  InvisibleCollectorCustomer,
  LoggedRequest,
  ProviderId,
  PublishedOptions,
  RateLimit,
  Sandbox,
  SandboxCredentials,
  SandboxOptions,
  SandboxStats,
  StoredCustomers,
  YativoStoredCustomer,
} from './types.js';

const DEFAULT_HOST = '127.0.0.1';

/** A seed per provider (and purpose) from the sandbox's seed, so each stream is repeatable on its own. */
function derive(seed: number | undefined, index: number, salt: number): number | undefined {
  return seed === undefined ? undefined : (seed + Math.imul(index + 1, 0x9e3779b9) + salt) >>> 0;
}

/** The host as it goes in a URL: a wildcard listens on loopback too, and that is the address clients accept. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

function checkOptions(options: SandboxOptions): void {
  const { port = 0, yativoTokenTtlSeconds = 600 } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new RangeError(`port must be an integer from 0 to 65535, got ${port}`);
  if (!(yativoTokenTtlSeconds > 0))
    throw new RangeError(`yativoTokenTtlSeconds must be > 0, got ${yativoTokenTtlSeconds}`);
  if (options.dataFile !== undefined && (typeof options.dataFile !== 'string' || options.dataFile === ''))
    throw new TypeError('dataFile must be a non-empty path');
  if (options.behaviour !== undefined) checkBehaviour(options.behaviour);
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
 * Starts local emulations of the four providers on one loopback port. Each answers under its base URL
 * (`sandbox.urls`), checks the credentials in `sandbox.credentials`, and keeps its customers in memory (and in
 * `options.dataFile` across restarts, when given: rejects, naming the path, when that file cannot be loaded).
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  checkOptions(options);
  const host = options.host ?? DEFAULT_HOST;
  const credentials = resolveCredentials(options.credentials);
  const tokenTtlSeconds = options.yativoTokenTtlSeconds ?? 600;
  /** Shared by the four emulations; throws here, before anything listens, on a bad published setting. */
  const behaviour = new BehaviourSettings(options.behaviour, options.published);
  let origin = '';
  const baseUrl = (id: ProviderId): string => `${origin}/${id}${PROVIDERS[id].basePath}`;

  const withSeed = (id: ProviderId, faults: Faults | undefined): Faults | undefined =>
    faults === undefined || faults.seed !== undefined
      ? faults
      : { ...faults, seed: derive(options.seed, PROVIDER_IDS.indexOf(id), 1) };

  const latencyOf = (id: ProviderId): number => {
    const { latencyMs = 0 } = options;
    return typeof latencyMs === 'number' ? latencyMs : (latencyMs[id] ?? 0);
  };

  /** Each provider's current id stream (a reset starts a new one). */
  const idSources = new Map<ProviderId, IdSource>();

  function makeSlot<P extends ProviderId>(id: P): ProviderSlot<P> {
    const entry = PROVIDERS[id] as ProviderEntry<P>;
    const seed = derive(options.seed, PROVIDER_IDS.indexOf(id), 0);
    const create = () => {
      const ids = createIdSource(seed);
      idSources.set(id, ids);
      const ctx: EmulationContext<P> = {
        credentials: credentials[id],
        ids,
        baseUrl: () => baseUrl(id),
        tokenTtlSeconds,
        behaviour,
      };
      return entry.create(ctx);
    };
    const slot = new ProviderSlot(id, entry.basePath, create, {
      faults: withSeed(id, options.faults?.[id]),
      rateLimit: options.rateLimits?.[id],
      latencyMs: latencyOf(id),
    });
    slot.logging = options.log === true;
    return slot;
  }

  const slots = new Map<ProviderId, ProviderSlot>(PROVIDER_IDS.map((id) => [id, makeSlot(id)]));
  const slotOf = (provider: string): ProviderSlot => {
    const slot = slots.get(provider as ProviderId);
    if (slot === undefined) {
      throw new TypeError(`unknown provider: ${String(provider)} (expected one of ${PROVIDER_IDS.join(', ')})`);
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
      providers: Object.fromEntries(
        [...slots].map(([id, slot]) => [id, savePart(slot, idSources.get(id))]),
      ) as SavedSandbox['providers'],
    });
    const file = new DataFile(path, snapshot);
    for (const slot of slots.values()) slot.changed = () => file.markDirty();
    dataFile = file;
  }

  const server = await listen(slots, host, options.port ?? 0);
  origin = `http://${urlHost(host)}:${server.port}`;
  const urls = Object.fromEntries(PROVIDER_IDS.map((id) => [id, baseUrl(id)])) as Record<ProviderId, string>;
  let closed: Promise<void> | undefined;

  return {
    urls,
    origin,
    port: server.port,
    credentials: structuredClone(credentials) satisfies SandboxCredentials,
    customers: ((provider: string) => slotOf(provider).emulation.customers()) as Sandbox['customers'],
    stats: (provider) => slotOf(provider).stats.snapshot(),
    requests: (provider) => [...slotOf(provider).log],
    setFaults: (provider, faults) => slotOf(provider).setFaults(withSeed(provider as ProviderId, faults)),
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
