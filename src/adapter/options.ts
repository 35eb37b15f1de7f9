import { z } from 'zod';
import type { ValidationIssue } from '../model/types.js';

/**
 * The most `rateLimit.perSecond` takes: "no limit" for a provider that has none. At 10,000 (the cap before) the strict
 * spacing of 0.1 ms was itself the limit on a machine whose client does ~8,000 requests a second, one departure an
 * event-loop turn; a million spaces requests 1 µs apart, which never holds one back.
 */
export const MAX_PER_SECOND = 1_000_000;

const positiveInt = z.number().int().positive();

const retrySchema = z.strictObject({
  retries: z.number().int().min(0).max(20).optional(),
  minDelayMs: z.number().int().min(0).optional(),
  maxDelayMs: z.number().int().min(0).optional(),
  maxRetryAfterMs: z.number().int().min(0).optional(),
});

/** Keys every adapter takes, whatever the provider. */
export const commonOptionsShape = {
  baseUrl: z.string().optional(),
  rateLimit: z
    .strictObject({ perSecond: z.number().positive().max(MAX_PER_SECOND).optional(), concurrency: positiveInt.max(1_000).optional() })
    .optional(),
  retry: retrySchema.optional(),
  timeoutMs: positiveInt.optional(),
  maxResponseBytes: positiveInt.optional(),
} satisfies z.ZodRawShape;

export { retrySchema };

const LOOPBACK_HOSTS = new Set(['localhost', '[::1]', '::1']);

function isLoopback(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** `https://` is required except on loopback (the sandbox, tests): credentials must not cross a network in clear. */
export function checkBaseUrl(baseUrl: string): ValidationIssue | undefined {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return { path: 'baseUrl', message: 'must be an absolute URL' };
  }
  if (url.username !== '' || url.password !== '') {
    return { path: 'baseUrl', message: 'must not carry credentials; use the credential options' };
  }
  if (url.search !== '' || url.hash !== '') return { path: 'baseUrl', message: 'must not have a query or fragment' };
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && isLoopback(url.hostname)) return undefined;
  return { path: 'baseUrl', message: 'must use https:// (plain http:// is allowed only on loopback)' };
}

/** zod issues as ours: a dot path per problem, one issue per unknown key, messages that never quote a value. */
export function toIssues(error: z.ZodError): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const issue of error.issues) {
    const base = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        issues.push({ path: base === '' ? key : `${base}.${key}`, message: 'unknown option' });
      }
    } else if (issue.code === 'invalid_type' && issue.input === undefined) {
      issues.push({ path: base, message: 'is required' });
    } else {
      issues.push({ path: base, message: issue.message });
    }
  }
  return issues;
}
