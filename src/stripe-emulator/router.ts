import type { Ctx } from './ctx';
import { expand } from './expand';
import type { Params } from './params';
import { snapshot } from './store';
import type { ParamObject } from './types';

export interface ApiRequest {
  ctx: Ctx;
  method: string;
  path: string;
  body: ParamObject;
  pathParams: Record<string, string>;
}

export type Handler = (req: ApiRequest) => unknown;

interface Route {
  method: string;
  regex: RegExp;
  names: string[];
  handler: Handler;
}

/** Minimal method + path-pattern router (`/v1/customers/:id`). */
export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler): this {
    const names: string[] = [];
    const regex = new RegExp(
      '^' +
        pattern.replace(/:([a-z_]+)/g, (_m, name: string) => {
          names.push(name);
          return '([^/]+)';
        }) +
        '$',
    );
    this.routes.push({ method, regex, names, handler });
    return this;
  }

  match(
    method: string,
    path: string,
  ): { handler: Handler; pathParams: Record<string, string> } | 'method' | undefined {
    let pathMatched = false;
    for (const r of this.routes) {
      const m = r.regex.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (r.method !== method) continue;
      const pathParams: Record<string, string> = {};
      r.names.forEach((n, i) => (pathParams[n] = decodeURIComponent(m[i + 1])));
      return { handler: r.handler, pathParams };
    }
    return pathMatched ? 'method' : undefined;
  }
}

/** Copy an object for the response and apply `expand[]`. */
export function respond<T>(ctx: Ctx, obj: T, params?: Params): T {
  return expand(snapshot(obj), params?.expand() ?? [], ctx.store);
}
