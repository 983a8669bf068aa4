// The console's only door to Tollgate: same-origin fetch with the bearer token kept in memory (never in
// storage, never in a cookie: a reload signs out, and no other page can make the browser send it).
let token = null;

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.code ?? 'HTTP_ERROR';
    this.body = body;
  }
}

export const signedIn = () => token !== null;
export const signOut = () => {
  token = null;
};

export async function api(method, path, body, headers = {}) {
  const init = { method, headers: { Accept: 'application/json', ...headers }, credentials: 'omit' };
  if (token) init.headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  const text = await res.text();
  const json = text ? JSON.parse(text) : null;
  if (!res.ok) throw new ApiError(res.status, json);
  return json;
}

export async function signIn(email, password) {
  const answer = await api('POST', '/auth/login', { email, password });
  return operator(answer.access_token);
}

/**
 * After the identity provider's sign-in: Tollgate's server exchanged the code and left the session in a
 * one-minute HttpOnly cookie only this origin's request can send; it is redeemed once for the token, kept in
 * memory like the local sign-in's.
 */
export async function redeemIdpSession() {
  const res = await fetch('/console/auth/oidc/session', {
    method: 'POST',
    headers: { Accept: 'application/json' },
    credentials: 'same-origin',
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : null;
  if (!res.ok) throw new ApiError(res.status, json);
  return operator(json.access_token);
}

async function operator(accessToken) {
  token = accessToken;
  try {
    const me = await api('GET', '/auth/me');
    if (me.role !== 'admin' && me.role !== 'support') {
      throw new ApiError(403, {
        code: 'FORBIDDEN',
        message: 'This account is not an operator (admin or support).',
      });
    }
    return me;
  } catch (err) {
    token = null;
    throw err;
  }
}

export const q = (params) => {
  const s = new URLSearchParams(
    Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== ''),
  );
  return s.toString() ? `?${s}` : '';
};
