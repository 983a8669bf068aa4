import { ERROR_CATALOGUE, ErrorCode } from './errors';

const E = ErrorCode;
/** Routes that call Stripe: its outage (503) and its unexpected answers (502). */
const STRIPE = [E.PaymentProviderUnavailable, E.PaymentProviderError];
const CARD = [E.CardDeclined, E.InsufficientFunds, E.ExpiredCard, E.ProcessingError];
const IDEMPOTENCY = [E.IdempotencyKeyReused, E.IdempotencyKeyInProgress];
const ENDPOINT = [E.WebhookEndpointNotFound];
const TIME_TRAVEL = [E.SubscriptionNotFound];
const GRANT = [E.IdempotencyKeyRequired, E.GrantExpiryInvalid, E.IdempotencyKeyReused];
const GRANT_VOID = [E.GrantNotFound, E.GrantNotVoidable];
const HOLD_SETTLE = [E.HoldNotFound, E.HoldAlreadySettled, E.HoldExpired];

/**
 * The codes each route answers beyond the ones every route shares (docs/http-api.md lists the same per route;
 * the contract-docs test keeps the two and the live answers in agreement). Keys are OpenAPI operations.
 */
export const ROUTE_ERRORS: Readonly<Record<string, readonly ErrorCode[]>> = {
  'POST /auth/register': [E.AuthEmailTaken, E.NotFound],
  'POST /auth/login': [E.AuthInvalidCredentials, E.NotFound],
  'DELETE /admin/api-keys/{id}': [E.ApiKeyNotFound],
  'GET /payments/products': [E.InvalidProductType, E.UnsupportedCurrency],
  'POST /admin/catalog/sync': [E.CatalogSyncWouldEmpty, ...STRIPE],
  'POST /credits/consume': [E.InsufficientCredits, E.UsageLimitReached, E.OverageCapReached, ...IDEMPOTENCY],
  'POST /admin/users/{id}/credits': [E.InsufficientCredits, E.UserNotFound, E.Conflict],
  'POST /credits/grants': [...GRANT],
  'POST /credits/grants/{id}/void': GRANT_VOID,
  'POST /admin/users/{id}/grants': [...GRANT, E.UserNotFound, E.Conflict],
  'GET /admin/users/{id}/grants': [E.UserNotFound, E.Conflict],
  'POST /admin/users/{id}/grants/{grantId}/void': [...GRANT_VOID, E.UserNotFound, E.Conflict],
  'POST /credits/holds': [
    E.IdempotencyKeyRequired,
    E.InsufficientCredits,
    E.UsageLimitReached,
    E.IdempotencyKeyReused,
  ],
  'GET /credits/holds/{id}': [E.HoldNotFound],
  'GET /credits/usage': [E.InvalidUsageRange],
  'POST /credits/holds/{id}/capture': [...HOLD_SETTLE, E.CaptureExceedsHold],
  'POST /credits/holds/{id}/release': HOLD_SETTLE,
  'POST /examples/posts': [E.InsufficientCredits, ...IDEMPOTENCY, E.ServiceUnavailable],
  'POST /examples/api-calls': [E.FeatureNotEntitled],
  'POST /payments/create-checkout-session': [
    E.PriceNotFound,
    E.ProductNotFound,
    E.SubscriptionExists,
    E.CheckoutInProgress,
    E.CurrencyMismatch,
    E.CurrencyCountryMismatch,
    E.UnsupportedCurrency,
    ...STRIPE,
  ],
  'POST /payments/create-checkout-session-onetime': [
    E.PriceNotFound,
    E.ProductNotFound,
    E.CurrencyMismatch,
    E.CurrencyCountryMismatch,
    E.UnsupportedCurrency,
    ...STRIPE,
  ],
  'GET /payments/checkout-session/{session_id}': [E.CheckoutSessionNotFound, ...STRIPE],
  'DELETE /payments/cancel-subscription': [E.SubscriptionNotFound, ...STRIPE],
  'POST /payments/resume-subscription': [E.SubscriptionNotFound, ...STRIPE],
  'GET /payments/change-plan/preview': [
    E.SubscriptionNotFound,
    E.PriceNotFound,
    E.SamePlan,
    E.CurrencyMismatch,
    ...STRIPE,
  ],
  'POST /payments/change-plan': [
    E.SubscriptionNotFound,
    E.PriceNotFound,
    E.SamePlan,
    E.CurrencyMismatch,
    ...CARD,
    ...STRIPE,
  ],
  'GET /payments/invoices': STRIPE,
  'GET /payments/create-billing-portal-session': [E.CustomerNotFound, ...STRIPE],
  'GET /payments/payment-method': [E.PaymentMethodNotFound, ...STRIPE],
  'POST /payments/payment-method/setup': STRIPE,
  'DELETE /payments/payment-method': [E.PaymentMethodNotFound, ...STRIPE],
  'PUT /credits/auto-top-up': [
    E.PriceNotFound,
    E.PaymentMethodRequired,
    E.CurrencyMismatch,
    E.SpendControlsInvalid,
    ...STRIPE,
  ],
  'POST /credits/auto-top-up/confirm': [E.NotFound, ...CARD, ...STRIPE],
  'POST /payments/webhook': [E.WebhookSignatureInvalid, E.WebhookPayloadInvalid, E.PayloadTooLarge],
  'GET /admin/webhook-events/{id}': [E.WebhookEventNotFound],
  'POST /admin/webhook-events/{id}/retry': [E.WebhookEventNotFound],
  'POST /admin/stripe/replay': STRIPE,
  'POST /admin/stripe/reconcile': STRIPE,
  'POST /admin/webhook-endpoints': [E.WebhookEndpointUrlRefused],
  'PATCH /admin/webhook-endpoints/{id}': [...ENDPOINT, E.WebhookEndpointUrlRefused],
  'DELETE /admin/webhook-endpoints/{id}': ENDPOINT,
  'POST /admin/webhook-endpoints/{id}/rotate-secret': ENDPOINT,
  'POST /admin/webhook-endpoints/{id}/test': ENDPOINT,
  'GET /admin/webhook-endpoints/{id}/deliveries': ENDPOINT,
  'POST /admin/webhook-endpoints/{id}/replay': [...ENDPOINT, E.OutboundEventNotFound],
  'GET /admin/users/{ref}': [E.UserNotFound, E.Conflict],
  'GET /users/{external_id}/spend-controls': [E.UserNotFound],
  'PUT /users/{external_id}/spend-controls': [E.UserNotFound, E.SpendControlsInvalid],
  'GET /admin/users/{id}/spend-controls': [E.UserNotFound],
  'PUT /admin/users/{id}/spend-controls': [E.UserNotFound, E.SpendControlsInvalid],
  'GET /admin/users/{ref}/ledger': [E.UserNotFound, E.Conflict],
  'GET /admin/users/{ref}/usage': [E.InvalidUsageRange, E.UserNotFound, E.Conflict],
  'GET /admin/users/{ref}/invoices': [E.UserNotFound, E.Conflict, ...STRIPE],
  'GET /admin/users/{ref}/payments': [E.UserNotFound, E.Conflict, ...STRIPE],
  'GET /admin/users/{ref}/outbound-events': [E.UserNotFound, E.Conflict],
  'POST /admin/users/{ref}/payments/{payment_intent_id}/refund': [
    E.UserNotFound,
    E.NotFound,
    E.Conflict,
    ...STRIPE,
  ],
  'POST /admin/users/{ref}/subscription/cancel': [
    E.UserNotFound,
    E.Conflict,
    E.SubscriptionNotFound,
    ...STRIPE,
  ],
  'POST /admin/users/{ref}/subscription/resume': [
    E.UserNotFound,
    E.Conflict,
    E.SubscriptionNotFound,
    ...STRIPE,
  ],
  'POST /admin/users/{ref}/promotional-credits': [
    E.UserNotFound,
    E.Conflict,
    E.GrantLimitExceeded,
    ...IDEMPOTENCY,
  ],
  'POST /dev/time-travel/renewal': [...TIME_TRAVEL, E.Conflict],
  'POST /dev/time-travel/fail-next-renewal': TIME_TRAVEL,
  'POST /dev/time-travel/restore-card': TIME_TRAVEL,
  'POST /dev/time-travel/refund-last-purchase': [E.NotFound],
  'PUT /dev/spend-controls': [E.SpendControlsInvalid],
};

/** What any route may answer for a status when it has no code of its own for it. */
const SHARED: Readonly<Record<number, readonly ErrorCode[]>> = {
  400: [E.ValidationFailed, E.HostNotAllowed],
  401: [E.AuthTokenMissing, E.AuthTokenInvalid, E.AuthTokenExpired, E.ApiKeyInvalid],
  403: [E.Forbidden, E.ApiKeyScopeMissing],
  413: [E.PayloadTooLarge],
  415: [E.UnsupportedMediaType],
  429: [E.RateLimited],
  500: [E.InternalError],
  503: [E.ServiceUnavailable],
};

/** Extra fields some codes add to the body, as the filter writes them (docs/errors.md). */
const EXTRA: Partial<Record<ErrorCode, Record<string, unknown>>> = {
  [E.InsufficientCredits]: { requested: 5, available: 2 },
  [E.UsageLimitReached]: { limit: 500, per: 'day', used: 498, resets_at: '2026-12-04T00:00:00.000Z' },
  [E.OverageCapReached]: {
    requested: 5,
    available: 0,
    cap: 5000,
    used: 4998,
    period_end: '2026-12-31T00:00:00.000Z',
  },
  [E.FeatureNotEntitled]: {
    feature: 'api_access',
    current_plan: null,
    required_plan: { lookup_key: 'pro', name: 'Pro Plan', product_id: 'prod_pro', price_id: 'price_pro' },
  },
  [E.InvalidProductType]: { allowed: ['one_time', 'subscription'] },
  [E.UnsupportedCurrency]: { allowed: ['usd', 'eur'] },
  [E.CardDeclined]: { decline_code: 'generic_decline' },
  [E.GrantNotVoidable]: { status: 'depleted' },
  [E.HoldAlreadySettled]: { status: 'captured' },
  [E.CaptureExceedsHold]: { held: 200, requested: 250 },
  [E.GrantLimitExceeded]: { limit: 1000 },
};

/** The codes one operation can answer with this status: its own, else (or also, for 400/401) the shared ones. */
export function codesFor(operation: string, status: number): ErrorCode[] {
  const own = (ROUTE_ERRORS[operation] ?? []).filter((c) => ERROR_CATALOGUE[c].status === status);
  const shared = SHARED[status] ?? [];
  if ([400, 401, 403, 503].includes(status)) return [...new Set([...own, ...shared])];
  return own.length > 0 ? own : [...shared];
}

/** The statuses an operation's own codes add to its documented responses. */
export function ownStatuses(operation: string): number[] {
  return [...new Set((ROUTE_ERRORS[operation] ?? []).map((c) => ERROR_CATALOGUE[c].status))];
}

/** Swagger `examples` for one response: one per code, each a full error body. */
export function errorExamples(
  codes: readonly ErrorCode[],
): Record<string, { summary: string; value: object }> {
  return Object.fromEntries(
    codes.map((code) => {
      const { status, message } = ERROR_CATALOGUE[code];
      return [
        code,
        {
          summary: code,
          value: {
            statusCode: status,
            code,
            message,
            detail: message,
            request_id: '5f0c6d1e-8c51-4a53-9d42-3a0f3c5a9b1e',
            ...EXTRA[code],
          },
        },
      ];
    }),
  );
}
