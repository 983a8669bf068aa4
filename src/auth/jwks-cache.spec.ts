import { errors, exportJWK, generateKeyPair, type FlattenedJWSInput, type JWK } from 'jose';
import { AppError } from '../common/errors';
import { JwksCache } from './jwks-cache';

const token = { payload: '', signature: '' } as FlattenedJWSInput;

async function jwk(kid: string): Promise<JWK> {
  const { publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
}

/** A key set the test edits, a fetch that counts (and can fail), a clock the test moves. */
function harness(minRefetchMs = 1000, cacheMaxAgeMs = 600_000) {
  const state = { keys: [] as JWK[], fetches: 0, failing: false, now: 0 };
  const cache = new JwksCache(
    async () => {
      state.fetches += 1;
      if (state.failing) throw new Error('connect ECONNREFUSED');
      return { keys: [...state.keys] };
    },
    { minRefetchMs, cacheMaxAgeMs },
    () => state.now,
  );
  const get = async (kid: string): Promise<unknown> => cache.getKey({ alg: 'ES256', kid }, token);
  return { state, get };
}

const outcome = (p: Promise<unknown>) =>
  p.then(
    () => 'key',
    (err: unknown) =>
      err instanceof errors.JWKSNoMatchingKey
        ? 'unknown kid'
        : err instanceof AppError
          ? `${err.code} Retry-After ${err.headers?.['Retry-After']}`
          : String(err),
  );

describe('JwksCache', () => {
  it('accepts a rotated kid once the 1 s window since the last fetch has passed, not 30 s later', async () => {
    const { state, get } = harness();
    state.keys = [await jwk('k1')];
    expect(await outcome(get('k1'))).toBe('key');
    state.keys = [await jwk('k2')];
    state.now = 400;
    expect(await outcome(get('k2'))).toBe('unknown kid'); // within the window: no fetch
    expect(state.fetches).toBe(1);
    state.now = 1000;
    expect(await outcome(get('k2'))).toBe('key');
    expect(state.fetches).toBe(2);
  });

  it('fetches once for a flood of made-up kids in one window, and a kid unknown after the fetch is unknown', async () => {
    const { state, get } = harness();
    state.keys = [await jwk('k1')];
    await get('k1');
    state.now = 5000;
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => outcome(get(`made-up-${i}`))));
    expect(new Set(results)).toEqual(new Set(['unknown kid']));
    expect(state.fetches).toBe(2);
    state.now = 5999;
    await Promise.all(Array.from({ length: 50 }, (_, i) => outcome(get(`again-${i}`))));
    expect(state.fetches).toBe(2);
    state.now = 6000;
    expect(await outcome(get('still-made-up'))).toBe('unknown kid');
    expect(state.fetches).toBe(3);
  });

  it('answers 503 with Retry-After only while fetches fail, at most one attempt per window', async () => {
    const { state, get } = harness(2500);
    state.keys = [await jwk('k1')];
    state.failing = true;
    expect(await outcome(get('k1'))).toBe('AUTH_PROVIDER_UNAVAILABLE Retry-After 3');
    state.now = 1000;
    expect(await outcome(get('k1'))).toBe('AUTH_PROVIDER_UNAVAILABLE Retry-After 2');
    expect(state.fetches).toBe(1);
    state.failing = false;
    state.now = 2500;
    expect(await outcome(get('k1'))).toBe('key');
    // Keys in hand: a known kid needs no fetch, whatever the IdP does.
    state.failing = true;
    state.now = 10_000;
    expect(await outcome(get('k1'))).toBe('key');
    expect(state.fetches).toBe(2);
    // An unknown kid needs one, and it fails: 503, not 401.
    expect(await outcome(get('k9'))).toBe('AUTH_PROVIDER_UNAVAILABLE Retry-After 3');
  });

  it('refetches a stale key set, and keeps the old keys when that fetch fails', async () => {
    const { state, get } = harness(1000, 60_000);
    state.keys = [await jwk('k1')];
    await get('k1');
    state.now = 60_000;
    state.failing = true;
    expect(await outcome(get('k1'))).toBe('key');
    expect(state.fetches).toBe(2);
  });
});
