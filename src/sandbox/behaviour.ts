// Which behaviour the emulations follow: the providers' documentation (the default) or their published code
// (shared/providers/NOTES.md, "What the providers' public code shows"). One setting for the whole sandbox, read by
// each emulation per request, so that `sandbox.setBehaviour()` takes effect at the next request. Providers may have
// settings of their own in the published behaviour; each checks its own (`SandboxProvider.published`).
import type { ProviderBehaviour } from './emulation.js';
import type { PublishedSettings } from './provider.js';
import { isPlainObject } from './validate.js';

/**
 * Which behaviour the emulations follow:
 * - `documented`: the providers' pages (shared/providers/*.txt and NOTES.md), as the sandbox always did;
 * - `published`: what the providers' published code does where it differs from the pages (NOTES.md, "What the
 *   providers' public code shows"). A provider with no known difference behaves the same in both.
 */
export type Behaviour = 'documented' | 'published';

export const BEHAVIOURS: readonly Behaviour[] = ['documented', 'published'];

/**
 * Settings of the `published` behaviour, by provider id: `{ "<id>": { …its own settings } }`. Which settings a
 * provider takes is its own business (src/sandbox/README.md lists them); any other is refused.
 */
export type PublishedOptions = { readonly [providerId: string]: Readonly<Record<string, unknown>> | undefined };

export function checkBehaviour(value: unknown): Behaviour {
  if (typeof value === 'string' && (BEHAVIOURS as readonly string[]).includes(value)) return value as Behaviour;
  throw new RangeError(`behaviour must be one of ${BEHAVIOURS.join(', ')}, got ${String(value)}`);
}

/** The sandbox's behaviour in force, shared by every emulation (and kept out of the data file). */
export class BehaviourSettings {
  #mode: Behaviour = 'documented';
  #given: PublishedOptions = {};
  /** Each provider's settings in force, made anew at every `set()`. */
  #settings = new Map<string, unknown>();

  /** `providers`: each provider served, with its published settings if it has any. */
  constructor(
    private readonly providers: ReadonlyMap<string, PublishedSettings<unknown> | undefined>,
    mode: Behaviour = 'documented',
    published: PublishedOptions = {},
  ) {
    this.set(mode, published);
  }

  get mode(): Behaviour {
    return this.#mode;
  }

  /**
   * Switches behaviour; `published` replaces the published-mode settings when given (else they stay). Either way
   * every provider's settings start over (a rotation from its first step). Throws, changing nothing, on a bad value.
   */
  set(mode: Behaviour, published?: PublishedOptions): void {
    const checked = checkBehaviour(mode);
    const given = published ?? this.#given;
    const settings = this.#settingsFrom(given);
    this.#mode = checked;
    this.#given = given;
    this.#settings = settings;
  }

  /** The behaviour as one provider reads it, per request. */
  for(id: string): ProviderBehaviour {
    const published = (): boolean => this.#mode === 'published';
    const settings = (): unknown => this.#settings.get(id);
    return {
      get published() {
        return published();
      },
      get settings() {
        return settings();
      },
    };
  }

  #settingsFrom(given: unknown): Map<string, unknown> {
    if (!isPlainObject(given)) throw new RangeError('published must be an object of settings by provider id');
    for (const [id, settings] of Object.entries(given)) {
      if (!this.providers.has(id)) {
        const served = [...this.providers.keys()].join(', ');
        throw new RangeError(`published.${id}: no sandbox provider ${id} (expected one of ${served})`);
      }
      if (settings !== undefined && !isPlainObject(settings))
        throw new RangeError(`published.${id} must be an object of settings`);
      if (settings !== undefined && this.providers.get(id) === undefined)
        throw new RangeError(`published.${id}: ${id} has no settings of its own in the published behaviour`);
    }
    const out = new Map<string, unknown>();
    for (const [id, hook] of this.providers) {
      const own = given[id] as Readonly<Record<string, unknown>> | undefined;
      if (hook !== undefined) out.set(id, hook.settings(own, `published.${id}`));
    }
    return out;
  }
}
