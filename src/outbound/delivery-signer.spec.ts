import { Webhook } from 'standardwebhooks';
import { newWebhookSecret, signedHeaders } from './delivery-signer';

describe('webhook signer (Standard Webhooks)', () => {
  const body = JSON.stringify({ id: 'msg_1', type: 'credits.granted', data: { amount: 100 } });

  it('signs so that the official standardwebhooks package verifies it', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const headers = signedHeaders([secret], 'msg_1', new Date(), body);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/=]+$/);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('with two secrets (a rotation) either one verifies, and a third does not', () => {
    const [a, b] = [newWebhookSecret(), newWebhookSecret()];
    const headers = signedHeaders([b, a], 'msg_2', new Date(), body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(a).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(b).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow();
  });

  it('a changed body no longer verifies', () => {
    const secret = newWebhookSecret();
    const headers = signedHeaders([secret], 'msg_3', new Date(), body);
    expect(() => new Webhook(secret).verify(body.replace('100', '1000'), headers)).toThrow();
  });
});
