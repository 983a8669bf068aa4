import { signPayload } from '../../src/stripe-emulator/signature';
import { WEBHOOK_BODY_LIMIT } from '../../src/app.setup';
import { webhookSecret } from '../support/stripe-helpers';
import { createTestApp, TestApp } from '../support/test-app';

/** Every way to forge or mangle a Stripe delivery, each with its exact answer; nothing forged is stored. */
describe('webhook forgeries (security)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t.close());

  const now = () => Math.floor(Date.now() / 1000);
  const event = (id: string) => JSON.stringify({ id, object: 'event', type: 'x.forgery', created: now() });
  const sign = (payload: string, at = now()) => signPayload(payload, webhookSecret(t), at);
  const v1Of = (header: string) => header.split('v1=')[1];
  const post = (payload: string | Buffer, header?: string, contentType = 'application/json') => {
    const req = t.http().post('/payments/webhook').set('Content-Type', contentType);
    if (header !== undefined) req.set('Stripe-Signature', header);
    return req.send(payload);
  };
  const stored = async (id: string) => {
    const rows: unknown[] = await t.dataSource.query('SELECT 1 FROM webhook_events WHERE id = $1', [id]);
    return rows.length > 0;
  };

  const INVALID = { status: 400, code: 'WEBHOOK_SIGNATURE_INVALID' };
  const cases: Array<
    [string, () => Promise<{ status: number; body: { code?: string } }>, typeof INVALID, string]
  > = [
    ['no signature header', () => post(event('evt_f1')), INVALID, 'evt_f1'],
    ['an empty header', () => post(event('evt_f2'), ''), INVALID, 'evt_f2'],
    ['an empty v1', () => post(event('evt_f3'), `t=${now()},v1=`), INVALID, 'evt_f3'],
    ['a garbled header', () => post(event('evt_f4'), 'garbage;;=,=,,'), INVALID, 'evt_f4'],
    ['a non-hex v1', () => post(event('evt_f5'), `t=${now()},v1=zz${'z'.repeat(62)}`), INVALID, 'evt_f5'],
    [
      'duplicate wrong v1s',
      () => post(event('evt_f6'), `t=${now()},v1=${'a'.repeat(64)},v1=${'b'.repeat(64)}`),
      INVALID,
      'evt_f6',
    ],
    [
      'only a v0 scheme',
      () => post(event('evt_f7'), `t=${now()},v0=${v1Of(sign(event('evt_f7')))}`),
      INVALID,
      'evt_f7',
    ],
    ['no timestamp', () => post(event('evt_f8'), `v1=${v1Of(sign(event('evt_f8')))}`), INVALID, 'evt_f8'],
    [
      'a stale timestamp beyond tolerance',
      () => post(event('evt_f9'), sign(event('evt_f9'), now() - 301 - 60)),
      INVALID,
      'evt_f9',
    ],
    [
      'a future timestamp beyond tolerance',
      () => post(event('evt_f10'), sign(event('evt_f10'), now() + 3600)),
      INVALID,
      'evt_f10',
    ],
    [
      'an altered body (signature of another)',
      () => post(event('evt_f11'), sign(event('evt_f11').replace('x.forgery', 'x.forgerz'))),
      INVALID,
      'evt_f11',
    ],
    ['a trailing byte added', () => post(`${event('evt_f12')} `, sign(event('evt_f12'))), INVALID, 'evt_f12'],
    [
      'the right signature made with another secret',
      () => post(event('evt_f13'), signPayload(event('evt_f13'), 'whsec_other', now())),
      INVALID,
      'evt_f13',
    ],
    [
      'an oversized body',
      () => {
        const big = JSON.stringify({
          id: 'evt_f14',
          type: 'x',
          created: now(),
          pad: 'x'.repeat(WEBHOOK_BODY_LIMIT),
        });
        return post(big, sign(big));
      },
      { status: 413, code: 'PAYLOAD_TOO_LARGE' },
      'evt_f14',
    ],
    [
      'a signed non-JSON body',
      () => post('<xml>evt_f15</xml>', sign('<xml>evt_f15</xml>'), 'text/xml'),
      { status: 400, code: 'WEBHOOK_PAYLOAD_INVALID' },
      'evt_f15',
    ],
    [
      'a signed event without a type',
      () => {
        const p = JSON.stringify({ id: 'evt_f16', created: now() });
        return post(p, sign(p));
      },
      { status: 400, code: 'WEBHOOK_PAYLOAD_INVALID' },
      'evt_f16',
    ],
  ];

  it.each(cases)('refuses %s', async (_what, send, expected, id) => {
    const res = await send();
    expect({ status: res.status, code: res.body.code }).toEqual(expected);
    expect(await stored(id)).toBe(false);
  });

  it('accepts the genuine delivery, also beside an extra wrong or empty v1 (Stripe sends several while rotating)', async () => {
    for (const [id, header] of [
      ['evt_ok1', (p: string) => sign(p)],
      ['evt_ok2', (p: string) => `${sign(p)},v1=${'0'.repeat(64)}`],
      ['evt_ok3', (p: string) => `${sign(p)},v1=`],
    ] as const) {
      const payload = event(id);
      const res = await post(payload, header(payload));
      expect({ id, status: res.status, body: res.body }).toEqual({
        id,
        status: 200,
        body: { received: true, duplicate: false },
      });
      expect(await stored(id)).toBe(true);
    }
  });
});
