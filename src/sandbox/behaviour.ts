// Which behaviour the emulations follow: the providers' documentation (the default) or their published code
// (shared/providers/NOTES.md, "What the providers' public code shows"). One setting for the whole sandbox, read by
// each emulation per request, so that `sandbox.setBehaviour()` takes effect at the next request.
import { BEHAVIOURS, IC_CONFLICT_SHAPES, type Behaviour, type IcConflictShape, type PublishedOptions } from './types.js';

/** The order Invisible Collector's published 409s name the existing customer in, one 409 after another. */
const ROTATION: readonly IcConflictShape[] = ['gid', 'id', 'none'];

export function checkBehaviour(value: unknown): Behaviour {
  if (typeof value === 'string' && (BEHAVIOURS as readonly string[]).includes(value)) return value as Behaviour;
  throw new RangeError(`behaviour must be one of ${BEHAVIOURS.join(', ')}, got ${String(value)}`);
}

function checkPublished(published: PublishedOptions): IcConflictShape | 'rotate' {
  const { icConflictShape = 'rotate' } = published;
  if (icConflictShape !== 'rotate' && !IC_CONFLICT_SHAPES.includes(icConflictShape))
    throw new RangeError(
      `published.icConflictShape must be rotate, ${IC_CONFLICT_SHAPES.join(', ')}, got ${String(icConflictShape)}`,
    );
  return icConflictShape;
}

/** The sandbox's behaviour in force, shared by the four emulations (and kept out of the data file). */
export class BehaviourSettings {
  #mode: Behaviour = 'documented';
  #icConflictShape: IcConflictShape | 'rotate' = 'rotate';
  /** Invisible Collector's published 409s answered since the behaviour was last set. */
  #conflicts = 0;

  constructor(mode: Behaviour = 'documented', published: PublishedOptions = {}) {
    this.set(mode, published);
  }

  get mode(): Behaviour {
    return this.#mode;
  }

  /** Follow the providers' published code rather than their pages. */
  get published(): boolean {
    return this.#mode === 'published';
  }

  /**
   * Switches behaviour; `published` replaces the published-mode settings when given (else they stay). Either way
   * the rotation of Invisible Collector's 409 shapes starts over (its next published 409 names a `gid`).
   */
  set(mode: Behaviour, published?: PublishedOptions): void {
    const checked = checkBehaviour(mode);
    const shape = published === undefined ? this.#icConflictShape : checkPublished(published);
    this.#mode = checked;
    this.#icConflictShape = shape;
    this.#conflicts = 0;
  }

  /** How the next published 409 of Invisible Collector names the existing customer: forced, or gid → id → none → … */
  nextIcConflictShape(): IcConflictShape {
    if (this.#icConflictShape !== 'rotate') return this.#icConflictShape;
    const shape = ROTATION[this.#conflicts % ROTATION.length] ?? 'gid';
    this.#conflicts += 1;
    return shape;
  }
}
