import type { OpenAPIObject } from '@nestjs/swagger';
import { codesFor, errorExamples, ownStatuses } from './openapi-errors';
import { ERROR_DESCRIPTIONS } from './swagger';

type Operation = {
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ name: string; in: string; [k: string]: unknown }>;
  requestBody?: unknown;
  responses: Record<string, unknown>;
  [extension: `x-${string}`]: unknown;
};

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'] as const;

/** Liveness answers from memory: no database, so no 503; and, like all probes, it is exempt from ALLOWED_HOSTS. */
const LIVENESS = '/health/live';

/**
 * Makes the generated document tell the truth about what the filter, guards and parsers really answer, so no
 * controller has to repeat it: public operations (x-public, from @Public()) need no credential; every operation
 * may answer 500 and, except liveness, 503 (a dependency down) and 400 (bad input, or HOST_NOT_ALLOWED); a
 * non-public one 401; a throttled one (not x-not-throttled) 429; one with a body 413 and 415. Header parameters
 * declared twice (by @Headers() and @ApiHeader()) are kept once.
 */
export function finalizeOpenApi(
  document: OpenAPIObject,
  hostExemptPaths: ReadonlySet<string>,
): OpenAPIObject {
  const errorRef = { $ref: '#/components/schemas/ErrorResponseDto' };
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const op = (item as Record<string, Operation | undefined>)[method];
      if (!op) continue;
      const isPublic = op['x-public'] === true;
      const add = (status: number) => {
        op.responses[String(status)] ??= {
          description: ERROR_DESCRIPTIONS[status],
          content: { 'application/json': { schema: errorRef } },
        };
      };
      if (isPublic) op.security = [];
      delete op['x-public'];
      const throttled = op['x-not-throttled'] !== true;
      delete op['x-not-throttled'];
      op.parameters = dedupeHeaders(op.parameters);
      const hasInput = Boolean(op.requestBody) || (op.parameters?.length ?? 0) > 0;
      if (hasInput || !hostExemptPaths.has(path)) add(400);
      if (!isPublic) add(401);
      if (op.requestBody) {
        add(413);
        add(415);
      }
      if (throttled) add(429);
      add(500);
      if (path !== LIVENESS) add(503);
      const operation = `${method.toUpperCase()} ${path}`;
      for (const status of ownStatuses(operation)) add(status);
      addExamples(operation, op.responses, errorRef);
    }
  }
  return document;
}

/** Each error response shows one example per code this route really answers with that status. */
function addExamples(operation: string, responses: Operation['responses'], schema: object): void {
  for (const [status, response] of Object.entries(responses)) {
    const codes = Number(status) >= 400 ? codesFor(operation, Number(status)) : [];
    if (codes.length === 0) continue;
    const r = response as { content?: Record<string, { schema?: object; examples?: object }> };
    r.content ??= {};
    r.content['application/json'] = {
      schema: r.content['application/json']?.schema ?? schema,
      examples: errorExamples(codes),
    };
  }
}

/** Header names are case-insensitive: of two declarations keep the richer one (@ApiHeader's, with a description). */
function dedupeHeaders(parameters: Operation['parameters']): Operation['parameters'] {
  if (!parameters) return parameters;
  const kept = new Map<string, (typeof parameters)[number]>();
  const out: typeof parameters = [];
  for (const p of parameters) {
    if (p.in !== 'header') {
      out.push(p);
      continue;
    }
    const key = p.name.toLowerCase();
    const prior = kept.get(key);
    if (!prior) {
      kept.set(key, p);
      out.push(p);
    } else if (!prior.description && p.description) {
      out[out.indexOf(prior)] = p;
      kept.set(key, p);
    } else if (p.required === true) {
      prior.required = true;
    }
  }
  return out;
}
