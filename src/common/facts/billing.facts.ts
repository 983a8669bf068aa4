/** Facts Payments publishes in the transaction that records them (CONVENTIONS §17). Amounts in minor units. */

/** A credit pack's checkout was paid and fulfilled (once per session). */
export class PurchaseCompleted {
  constructor(
    readonly userId: string,
    readonly purchase: {
      checkoutSessionId: string;
      paymentIntentId: string | null;
      packageId: number;
      priceId: string | null;
      quantity: number;
      credits: number;
      amountTotal: number;
      /** Before tax (and after discounts), and the tax on it; amountTotal = subtotal + tax. */
      amountSubtotal: number;
      amountTax: number;
      currency: string;
    },
  ) {}
}

/** A subscription invoice was paid, or its payment failed. */
export class InvoicePaymentRecorded {
  constructor(
    readonly userId: string,
    readonly outcome: 'succeeded' | 'failed',
    readonly invoice: {
      invoiceId: string;
      subscriptionId: string;
      billingReason: string | null;
      amountDue: number;
      amountPaid: number;
      subtotal: number;
      amountTax: number;
      total: number;
      currency: string;
      attemptCount: number;
      nextPaymentAttempt: Date | null;
    },
  ) {}
}

/** A credit pack's charge was refunded (each new refunded amount), with what that took back. */
export class RefundProcessed {
  constructor(
    readonly userId: string,
    readonly refund: {
      chargeId: string;
      paymentIntentId: string | null;
      checkoutSessionId: string;
      amount: number;
      amountRefunded: number;
      currency: string;
      creditsClawedBack: number;
      creditsShortfall: number;
    },
  ) {}
}
