/** Facts spend-controls publishes about auto top-up, in the transaction that records them. Minor units. */

/** An auto top-up made no payment, or its payment failed (a decline, no card, the monthly cap). */
export class AutoTopUpFailed {
  constructor(
    readonly userId: string,
    readonly failure: {
      reason: string;
      attemptId: string;
      priceId: string;
      paymentIntentId: string | null;
      /** Failed payments in a row, after this one. */
      failures: number;
      /** Whether auto top-up is now off for this user (too many failures in a row, or no card). */
      disabled: boolean;
    },
  ) {}
}

/**
 * An off-session payment needs the customer (3-D Secure): an auto top-up's PaymentIntent, or a subscription
 * invoice's (`invoice.payment_action_required`). Confirm it on-session, through `confirmUrl`.
 */
export class PaymentActionRequired {
  constructor(
    readonly userId: string,
    readonly payment: {
      paymentIntentId: string | null;
      invoiceId: string | null;
      clientSecret: string | null;
      confirmUrl: string;
      amount: number;
      currency: string;
      source: 'auto_top_up' | 'invoice';
      reason: string;
    },
  ) {}
}
