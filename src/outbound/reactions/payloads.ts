/**
 * The `data` of every outbound event type, typed (snake_case, amounts in minor units). PAYLOAD_KEYS lists each
 * type's keys at run time, checked complete against the type at compile time; the contract-docs test holds
 * them against docs/outbound-events.md.
 */
type Iso = string | null;

interface Balances {
  monthly_credits: number;
  purchased_credits: number;
  promotional_credits: number;
  total_credits: number;
  held_credits: number;
}

export interface PurchaseCompletedData {
  checkout_session_id: string;
  payment_intent_id: string | null;
  package_id: number;
  price_id: string | null;
  quantity: number;
  credits: number;
  amount_total: number;
  amount_subtotal: number;
  amount_tax: number;
  currency: string;
}

export interface CreditsGrantedData extends Balances {
  amount: number;
  bucket: string;
  reason: string;
  source_type: string;
  source_id: string;
  period_start?: string;
  grant_id: string | null;
  expires_at: Iso;
}

export interface CreditsExpiredData extends Balances {
  grant_id: string;
  amount: number;
  bucket: string;
  reason: string;
}

export interface CreditsVoidedData extends Balances {
  grant_id: string;
  amount: number;
  bucket: string;
  note: string;
}

export interface CreditsExpiringSoonData {
  grant_id: string;
  amount: number;
  bucket: string;
  expires_at: string;
}

export interface HoldSettledData extends Balances {
  hold_id: string;
  status: string;
  captured: number;
  returned: number;
}

export interface CreditsClawedBackData extends Balances {
  amount: number;
  requested: number;
  shortfall: number;
  bucket: string;
  reason: string;
  source_type: string;
  source_id: string;
}

export interface CreditsBalanceData {
  cause: string;
  operation?: string;
  source_id?: string;
  total_credits_before: number;
  total_credits: number;
  threshold: number;
}

export interface CreditsConsumedData extends Balances {
  amount: number;
  reason: string;
  operation: string;
  from_monthly: number;
  from_purchased: number;
  from_promotional: number;
}

export interface SubscriptionData {
  subscription_id: string;
  status: string;
  plan_id: number | null;
  price_id: string | null;
  currency: string | null;
  cancel_at_period_end: boolean;
  cancel_at: Iso;
  canceled_at: Iso;
  ended_at: Iso;
  current_period_start: Iso;
  current_period_end: Iso;
  trial_end: Iso;
  changed_fields: string[];
  previous_status: string | null;
}

export interface PaymentData {
  invoice_id: string;
  subscription_id: string;
  billing_reason: string | null;
  amount_due: number;
  amount_paid: number;
  subtotal: number;
  amount_tax: number;
  total: number;
  currency: string;
  attempt_count: number;
}

export interface PaymentFailedData extends PaymentData {
  next_payment_attempt: Iso;
}

export interface RefundProcessedData {
  charge_id: string;
  payment_intent_id: string | null;
  checkout_session_id: string;
  amount: number;
  amount_refunded: number;
  currency: string;
  fully_refunded: boolean;
  credits_clawed_back: number;
  credits_shortfall: number;
}

export interface EntitlementsUpdatedData {
  features: Record<string, unknown>;
  previous_features: Record<string, unknown>;
  changed_features: string[];
  source: string;
  plan_lookup_key: string | null;
  previous_plan_lookup_key: string | null;
  subscription_id: string | null;
  subscription_status: string | null;
  access_until: Iso;
}

export interface AutoTopUpFailedData {
  reason: string;
  attempt_id: string;
  price_id: string;
  payment_intent_id: string | null;
  failures: number;
  disabled: boolean;
}

export interface PaymentActionRequiredData {
  payment_intent_id: string | null;
  invoice_id: string | null;
  client_secret: string | null;
  confirm_url: string;
  amount: number;
  currency: string;
  source: string;
  reason: string;
}

/** usage.overage_started and usage.cap_reached: the consume that raised it and the period's overage after it. */
export interface UsageOverageData {
  operation: string;
  reason: string;
  overage_credits: number;
  overage_used: number;
  cap: number;
  period_start: string;
  period_end: string;
}

export interface WebhookTestData {
  endpoint_id: string;
  message: string;
}

/** Each outbound event type's data. */
export interface OutboundPayloads {
  'purchase.completed': PurchaseCompletedData;
  'credits.granted': CreditsGrantedData;
  'credits.clawed_back': CreditsClawedBackData;
  'credits.low': CreditsBalanceData;
  'credits.depleted': CreditsBalanceData;
  'credits.consumed': CreditsConsumedData;
  'credits.expired': CreditsExpiredData;
  'credits.voided': CreditsVoidedData;
  'credits.expiring_soon': CreditsExpiringSoonData;
  'credits.hold_settled': HoldSettledData;
  'subscription.created': SubscriptionData;
  'subscription.updated': SubscriptionData;
  'subscription.canceled': SubscriptionData;
  'payment.succeeded': PaymentData;
  'payment.failed': PaymentFailedData;
  'refund.processed': RefundProcessedData;
  'entitlements.updated': EntitlementsUpdatedData;
  'webhook.test': WebhookTestData;
  'credits.recovered': CreditsBalanceData;
  'auto_top_up.failed': AutoTopUpFailedData;
  'payment.action_required': PaymentActionRequiredData;
  'usage.overage_started': UsageOverageData;
  'usage.cap_reached': UsageOverageData;
}

/** Every key of T, listed once: a missing key is a compile error. */
const keysOf =
  <T>() =>
  <const K extends ReadonlyArray<keyof T>>(
    ...keys: K &
      ([Exclude<keyof T, K[number]>] extends [never] ? unknown : { missing: Exclude<keyof T, K[number]> })
  ): K =>
    keys;

const BALANCES = [
  'monthly_credits',
  'purchased_credits',
  'promotional_credits',
  'total_credits',
  'held_credits',
] as const;
const BALANCE_EVENT = keysOf<CreditsBalanceData>()(
  'cause',
  'operation',
  'source_id',
  'total_credits_before',
  'total_credits',
  'threshold',
);
const USAGE_OVERAGE = keysOf<UsageOverageData>()(
  'operation',
  'reason',
  'overage_credits',
  'overage_used',
  'cap',
  'period_start',
  'period_end',
);
const SUBSCRIPTION = keysOf<SubscriptionData>()(
  'subscription_id',
  'status',
  'plan_id',
  'price_id',
  'currency',
  'cancel_at_period_end',
  'cancel_at',
  'canceled_at',
  'ended_at',
  'current_period_start',
  'current_period_end',
  'trial_end',
  'changed_fields',
  'previous_status',
);
const PAYMENT = keysOf<PaymentData>()(
  'invoice_id',
  'subscription_id',
  'billing_reason',
  'amount_due',
  'amount_paid',
  'subtotal',
  'amount_tax',
  'total',
  'currency',
  'attempt_count',
);

/** The keys each type's data may carry (optional ones included). */
export const PAYLOAD_KEYS: { [T in keyof OutboundPayloads]: ReadonlyArray<keyof OutboundPayloads[T]> } = {
  'purchase.completed': keysOf<PurchaseCompletedData>()(
    'checkout_session_id',
    'payment_intent_id',
    'package_id',
    'price_id',
    'quantity',
    'credits',
    'amount_total',
    'amount_subtotal',
    'amount_tax',
    'currency',
  ),
  'credits.granted': keysOf<CreditsGrantedData>()(
    'amount',
    'bucket',
    'reason',
    'source_type',
    'source_id',
    'period_start',
    'grant_id',
    'expires_at',
    ...BALANCES,
  ),
  'credits.clawed_back': keysOf<CreditsClawedBackData>()(
    'amount',
    'requested',
    'shortfall',
    'bucket',
    'reason',
    'source_type',
    'source_id',
    ...BALANCES,
  ),
  'credits.low': BALANCE_EVENT,
  'credits.depleted': BALANCE_EVENT,
  'credits.consumed': keysOf<CreditsConsumedData>()(
    'amount',
    'reason',
    'operation',
    'from_monthly',
    'from_purchased',
    'from_promotional',
    ...BALANCES,
  ),
  'credits.expired': keysOf<CreditsExpiredData>()('grant_id', 'amount', 'bucket', 'reason', ...BALANCES),
  'credits.voided': keysOf<CreditsVoidedData>()('grant_id', 'amount', 'bucket', 'note', ...BALANCES),
  'credits.expiring_soon': keysOf<CreditsExpiringSoonData>()('grant_id', 'amount', 'bucket', 'expires_at'),
  'credits.hold_settled': keysOf<HoldSettledData>()('hold_id', 'status', 'captured', 'returned', ...BALANCES),
  'subscription.created': SUBSCRIPTION,
  'subscription.updated': SUBSCRIPTION,
  'subscription.canceled': SUBSCRIPTION,
  'payment.succeeded': PAYMENT,
  'payment.failed': keysOf<PaymentFailedData>()(...PAYMENT, 'next_payment_attempt'),
  'refund.processed': keysOf<RefundProcessedData>()(
    'charge_id',
    'payment_intent_id',
    'checkout_session_id',
    'amount',
    'amount_refunded',
    'currency',
    'fully_refunded',
    'credits_clawed_back',
    'credits_shortfall',
  ),
  'entitlements.updated': keysOf<EntitlementsUpdatedData>()(
    'features',
    'previous_features',
    'changed_features',
    'source',
    'plan_lookup_key',
    'previous_plan_lookup_key',
    'subscription_id',
    'subscription_status',
    'access_until',
  ),
  'webhook.test': keysOf<WebhookTestData>()('endpoint_id', 'message'),
  'credits.recovered': BALANCE_EVENT,
  'auto_top_up.failed': keysOf<AutoTopUpFailedData>()(
    'reason',
    'attempt_id',
    'price_id',
    'payment_intent_id',
    'failures',
    'disabled',
  ),
  'payment.action_required': keysOf<PaymentActionRequiredData>()(
    'payment_intent_id',
    'invoice_id',
    'client_secret',
    'confirm_url',
    'amount',
    'currency',
    'source',
    'reason',
  ),
  'usage.overage_started': USAGE_OVERAGE,
  'usage.cap_reached': USAGE_OVERAGE,
};
