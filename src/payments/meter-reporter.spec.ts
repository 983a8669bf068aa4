import Stripe from 'stripe';
import { classifyMeterEventError, meterReportDelayMs } from './meter-reporter.service';

const stripeError = (statusCode: number, message: string, code?: string) =>
  Stripe.errors.StripeError.generate({ type: 'invalid_request_error', message, code, statusCode } as never);

describe('meter report backoff', () => {
  it('doubles from the base per attempt, capped, jittered to half to all of it', () => {
    const low = () => 0;
    const high = () => 1;
    expect([1, 2, 3, 4].map((a) => meterReportDelayMs(a, 1000, 60_000, high))).toEqual([
      1000, 2000, 4000, 8000,
    ]);
    expect([1, 2, 3, 4].map((a) => meterReportDelayMs(a, 1000, 60_000, low))).toEqual([
      500, 1000, 2000, 4000,
    ]);
    expect(meterReportDelayMs(20, 1000, 60_000, high)).toBe(60_000);
    expect(meterReportDelayMs(20, 1000, 60_000, low)).toBe(30_000);
    for (let i = 0; i < 100; i += 1) {
      const d = meterReportDelayMs(3, 1000, 60_000);
      expect(d).toBeGreaterThanOrEqual(2000);
      expect(d).toBeLessThanOrEqual(4000);
    }
  });
});

describe('meter event errors', () => {
  it("Stripe's duplicate identifier refusal means already sent", () => {
    expect(
      classifyMeterEventError(stripeError(400, 'An event already exists with identifier op_1.')),
    ).toEqual({
      kind: 'duplicate',
    });
  });

  it('a 429 is a rate limit (not counted), a timestamp past the window is permanent, the rest is retried', () => {
    expect(classifyMeterEventError(stripeError(429, 'Too many requests', 'rate_limit')).kind).toBe(
      'rate_limited',
    );
    expect(
      classifyMeterEventError(
        stripeError(
          400,
          'The timestamp must be within the past 35 calendar days.',
          'timestamp_too_far_in_past',
        ),
      ).kind,
    ).toBe('permanent');
    const unknown = classifyMeterEventError(
      stripeError(400, "No such customer: 'cus_x'", 'meter_event_customer_not_found'),
    );
    expect(unknown).toEqual({
      kind: 'retry',
      error: "400 meter_event_customer_not_found: No such customer: 'cus_x'",
    });
    expect(classifyMeterEventError(new Error('socket hang up'))).toEqual({
      kind: 'retry',
      error: 'Error: socket hang up',
    });
  });
});
