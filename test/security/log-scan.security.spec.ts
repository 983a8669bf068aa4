import { authConfig, AuthConfig, stripeConfig, StripeConfig } from '../../src/config';
import { createApiKey } from '../factories/api-key.factory';
import { registerUser } from '../factories/user.factory';
import { captureLogs, CapturedLogs, leakedSecrets } from '../support/log-capture';
import { signPayload } from '../../src/stripe-emulator/signature';
import { catalogPrice, openCheckout, settle, webhookSecret } from '../support/stripe-helpers';
import { createTestApp, TestApp } from '../support/test-app';

/**
 * An app at LOG_LEVEL=debug, logging into memory, put through sign-up, login, bearer and API-key calls, a paid
 * checkout with a card number, signed and forged webhooks and failing requests: none of the secrets it handled
 * appears in any line it wrote.
 */
describe('no secret in the logs (security)', () => {
  let logs: CapturedLogs;
  let t: TestApp;

  beforeAll(async () => {
    logs = captureLogs();
    t = await createTestApp({ env: { LOG_LEVEL: 'debug' } });
  });
  afterAll(async () => {
    logs.stop();
    await t.close();
  });

  it('never logs a token, password, secret, signature or card number', async () => {
    const card = '4242424242424242';
    const password = 'Tr0ub4dor&3-horse-battery';
    const email = 'logscan@example.com';
    await t.http().post('/auth/register').send({ email, password }).expect(201);
    const login = await t.http().post('/auth/login').send({ email, password }).expect(200);
    const token = (login.body as { access_token: string }).access_token;
    await t
      .http()
      .post('/auth/login')
      .send({ email, password: `${password}-wrong` })
      .expect(401);
    await t.http().get('/auth/me').set('Authorization', `Bearer ${token}`).expect(200);
    await t.http().get('/auth/me').set('Authorization', `Bearer ${token}x`).expect(401);

    const admin = await registerUser(t, 'admin@tollgate.test');
    const key = await createApiKey(t, admin, ['credits:read']);
    await t
      .http()
      .get('/credits')
      .set('Authorization', `Bearer ${key.secret}`)
      .set('X-Tollgate-User', 'ext-1');

    const buyer = await registerUser(t);
    const pack = await catalogPrice(t, 'one_time');
    const session = await openCheckout(t, buyer, 'payment', pack.priceId);
    await t.emulator.completeCheckout(session.id, { card });
    await settle(t);
    // A client pasting card data where it does not belong: refused, and still not logged.
    await t
      .http()
      .post('/credits/consume')
      .set(buyer.auth)
      .send({ amount: 1, card_number: card })
      .expect(400);

    const event = {
      id: 'evt_logscan',
      object: 'event',
      type: 'x.logscan',
      created: Math.floor(Date.now() / 1000),
    };
    const payload = JSON.stringify(event);
    const signature = signPayload(payload, webhookSecret(t), event.created);
    const post = () => t.http().post('/payments/webhook').set('Content-Type', 'application/json');
    await post().set('Stripe-Signature', signature).send(payload).expect(200);
    await post()
      .set('Stripe-Signature', signature)
      .send(JSON.stringify({ ...event, id: 'evt_logscan_forged' }))
      .expect(400);

    const auth = t.app.get<AuthConfig>(authConfig.KEY);
    const stripe = t.app.get<StripeConfig>(stripeConfig.KEY);
    const text = logs.text();
    expect(text).toContain('"level":20'); // debug lines (request and response headers) were written
    expect(text).toContain('webhook_signature_invalid');
    expect(
      leakedSecrets(text, {
        password,
        token,
        token_signature: token.split('.')[2],
        admin_token: admin.token,
        api_key: key.secret,
        jwt_secret: auth.jwtSecret,
        webhook_secret: stripe.webhookSecrets[0],
        stripe_secret_key: stripe.secretKey,
        stripe_signature_v1: signature.split('v1=')[1],
        card_number: card,
      }),
    ).toEqual([]);
  });
});
