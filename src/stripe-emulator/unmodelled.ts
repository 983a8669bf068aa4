/**
 * Keys Stripe's objects carry that the emulator does not model, with the value Stripe sends when the feature is
 * not in use (null, an empty list, `{type: 'self'}` …), so every key the pinned SDK's types require is present.
 * Spread first into each object the emulator builds, so a modelled value always wins: a feature the emulator
 * learns (tax, say) sets its own keys beside the others and the default here simply stops showing.
 * test/emulator/shapes.spec.ts keeps the lists complete and free of invented keys.
 */
const nulls = (...keys: string[]): Record<string, null> => Object.fromEntries(keys.map((k) => [k, null]));

const UNMODELLED: Record<string, () => Record<string, unknown>> = {
  'checkout.session': () => ({
    ...nulls(
      'allowed_payment_method_types',
      'integration_identifier',
      'managed_payments',
      'origin_context',
      'payment_method_configuration_details',
      'permissions',
      'saved_payment_method_options',
    ),
    payment_method_options: {},
  }),
  subscription: () => ({
    ...nulls(
      'application_fee_percent',
      'billing_cycle_anchor_config',
      'billing_schedules',
      'billing_thresholds',
      'customer_account',
      'default_source',
      'managed_payments',
      'next_pending_invoice_item_invoice',
      'on_behalf_of',
      'pending_invoice_item_interval',
      'pending_setup_intent',
      'pending_update',
      'schedule',
      'transfer_data',
    ),
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_mode: { flexible: null, type: 'classic' },
    invoice_settings: {
      account_tax_ids: null,
      custom_fields: null,
      description: null,
      footer: null,
      issuer: { type: 'self' },
    },
    payment_settings: {
      payment_method_options: null,
      payment_method_types: null,
      save_default_payment_method: 'off',
    },
  }),
  subscription_item: () => nulls('billing_thresholds', 'current_trial'),
  invoice: () => ({
    ...nulls(
      'account_tax_ids',
      'application',
      'automatically_finalizes_at',
      'custom_fields',
      'customer_account',
      'customer_address',
      'customer_phone',
      'customer_shipping',
      'default_source',
      'footer',
      'from_invoice',
      'last_finalization_error',
      'latest_revision',
      'on_behalf_of',
      'rendering',
      'shipping_cost',
      'shipping_details',
      'total_pretax_credit_amounts',
    ),
    automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
    customer_tax_exempt: 'none',
    default_tax_rates: [],
    issuer: { type: 'self' },
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
  }),
  payment_intent: () => ({
    ...nulls(
      'allowed_payment_method_types',
      'application',
      'application_fee_amount',
      'automatic_payment_methods',
      'canceled_at',
      'cancellation_reason',
      'customer_account',
      'excluded_payment_method_types',
      'managed_payments',
      'next_action',
      'on_behalf_of',
      'payment_method_configuration_details',
      'payment_record',
      'processing',
      'receipt_email',
      'review',
      'setup_future_usage',
      'shipping',
      'source',
      'statement_descriptor',
      'statement_descriptor_suffix',
      'transfer_group',
    ),
    payment_method_options: {},
  }),
  charge: () => ({
    ...nulls(
      'application',
      'application_fee',
      'application_fee_amount',
      'calculated_statement_descriptor',
      'failure_balance_transaction',
      'on_behalf_of',
      'receipt_email',
      'receipt_number',
      'review',
      'shipping',
      'source',
      'source_transfer',
      'statement_descriptor',
      'statement_descriptor_suffix',
      'transfer_data',
      'transfer_group',
    ),
    fraud_details: {},
  }),
  line_item: () => nulls('quantity_decimal'),
};

/** The unmodelled keys of one object type (fresh objects each call: the store mutates what it holds). */
export function unmodelled(object: string): Record<string, unknown> {
  return UNMODELLED[object]?.() ?? {};
}
