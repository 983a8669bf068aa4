import type { ApiKeyCaller } from '../../api-keys/api-keys.service';
import type { AuthUser } from '../../common/decorators';
import { AppError, ErrorCode } from '../../common/errors';
import { EXTERNAL_ALGORITHMS } from '../../config/auth.config';

const BEARER = /^Bearer\s+(\S+)\s*$/i;
const JWT = /^[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]*\.[A-Za-z0-9\-_]*$/;
const EXTERNAL = new Set<string>(EXTERNAL_ALGORITHMS);

/** The Passport strategy names, one per kind of credential. */
export const LOCAL_TOKEN = 'tollgate-local-token';
export const EXTERNAL_TOKEN = 'tollgate-external-token';
export const API_KEY = 'tollgate-api-key';
export type CredentialKind = typeof LOCAL_TOKEN | typeof EXTERNAL_TOKEN | typeof API_KEY;

export interface AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
  user?: AuthUser;
  /** Set when the caller authenticated with an API key (then `user` is whom it acts for, if anyone). */
  apiKey?: ApiKeyCaller;
}

/** The token header's `alg`, read without trusting it: it only picks which verifier may try. */
function headerAlg(token: string): string | undefined {
  try {
    const header = JSON.parse(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString()) as {
      alg?: unknown;
    };
    return typeof header.alg === 'string' ? header.alg : undefined;
  } catch {
    return undefined;
  }
}

/** The bearer token of the Authorization header, if it has the "Bearer <token>" shape. */
export function bearerToken(req: AuthenticatedRequest): string | undefined {
  const header = req.headers.authorization;
  return typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
}

/**
 * Which kind of credential a request carries, told apart before any verification so no kind ever reaches
 * another's verifier (no algorithm confusion): `tg_…` is an API key; a JWT with `alg: HS256` is Tollgate's own
 * token (when AUTH_LOCAL); a JWT with RS256/ES256/EdDSA is the host IdP's (when AUTH_ISSUER). Anything else is
 * refused here: 401 AUTH_TOKEN_MISSING without a header, AUTH_TOKEN_INVALID otherwise.
 */
export function credentialKind(
  req: AuthenticatedRequest,
  enabled: { local: boolean; external: boolean },
): CredentialKind {
  if (!req.headers.authorization) throw new AppError(ErrorCode.AuthTokenMissing);
  const token = bearerToken(req);
  if (token?.startsWith('tg_')) return API_KEY;
  if (!token || !JWT.test(token)) {
    throw new AppError(ErrorCode.AuthTokenInvalid, 'The Authorization header must be "Bearer <token>".');
  }
  const alg = headerAlg(token);
  if (alg === 'HS256' && enabled.local) return LOCAL_TOKEN;
  if (alg !== undefined && EXTERNAL.has(alg) && enabled.external) return EXTERNAL_TOKEN;
  throw new AppError(ErrorCode.AuthTokenInvalid);
}
