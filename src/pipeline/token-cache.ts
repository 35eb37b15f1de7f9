/** What a token exchange returns. */
export interface FetchedToken {
  token: string;
  /** Lifetime from the moment the exchange was sent; absent = valid until the provider refuses it. */
  expiresInSeconds?: number | undefined;
}

export interface TokenCacheOptions {
  /** @default Date.now */
  now?: () => number;
  /** Largest refresh margin before expiry. @default 60000 */
  maxMarginMs?: number;
  /** Margin as a share of the lifetime, used when smaller than `maxMarginMs`. @default 0.1 */
  marginRatio?: number;
}

/**
 * One bearer token for one provider. Refreshed a little before it expires, fetched by one request at a time
 * however many callers wait for it, and dropped at most once per 401 (DESIGN §3).
 */
export class TokenCache {
  private readonly now: () => number;
  private readonly maxMarginMs: number;
  private readonly marginRatio: number;
  private current: { token: string; refreshAt: number } | undefined;
  private inflight: Promise<string> | undefined;

  constructor(
    private readonly fetchToken: () => Promise<FetchedToken>,
    options: TokenCacheOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.maxMarginMs = options.maxMarginMs ?? 60_000;
    this.marginRatio = options.marginRatio ?? 0.1;
  }

  /** The cached token, or the one being fetched, or a new fetch. A failed fetch rejects every waiter. */
  get(): Promise<string> {
    if (this.current && this.now() < this.current.refreshAt) return Promise.resolve(this.current.token);
    this.inflight ??= this.refresh();
    return this.inflight;
  }

  /** The token now cached, without fetching; for tests and diagnostics. */
  peek(): string | undefined {
    return this.current?.token;
  }

  /**
   * Forgets `token` if it is still the current one. Callers that got a 401 with an older token do nothing,
   * so N concurrent 401s cause one refresh, not N.
   */
  invalidate(token: string): void {
    if (this.current?.token === token) this.current = undefined;
  }

  private async refresh(): Promise<string> {
    const startedAt = this.now();
    try {
      // Deferred call: a fetch that throws synchronously must still clear `inflight` after it was assigned.
      const fetched = await Promise.resolve().then(() => this.fetchToken());
      this.current = { token: fetched.token, refreshAt: this.refreshAt(startedAt, fetched.expiresInSeconds) };
      return fetched.token;
    } finally {
      this.inflight = undefined;
    }
  }

  private refreshAt(startedAt: number, expiresInSeconds: number | undefined): number {
    if (expiresInSeconds === undefined || !Number.isFinite(expiresInSeconds)) return Number.POSITIVE_INFINITY;
    const lifetimeMs = Math.max(0, expiresInSeconds * 1000);
    const marginMs = Math.min(this.maxMarginMs, lifetimeMs * this.marginRatio);
    // Counted from when the exchange was sent: the provider's clock started no later than that.
    return startedAt + lifetimeMs - marginMs;
  }
}
