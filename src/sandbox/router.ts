import type { Route } from './emulation.js';

type Segment = { literal: string } | { param: string };

export interface CompiledRoute {
  route: Route;
  segments: Segment[];
}

export type RouteMatch =
  | { kind: 'route'; route: Route; params: Record<string, string> }
  /** The path exists with other methods: a 405 naming them. */
  | { kind: 'method'; allowed: string[] }
  | { kind: 'none' };

export function compileRoutes(routes: readonly Route[]): CompiledRoute[] {
  return routes.map((route) => ({
    route,
    segments: route.path
      .split('/')
      .slice(1)
      .map((part) => (part.startsWith(':') ? { param: part.slice(1) } : { literal: part })),
  }));
}

/** Path parameters, percent-decoded; `undefined` when the path is not this route's (or is badly encoded). */
function paramsOf(compiled: CompiledRoute, parts: readonly string[]): Record<string, string> | undefined {
  if (compiled.segments.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i += 1) {
    const segment = compiled.segments[i];
    const part = parts[i] ?? '';
    if (segment === undefined) return undefined;
    if ('literal' in segment) {
      if (segment.literal !== part) return undefined;
    } else {
      try {
        params[segment.param] = decodeURIComponent(part);
      } catch {
        return undefined;
      }
    }
  }
  return params;
}

/** The first route matching method and path; routes are tried in order, so literals go before parameters. */
export function matchRoute(routes: readonly CompiledRoute[], method: string, parts: readonly string[]): RouteMatch {
  const allowed: string[] = [];
  for (const compiled of routes) {
    const params = paramsOf(compiled, parts);
    if (params === undefined) continue;
    if (compiled.route.method === method) return { kind: 'route', route: compiled.route, params };
    if (!allowed.includes(compiled.route.method)) allowed.push(compiled.route.method);
  }
  return allowed.length > 0 ? { kind: 'method', allowed } : { kind: 'none' };
}
