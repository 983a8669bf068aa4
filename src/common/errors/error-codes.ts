/**
 * The stable error-code catalogue. Services throw `AppError(ErrorCode.X)`; the global filter maps the code to
 * its HTTP status and default message. Codes are a public contract: add, never rename.
 */
export enum ErrorCode {
  // generic
  ValidationFailed = 'VALIDATION_FAILED',
  NotFound = 'NOT_FOUND',
  RateLimited = 'RATE_LIMITED',
  PayloadTooLarge = 'PAYLOAD_TOO_LARGE',
  UnsupportedMediaType = 'UNSUPPORTED_MEDIA_TYPE',
  HeadersTooLarge = 'HEADERS_TOO_LARGE',
  RequestTimeout = 'REQUEST_TIMEOUT',
  HostNotAllowed = 'HOST_NOT_ALLOWED',
  Conflict = 'CONFLICT',
  InternalError = 'INTERNAL_ERROR',
  ServiceUnavailable = 'SERVICE_UNAVAILABLE',
  // auth
  AuthTokenMissing = 'AUTH_TOKEN_MISSING',
  AuthTokenInvalid = 'AUTH_TOKEN_INVALID',
  AuthTokenExpired = 'AUTH_TOKEN_EXPIRED',
  AuthInvalidCredentials = 'AUTH_INVALID_CREDENTIALS',
  AuthEmailTaken = 'AUTH_EMAIL_TAKEN',
  Forbidden = 'FORBIDDEN',
  UserNotFound = 'USER_NOT_FOUND',
  AuthProviderUnavailable = 'AUTH_PROVIDER_UNAVAILABLE',
  ApiKeyInvalid = 'API_KEY_INVALID',
  ApiKeyScopeMissing = 'API_KEY_SCOPE_MISSING',
  ApiKeyUserRequired = 'API_KEY_USER_REQUIRED',
  ApiKeyNotFound = 'API_KEY_NOT_FOUND',
  // catalog
  InvalidProductType = 'INVALID_PRODUCT_TYPE',
  UnsupportedCurrency = 'UNSUPPORTED_CURRENCY',
  PriceNotFound = 'PRICE_NOT_FOUND',
  ProductNotFound = 'PRODUCT_NOT_FOUND',
  CatalogSyncWouldEmpty = 'CATALOG_SYNC_WOULD_EMPTY',
  // payments
  SubscriptionExists = 'SUBSCRIPTION_EXISTS',
  SubscriptionNotFound = 'SUBSCRIPTION_NOT_FOUND',
  CustomerNotFound = 'CUSTOMER_NOT_FOUND',
  PaymentMethodNotFound = 'PAYMENT_METHOD_NOT_FOUND',
  PaymentMethodRequired = 'PAYMENT_METHOD_REQUIRED',
  CheckoutSessionNotFound = 'CHECKOUT_SESSION_NOT_FOUND',
  CheckoutInProgress = 'CHECKOUT_IN_PROGRESS',
  CurrencyMismatch = 'CURRENCY_MISMATCH',
  SamePlan = 'SAME_PLAN',
  CardDeclined = 'CARD_DECLINED',
  InsufficientFunds = 'INSUFFICIENT_FUNDS',
  ExpiredCard = 'EXPIRED_CARD',
  ProcessingError = 'PROCESSING_ERROR',
  PaymentProviderUnavailable = 'PAYMENT_PROVIDER_UNAVAILABLE',
  PaymentProviderError = 'PAYMENT_PROVIDER_ERROR',
  // tax and billing details
  BillingAddressRequired = 'BILLING_ADDRESS_REQUIRED',
  AddressCountryRequired = 'ADDRESS_COUNTRY_REQUIRED',
  TaxIdInvalid = 'TAX_ID_INVALID',
  TaxIdTypeUnsupported = 'TAX_ID_TYPE_UNSUPPORTED',
  CurrencyCountryMismatch = 'CURRENCY_COUNTRY_MISMATCH',
  // credits
  InsufficientCredits = 'INSUFFICIENT_CREDITS',
  IdempotencyKeyReused = 'IDEMPOTENCY_KEY_REUSED',
  IdempotencyKeyInProgress = 'IDEMPOTENCY_KEY_IN_PROGRESS',
  IdempotencyKeyRequired = 'IDEMPOTENCY_KEY_REQUIRED',
  UsageLimitReached = 'USAGE_LIMIT_REACHED',
  OverageCapReached = 'OVERAGE_CAP_REACHED',
  GrantExpiryInvalid = 'GRANT_EXPIRY_INVALID',
  GrantNotFound = 'GRANT_NOT_FOUND',
  GrantNotVoidable = 'GRANT_NOT_VOIDABLE',
  HoldNotFound = 'HOLD_NOT_FOUND',
  HoldAlreadySettled = 'HOLD_ALREADY_SETTLED',
  HoldExpired = 'HOLD_EXPIRED',
  CaptureExceedsHold = 'CAPTURE_EXCEEDS_HOLD',
  InvalidUsageRange = 'INVALID_USAGE_RANGE',
  // spend controls
  SpendControlsInvalid = 'SPEND_CONTROLS_INVALID',
  // entitlements
  FeatureNotEntitled = 'FEATURE_NOT_ENTITLED',
  // webhooks
  WebhookSignatureInvalid = 'WEBHOOK_SIGNATURE_INVALID',
  WebhookEventNotFound = 'WEBHOOK_EVENT_NOT_FOUND',
  // outbound events
  WebhookEndpointNotFound = 'WEBHOOK_ENDPOINT_NOT_FOUND',
  WebhookEndpointUrlRefused = 'WEBHOOK_ENDPOINT_URL_REFUSED',
  OutboundEventNotFound = 'OUTBOUND_EVENT_NOT_FOUND',
  WebhookPayloadInvalid = 'WEBHOOK_PAYLOAD_INVALID',
  // operator console
  GrantLimitExceeded = 'GRANT_LIMIT_EXCEEDED',
}

interface CodeInfo {
  status: number;
  message: string;
}

export const ERROR_CATALOGUE: Record<ErrorCode, CodeInfo> = {
  [ErrorCode.ValidationFailed]: { status: 400, message: 'The request is invalid.' },
  [ErrorCode.NotFound]: { status: 404, message: 'Not found.' },
  [ErrorCode.RateLimited]: { status: 429, message: 'Too many requests. Please slow down.' },
  [ErrorCode.PayloadTooLarge]: { status: 413, message: 'The request body is too large.' },
  [ErrorCode.UnsupportedMediaType]: { status: 415, message: 'Send the request body as application/json.' },
  [ErrorCode.HeadersTooLarge]: { status: 431, message: 'The request headers are too large.' },
  [ErrorCode.RequestTimeout]: { status: 408, message: 'The request took too long to arrive.' },
  [ErrorCode.HostNotAllowed]: { status: 400, message: 'Host not allowed.' },
  [ErrorCode.Conflict]: { status: 409, message: 'The request conflicts with the current state.' },
  [ErrorCode.InternalError]: { status: 500, message: 'An unexpected error occurred. Please try again.' },
  [ErrorCode.ServiceUnavailable]: { status: 503, message: 'The service is temporarily unavailable.' },
  [ErrorCode.AuthTokenMissing]: { status: 401, message: 'A bearer token is required.' },
  [ErrorCode.AuthTokenInvalid]: { status: 401, message: 'The bearer token is invalid.' },
  [ErrorCode.AuthTokenExpired]: { status: 401, message: 'The bearer token has expired.' },
  [ErrorCode.AuthInvalidCredentials]: { status: 401, message: 'Invalid email or password.' },
  [ErrorCode.AuthEmailTaken]: { status: 409, message: 'An account with this email already exists.' },
  [ErrorCode.Forbidden]: { status: 403, message: 'You are not allowed to do this.' },
  [ErrorCode.UserNotFound]: { status: 404, message: 'User not found.' },
  [ErrorCode.AuthProviderUnavailable]: {
    status: 503,
    message: "The identity provider's signing keys could not be fetched. Please try again.",
  },
  [ErrorCode.ApiKeyInvalid]: { status: 401, message: 'The API key is unknown or revoked.' },
  [ErrorCode.ApiKeyScopeMissing]: {
    status: 403,
    message: 'The API key does not have the scope this route needs.',
  },
  [ErrorCode.ApiKeyUserRequired]: {
    status: 400,
    message: 'Name the user this API key acts for in the X-Tollgate-User header (their external id).',
  },
  [ErrorCode.ApiKeyNotFound]: { status: 404, message: 'API key not found.' },
  [ErrorCode.InvalidProductType]: {
    status: 400,
    message: 'product_type must be one of: subscription, one_time.',
  },
  [ErrorCode.UnsupportedCurrency]: { status: 400, message: 'This currency is not supported.' },
  [ErrorCode.PriceNotFound]: { status: 404, message: 'This price is not for sale.' },
  [ErrorCode.ProductNotFound]: { status: 404, message: 'This product is not for sale.' },
  [ErrorCode.CatalogSyncWouldEmpty]: {
    status: 409,
    message: 'This sync would take every product off sale; allow it explicitly if that is intended.',
  },
  [ErrorCode.SubscriptionExists]: {
    status: 409,
    message: 'You already have a subscription. Use change-plan or the billing portal to modify it.',
  },
  [ErrorCode.SubscriptionNotFound]: { status: 404, message: 'You have no active subscription.' },
  [ErrorCode.CustomerNotFound]: { status: 404, message: 'No billing account yet: make a purchase first.' },
  [ErrorCode.PaymentMethodRequired]: {
    status: 409,
    message: 'Auto top-up pays with a saved card: save one first (POST /payments/payment-method/setup).',
  },
  [ErrorCode.PaymentMethodNotFound]: {
    status: 404,
    message: 'No saved card: save one with a purchase or POST /payments/payment-method/setup.',
  },
  [ErrorCode.CheckoutSessionNotFound]: { status: 404, message: 'Checkout session not found.' },
  [ErrorCode.CheckoutInProgress]: {
    status: 409,
    message: 'Another checkout for this account is being created. Retry in a moment (Retry-After).',
  },
  [ErrorCode.BillingAddressRequired]: {
    status: 422,
    message:
      'Tax is calculated from your billing address: add it (PUT /payments/billing-details), then try again.',
  },
  [ErrorCode.AddressCountryRequired]: {
    status: 400,
    message: 'A billing address needs its country (two-letter ISO code, e.g. "DE").',
  },
  [ErrorCode.TaxIdInvalid]: { status: 400, message: 'This tax ID is not valid for its type.' },
  [ErrorCode.TaxIdTypeUnsupported]: { status: 400, message: 'This tax ID type is not supported.' },
  [ErrorCode.CurrencyCountryMismatch]: {
    status: 409,
    message:
      'Your billing country pays in another currency, and that is the currency this item is sold in there.',
  },
  [ErrorCode.CurrencyMismatch]: {
    status: 409,
    message: 'Your billing account uses another currency; purchases must use that currency.',
  },
  [ErrorCode.SamePlan]: { status: 409, message: 'You are already on this plan.' },
  [ErrorCode.CardDeclined]: {
    status: 402,
    message: 'Your card was declined. Please try a different payment method.',
  },
  [ErrorCode.InsufficientFunds]: {
    status: 402,
    message: 'Insufficient funds. Please check your account balance.',
  },
  [ErrorCode.ExpiredCard]: { status: 402, message: 'Your card has expired. Please use a different card.' },
  [ErrorCode.ProcessingError]: {
    status: 402,
    message: 'There was an error processing your payment. Please try again.',
  },
  [ErrorCode.PaymentProviderUnavailable]: {
    status: 503,
    message: 'The payment provider is temporarily unavailable. Please try again shortly.',
  },
  [ErrorCode.PaymentProviderError]: {
    status: 502,
    message: 'The payment provider rejected the request. Please try again or contact support.',
  },
  [ErrorCode.InsufficientCredits]: {
    status: 402,
    message: 'No credits available. Please purchase credits or upgrade your plan.',
  },
  [ErrorCode.IdempotencyKeyReused]: {
    status: 409,
    message: 'This Idempotency-Key was already used with a different request.',
  },
  [ErrorCode.IdempotencyKeyInProgress]: {
    status: 409,
    message: 'A request with this Idempotency-Key is still in progress.',
  },
  [ErrorCode.UsageLimitReached]: {
    status: 402,
    message: "This would exceed the user's usage limit for the current period; nothing was spent.",
  },
  [ErrorCode.OverageCapReached]: {
    status: 402,
    message: 'This would exceed the overage cap for the current billing period; nothing was spent.',
  },
  [ErrorCode.IdempotencyKeyRequired]: {
    status: 400,
    message: 'This request needs an Idempotency-Key header (1-255 characters of letters, digits, _ . : -).',
  },
  [ErrorCode.GrantExpiryInvalid]: {
    status: 400,
    message: 'Give at most one of expires_at and expires_in_days, and an expiry in the future.',
  },
  [ErrorCode.GrantNotFound]: { status: 404, message: 'Grant not found.' },
  [ErrorCode.GrantNotVoidable]: {
    status: 409,
    message: 'This grant has nothing left to void: it is depleted, expired or voided already.',
  },
  [ErrorCode.HoldNotFound]: { status: 404, message: 'Hold not found.' },
  [ErrorCode.HoldAlreadySettled]: {
    status: 409,
    message: 'This hold was settled already (captured, released or expired).',
  },
  [ErrorCode.HoldExpired]: {
    status: 409,
    message: 'This hold has expired: its credits are returned, and it can no longer be captured.',
  },
  [ErrorCode.CaptureExceedsHold]: {
    status: 409,
    message: 'The capture is larger than the hold; capture at most the held amount, or send on_excess "cap".',
  },
  [ErrorCode.InvalidUsageRange]: {
    status: 400,
    message: 'A usage statement covers from before to, at most 366 days.',
  },
  [ErrorCode.SpendControlsInvalid]: {
    status: 422,
    message: 'A spend control is out of range (negative, fractional or absurd); nothing changed.',
  },
  [ErrorCode.FeatureNotEntitled]: {
    status: 403,
    message: 'Your plan does not include this feature. Upgrade to a plan that does.',
  },
  [ErrorCode.WebhookSignatureInvalid]: { status: 400, message: 'Invalid webhook signature.' },
  [ErrorCode.WebhookEventNotFound]: { status: 404, message: 'Webhook event not found.' },
  [ErrorCode.WebhookEndpointNotFound]: { status: 404, message: 'Webhook endpoint not found.' },
  [ErrorCode.WebhookEndpointUrlRefused]: {
    status: 400,
    message: 'This URL cannot receive webhooks (https required; private addresses refused).',
  },
  [ErrorCode.OutboundEventNotFound]: { status: 404, message: 'Outbound event not found.' },
  [ErrorCode.WebhookPayloadInvalid]: {
    status: 400,
    message: 'The webhook payload is signed but is not a storable Stripe event.',
  },
  [ErrorCode.GrantLimitExceeded]: {
    status: 403,
    message:
      'This grant is above what your role may grant at once (CONSOLE_SUPPORT_GRANT_LIMIT): ask an admin.',
  },
};
