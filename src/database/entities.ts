import { ApiKey } from '../api-keys/api-key.entity';
import { CheckoutSessionRecord } from '../payments/checkout-session.entity';
import { Subscription } from '../payments/subscription.entity';
import { CreditPackage } from '../plans/package.entity';
import { Plan } from '../plans/plan.entity';
import { User } from '../users/user.entity';

/** Every entity, listed explicitly (no globs: the same list works under ts-node, jest and dist). */
export const ENTITIES = [User, Plan, CreditPackage, Subscription, CheckoutSessionRecord, ApiKey];
