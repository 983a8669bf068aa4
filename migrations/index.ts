import { InitialSchema1764400000000 } from './1764400000000-initial-schema';
import { BillingLedgerWebhooks1764400100000 } from './1764400100000-billing-ledger-webhooks';
import { CatalogPriceHistory1764400200000 } from './1764400200000-catalog-price-history';
import { CreditPeriods1764400300000 } from './1764400300000-credit-periods';
import { ExternalIdentityApiKeys1764400400000 } from './1764400400000-external-identity-api-keys';
import { AppendOnlyLedger1764400500000 } from './1764400500000-append-only-ledger';
import { OutboundEvents1764400515000 } from './1764400515000-outbound-events';
import { WebhookEventWarning1764400600000 } from './1764400600000-webhook-event-warning';
import { RetentionIndexes1764400650000 } from './1764400650000-retention-indexes';
import { CheckoutLeases1764400680000 } from './1764400680000-checkout-leases';
import { Entitlements1764400700000 } from './1764400700000-entitlements';
import { CatalogTax1764400900000 } from './1764400900000-catalog-tax';
import { BillingDetails1764400910000 } from './1764400910000-billing-details';
import { AuditLog1764400950000 } from './1764400950000-audit-log';
import { CreditGrants1764401000000 } from './1764401000000-credit-grants';
import { SupportRole1764401100000 } from './1764401100000-support-role';
import { SpendControls1764401200000 } from './1764401200000-spend-controls';
import { UsageWindows1764401300000 } from './1764401300000-usage-windows';
import { LedgerUsageIndex1764401350000 } from './1764401350000-ledger-usage-index';
import { CreditOverage1764401400000 } from './1764401400000-credit-overage';
import { PlanOverage1764401450000 } from './1764401450000-plan-overage';
import { CreditMeterReportLease1764401500000 } from './1764401500000-credit-meter-report-lease';
import { OutboundEventClaims1764401550000 } from './1764401550000-outbound-event-claims';

/** Every migration, in order. Listed explicitly so ts-node, jest and the compiled app load the same set. */
export const MIGRATIONS = [
  InitialSchema1764400000000,
  BillingLedgerWebhooks1764400100000,
  CatalogPriceHistory1764400200000,
  CreditPeriods1764400300000,
  ExternalIdentityApiKeys1764400400000,
  AppendOnlyLedger1764400500000,
  OutboundEvents1764400515000,
  WebhookEventWarning1764400600000,
  RetentionIndexes1764400650000,
  CheckoutLeases1764400680000,
  Entitlements1764400700000,
  CatalogTax1764400900000,
  BillingDetails1764400910000,
  AuditLog1764400950000,
  CreditGrants1764401000000,
  SupportRole1764401100000,
  SpendControls1764401200000,
  UsageWindows1764401300000,
  LedgerUsageIndex1764401350000,
  CreditOverage1764401400000,
  PlanOverage1764401450000,
  CreditMeterReportLease1764401500000,
  OutboundEventClaims1764401550000,
];
