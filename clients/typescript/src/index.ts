/// <reference lib="dom" /> // fetch types (BodyInit, RequestInit) the generated client uses
/**
 * Typed client for the Tollgate API. Every operation in ./generated comes from the OpenAPI document
 * (openapi.json, what /docs-json serves); regenerate both with `npm run client:generate` in the repository root.
 *
 *   const tollgate = createTollgateClient('http://localhost:8000', token);
 *   const { data } = await creditsControllerBreakdown({ client: tollgate });
 */
import { createClient, type Client } from './generated/client';

export * from './generated/sdk.gen';
export type * from './generated/types.gen';

export function createTollgateClient(baseUrl: string, token?: string | (() => string | undefined)): Client {
  return createClient({
    baseUrl,
    auth: () => (typeof token === 'function' ? token() : token),
  });
}
