import Stripe from 'stripe';
import { AppError, ErrorCode } from '.';

const DECLINE_CODES: Record<string, ErrorCode> = {
  card_declined: ErrorCode.CardDeclined,
  generic_decline: ErrorCode.CardDeclined,
  do_not_honor: ErrorCode.CardDeclined,
  insufficient_funds: ErrorCode.InsufficientFunds,
  expired_card: ErrorCode.ExpiredCard,
  processing_error: ErrorCode.ProcessingError,
};

/** The domain code (and so the spec's user-facing message) for a Stripe card decline. */
export function declineErrorCode(declineCode?: string | null, code?: string | null): ErrorCode {
  return DECLINE_CODES[declineCode ?? ''] ?? DECLINE_CODES[code ?? ''] ?? ErrorCode.CardDeclined;
}

/**
 * Turns a Stripe SDK error into a domain error: card errors → 402 with the spec's user-facing messages,
 * rate limits/outages → 503 with Retry-After. Stripe's own message, request id and param never reach a client.
 */
export function mapStripeError(err: unknown): AppError | undefined {
  if (!(err instanceof Stripe.errors.StripeError)) return undefined;
  if (err instanceof Stripe.errors.StripeCardError) {
    const code = declineErrorCode(err.decline_code, err.code);
    return new AppError(code, undefined, { decline_code: err.decline_code ?? err.code ?? 'card_declined' });
  }
  if (err instanceof Stripe.errors.StripeRateLimitError) {
    return new AppError(ErrorCode.PaymentProviderUnavailable, undefined, undefined, { 'Retry-After': '2' });
  }
  if (
    err instanceof Stripe.errors.StripeConnectionError ||
    err instanceof Stripe.errors.StripeAPIError ||
    (err.statusCode ?? 0) >= 500
  ) {
    return new AppError(ErrorCode.PaymentProviderUnavailable, undefined, undefined, { 'Retry-After': '5' });
  }
  if (err.code === 'customer_tax_location_invalid') return new AppError(ErrorCode.BillingAddressRequired);
  if (err.code === 'tax_id_invalid') return new AppError(ErrorCode.TaxIdInvalid);
  return new AppError(ErrorCode.PaymentProviderError);
}
