import type { Reply } from './emulation.js';
import { mulberry32, randomSeed } from './ids.js';
import { FAULT_KINDS, TRANSIENT_FAULT_KINDS, type FaultKind, type Faults } from './types.js';

/** Faults that answer with a status and apply nothing. */
const STATUS_FAULTS: ReadonlyMap<FaultKind, number> = new Map([
  ['429-seconds', 429],
  ['429-date', 429],
  ['500', 500],
  ['502', 502],
  ['503', 503],
  ['401', 401],
  ['403', 403],
  ['404', 404],
  ['409', 409],
  ['422', 422],
]);

const MESSAGES: Record<number, string> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  409: 'Conflict',
  422: 'Unprocessable entity',
  429: 'Too many requests',
  500: 'Internal server error',
  502: 'Bad gateway',
  503: 'Service unavailable',
};

/** The faults of one provider: the script first, then seeded random draws. */
export class FaultPlan {
  readonly #script: Array<FaultKind | 'pass'>;
  readonly #rate: number;
  readonly #kinds: readonly FaultKind[];
  readonly #random: () => number;
  readonly retryAfterSeconds: number;
  readonly slowMs: number;
  #badBodies = 0;

  constructor(faults: Faults) {
    const { rate = 0, kinds = TRANSIENT_FAULT_KINDS, script = [], retryAfterSeconds = 1, slowMs = 1000 } = faults;
    if (!(rate >= 0 && rate <= 1)) throw new RangeError(`fault rate must be between 0 and 1, got ${rate}`);
    for (const kind of [...kinds, ...script.filter((k) => k !== 'pass')]) {
      if (!FAULT_KINDS.includes(kind)) throw new RangeError(`unknown fault kind: ${String(kind)}`);
    }
    if (rate > 0 && kinds.length === 0) throw new RangeError('fault kinds must not be empty when rate > 0');
    if (!(retryAfterSeconds >= 0)) throw new RangeError(`retryAfterSeconds must be >= 0, got ${retryAfterSeconds}`);
    if (!(slowMs >= 0)) throw new RangeError(`slowMs must be >= 0, got ${slowMs}`);
    this.#script = [...script];
    this.#rate = rate;
    this.#kinds = [...kinds];
    this.#random = mulberry32(faults.seed ?? randomSeed());
    this.retryAfterSeconds = retryAfterSeconds;
    this.slowMs = slowMs;
  }

  /** The fault for the next request, if any. */
  next(): FaultKind | undefined {
    if (this.#script.length > 0) {
      const scripted = this.#script.shift();
      // 'pass' lets one request through untouched, so a script can aim at the second request of a flow.
      return scripted === 'pass' ? undefined : scripted;
    }
    if (this.#rate === 0 || this.#random() >= this.#rate) return undefined;
    return this.#kinds[Math.floor(this.#random() * this.#kinds.length)];
  }

  /** The answer of a status fault, or `undefined` for the kinds that are not a plain status. */
  statusReply(kind: FaultKind, errorBody: (status: number, message: string) => unknown): Reply | undefined {
    const status = STATUS_FAULTS.get(kind);
    if (status === undefined) return undefined;
    const reply: Reply = { status, body: errorBody(status, MESSAGES[status] ?? 'Error') };
    if (kind === '429-seconds') reply.headers = { 'retry-after': String(this.retryAfterSeconds) };
    if (kind === '429-date') {
      // HTTP dates have whole seconds: round up, so the client never waits less than retryAfterSeconds.
      const at = Math.ceil((Date.now() + this.retryAfterSeconds * 1000) / 1000) * 1000;
      reply.headers = { 'retry-after': new Date(at).toUTCString() };
    }
    return reply;
  }

  /** A 200 that breaks the documented contract: alternately not JSON at all, then JSON of no provider's shape. */
  badBody(): Reply {
    this.#badBodies += 1;
    return this.#badBodies % 2 === 1
      ? { status: 200, raw: '{"status":"succ' }
      : { status: 200, body: { result: 'ok' } };
  }
}
