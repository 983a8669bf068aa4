import { ApiKey } from '../api-keys/api-key.entity';
import { UserEntitlement } from '../entitlements/user-entitlement.entity';
import { BillingDetails } from '../payments/billing-details.entity';
import { CheckoutSessionRecord } from '../payments/checkout-session.entity';
import { Subscription } from '../payments/subscription.entity';
import { FreePlan } from '../plans/free-plan.entity';
import { CreditPackage } from '../plans/credit-package.entity';
import { Plan } from '../plans/plan.entity';
import { User } from '../users/user.entity';

/** Every entity, listed explicitly (no globs: the same list works under ts-node, jest and dist). */
export const ENTITIES = [
  User,
  Plan,
  CreditPackage,
  Subscription,
  CheckoutSessionRecord,
  ApiKey,
  FreePlan,
  UserEntitlement,
  BillingDetails,
];
