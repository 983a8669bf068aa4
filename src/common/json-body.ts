import { AppError, ErrorCode } from './errors';
import { exceedsJsonDepth } from './json-depth';

/**
 * UTF-8 that decodes to exactly one text: overlong forms (`C0 AF`), encoded surrogates (`ED A0 80`), truncated
 * sequences and stray continuation bytes throw instead of becoming U+FFFD. ignoreBOM keeps a leading BOM in
 * the text so that it is refused below, not silently dropped.
 */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const invalid = (message: string) => new AppError(ErrorCode.ValidationFailed, message);

/**
 * A JSON request body as the API accepts it, or a 400 VALIDATION_FAILED that says why not: too deep, not UTF-8,
 * a byte order mark, not JSON, a lone UTF-16 surrogate in any key or string (`"\ud800"`: well-formed JSON,
 * but no Unicode text, and what downstream code such as encodeURIComponent throws on), a forbidden key.
 */
export function parseJsonBody(body: Buffer, maxDepth: number): unknown {
  if (exceedsJsonDepth(body, maxDepth))
    throw invalid(`The request body is nested deeper than ${maxDepth} levels.`);
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw invalid('The request body is not valid UTF-8.');
  }
  if (text.charCodeAt(0) === 0xfeff) throw invalid('The request body must not start with a byte order mark.');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text, reviveWellFormed);
  } catch (err) {
    throw err instanceof AppError ? err : invalid('The request body is not valid JSON.');
  }
  return parsed;
}

/**
 * Refuses what JSON.parse lets through: a key or string that is not well-formed UTF-16, and the keys Fastify's
 * own parser refuses (`__proto__`, `constructor.prototype`).
 */
function reviveWellFormed(this: unknown, key: string, value: unknown): unknown {
  if (!key.isWellFormed()) throw invalid('The request body contains a lone UTF-16 surrogate.');
  if (
    key === '__proto__' ||
    (key === 'constructor' && value && typeof value === 'object' && 'prototype' in value)
  ) {
    throw invalid('The request body contains a forbidden key.');
  }
  if (typeof value === 'string' && !value.isWellFormed()) {
    throw invalid('The request body contains a lone UTF-16 surrogate.');
  }
  return value;
}
