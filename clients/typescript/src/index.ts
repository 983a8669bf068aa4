/// <reference lib="dom" preserve="true" />
// DOM: the fetch types (BodyInit, RequestInit) the generated client uses, kept in the published .d.ts too.
/**
 * Typed client for the Tollgate API. Every operation in ./generated comes from the OpenAPI document
 * (openapi.json, what /docs-json serves); regenerate both with `npm run client:generate` in the repository root.
 *
 *   const tollgate = createTollgateClient('http://localhost:8000', token);
 *   const { data } = await creditsControllerBreakdown({ client: tollgate });
 */
import { createClient, type Client } from './generated/client/index.js';
import type { ErrorCode, ErrorResponseDto } from './generated/types.gen.js';

export * from './generated/sdk.gen.js';
export type * from './generated/types.gen.js';
export type { Client };

/**
 * Every error answer of the API (docs/errors.md): `{statusCode, code, message, detail, request_id}` plus the
 * fields some codes add (`requested`/`available`, `feature`/`current_plan`/`required_plan`, `allowed`,
 * `decline_code`). Branch on `code`; `message` is for people and may be reworded.
 */
export type TollgateError = ErrorResponseDto;

/** True for an API error body (what `result.error` holds after a 4xx or 5xx answer). */
export function isTollgateError(value: unknown): value is TollgateError {
  if (typeof value !== 'object' || value === null) return false;
  const body = value as Record<string, unknown>;
  return (
    typeof body.code === 'string' && typeof body.statusCode === 'number' && typeof body.message === 'string'
  );
}

/** True for an API error body with this code: `if (hasErrorCode(res.error, 'INSUFFICIENT_CREDITS')) …`. */
export function hasErrorCode<C extends ErrorCode>(
  value: unknown,
  code: C,
): value is TollgateError & { code: C } {
  return isTollgateError(value) && value.code === code;
}

/** A client for a browser or app user: `token` is their access token (or a function returning the current one). */
export function createTollgateClient(baseUrl: string, token?: string | (() => string | undefined)): Client {
  return createClient({
    baseUrl,
    auth: () => (typeof token === 'function' ? token() : token),
  });
}

export interface ApiKeyClientOptions {
  /** Your id for the user the calls act for, sent as `X-Tollgate-User` (user routes need it; /admin and PUT /users do not). */
  user?: string;
}

/**
 * A client for your backend: authenticated by an API key (`tg_…`, from POST /admin/api-keys) and, with `user`,
 * acting for one of your users. Create one per user (it is cheap), or one without `user` for PUT /users/{id}.
 */
export function createTollgateApiKeyClient(
  baseUrl: string,
  apiKey: string,
  options: ApiKeyClientOptions = {},
): Client {
  return createClient({
    baseUrl,
    auth: () => apiKey,
    headers: options.user === undefined ? undefined : { 'X-Tollgate-User': options.user },
  });
}
