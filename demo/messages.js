// The spec's user-facing messages, by error code (the API sends the same text in `message`; this is the fallback).
export const MESSAGES = {
  CARD_DECLINED: 'Your card was declined. Please try a different payment method.',
  INSUFFICIENT_FUNDS: 'Insufficient funds. Please check your account balance.',
  EXPIRED_CARD: 'Your card has expired. Please use a different card.',
  PROCESSING_ERROR: 'There was an error processing your payment. Please try again.',
  INSUFFICIENT_CREDITS: 'No credits available. Please purchase credits or upgrade your plan.',
};

// Stripe decline codes (the hosted checkout's own error) → the error code whose message the demo shows.
export const DECLINE_CODES = {
  card_declined: 'CARD_DECLINED',
  generic_decline: 'CARD_DECLINED',
  do_not_honor: 'CARD_DECLINED',
  insufficient_funds: 'INSUFFICIENT_FUNDS',
  expired_card: 'EXPIRED_CARD',
  processing_error: 'PROCESSING_ERROR',
};

export function messageFor(error) {
  const code = error?.code ?? DECLINE_CODES[error?.decline_code] ?? '';
  return MESSAGES[code] ?? error?.message ?? 'Something went wrong. Please try again.';
}
