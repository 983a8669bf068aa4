import Stripe from 'stripe';
import { mapStripeError } from './stripe-error.mapper';

const raw = (type: string, extra: Record<string, unknown> = {}) => ({
  type,
  message: 'Stripe internal text req_123',
  ...extra,
});

describe('Stripe error mapping', () => {
  it.each([
    [
      'card_declined',
      'generic_decline',
      'CARD_DECLINED',
      'Your card was declined. Please try a different payment method.',
    ],
    [
      'card_declined',
      'insufficient_funds',
      'INSUFFICIENT_FUNDS',
      'Insufficient funds. Please check your account balance.',
    ],
    ['expired_card', undefined, 'EXPIRED_CARD', 'Your card has expired. Please use a different card.'],
    [
      'processing_error',
      undefined,
      'PROCESSING_ERROR',
      'There was an error processing your payment. Please try again.',
    ],
  ])('maps card error %s/%s to 402 %s with the spec message', (code, decline, expected, message) => {
    const err = new Stripe.errors.StripeCardError(
      raw('card_error', { code, decline_code: decline }) as never,
    );
    const mapped = mapStripeError(err)!;
    expect(mapped).toMatchObject({ status: 402, code: expected, message });
    expect(mapped.message).not.toContain('req_123');
  });

  it('turns rate limits and outages into 503 with Retry-After, and anything else into 502', () => {
    const limited = mapStripeError(new Stripe.errors.StripeRateLimitError(raw('rate_limit_error') as never))!;
    expect(limited).toMatchObject({
      status: 503,
      code: 'PAYMENT_PROVIDER_UNAVAILABLE',
      headers: { 'Retry-After': '2' },
    });
    const down = mapStripeError(
      new Stripe.errors.StripeConnectionError(raw('api_connection_error') as never),
    )!;
    expect(down).toMatchObject({ status: 503, headers: { 'Retry-After': '5' } });
    const api = mapStripeError(new Stripe.errors.StripeAPIError(raw('api_error') as never))!;
    expect(api.status).toBe(503);
    const invalid = mapStripeError(
      new Stripe.errors.StripeInvalidRequestError(raw('invalid_request_error') as never),
    )!;
    expect(invalid).toMatchObject({ status: 502, code: 'PAYMENT_PROVIDER_ERROR' });
    expect(mapStripeError(new Error('not stripe'))).toBeUndefined();
  });

  it('asks for a billing address when Stripe Tax cannot locate the customer; a tax ID Stripe refuses is 400', () => {
    const location = mapStripeError(
      new Stripe.errors.StripeInvalidRequestError(
        raw('invalid_request_error', { code: 'customer_tax_location_invalid' }) as never,
      ),
    )!;
    expect(location).toMatchObject({ status: 422, code: 'BILLING_ADDRESS_REQUIRED' });
    const taxId = mapStripeError(
      new Stripe.errors.StripeInvalidRequestError(
        raw('invalid_request_error', { code: 'tax_id_invalid' }) as never,
      ),
    )!;
    expect(taxId).toMatchObject({ status: 400, code: 'TAX_ID_INVALID' });
  });
});
