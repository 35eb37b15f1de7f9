// What a provider's folder gives the sandbox (`adapters/<id>/sandbox.ts`, reached through its definition's
// `sandbox()`): everything that knows the provider, so that the rest of src/sandbox serves any provider alike.
// Only types here, and no import that leads back to the registry: a provider's sandbox.ts imports this file, and
// the registry imports the provider's definition.
import type { Emulation, EmulationContext } from './emulation.js';

/**
 * One provider's emulation for `customer-sync sandbox`.
 * - `Credentials`: what it accepts, by name (e.g. `{ token: string }`); a `type`, not an `interface`, so that it
 *   reads as a record of strings.
 * - `Stored`: a customer as `sandbox.customers(id)` shows it.
 * - `Published`: what its emulation reads of its own settings in the `published` behaviour (`published.settings`).
 */
export interface SandboxProvider<
  Credentials extends { [K in keyof Credentials]: string } = Record<string, string>,
  Stored extends object = object,
  Published = unknown,
> {
  /** Where its API starts below its prefix, `''` or `/a/b`: a base URL is `http://host:port/<id><basePath>`. */
  readonly basePath: string;
  /** What it accepts unless the sandbox's options say otherwise. Not secrets: they open nothing but the sandbox. */
  readonly credentials: Readonly<Credentials>;
  /** A fresh emulation: no customers, tokens or keys (at start and at every `reset()`). */
  emulate(ctx: EmulationContext<Credentials, Published>): Emulation<Stored>;
  /**
   * Its options in a config file pointing at this sandbox (`{ baseUrl, token }`): what `sandbox --print-config`
   * and the demo write, so one credential form where the provider takes several.
   */
  config(baseUrl: string, credentials: Credentials): Record<string, unknown>;
  /** Settings of its own in the `published` behaviour; without it, giving it any is an error. */
  readonly published?: PublishedSettings<Published>;
}

export interface PublishedSettings<Published> {
  /**
   * The settings in force from those given in `published[<id>]` (a plain object, or `undefined` for the defaults).
   * Throws a RangeError naming the bad key under `where` (e.g. `published.<id>`). Called at start and again at every
   * `setBehaviour()` and `reset()`, so that what the settings keep (a rotation) starts over each time.
   */
  settings(given: Readonly<Record<string, unknown>> | undefined, where: string): Published;
}

/**
 * The type of each built-in provider's sandbox, by id: each `adapters/<id>/sandbox.ts` adds its own line by
 * declaration merging (`declare module '…/src/sandbox/provider.js'`), so that `sandbox.customers('<id>')` and
 * `sandbox.credentials.<id>` are typed without a list of providers in src/. types.ts checks it against the registry.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
export interface BuiltInSandboxes {}

/** The credentials a provider's sandbox accepts. */
export type CredentialsOf<T> = T extends { emulate(ctx: { credentials: infer C }): unknown }
  ? C
  : Record<string, string>;

/** A customer as a provider's sandbox keeps it. */
export type StoredOf<T> = T extends { emulate(ctx: never): { customers(): Array<infer S> } }
  ? S
  : Record<string, unknown>;

/** A provider's options in a config file pointing at its sandbox. */
export type ConfigOf<T> = T extends { config(baseUrl: string, credentials: never): infer R }
  ? R
  : Record<string, unknown>;
