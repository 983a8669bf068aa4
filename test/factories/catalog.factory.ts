import { randomBytes } from 'node:crypto';
import type { DataSource, DeepPartial, EntityTarget, ObjectLiteral } from 'typeorm';
import { CreditPackage } from '../../src/plans/credit-package.entity';
import { Plan } from '../../src/plans/plan.entity';

/** A catalog row as catalog sync would store it (made-up Stripe ids: apply-level specs need no Stripe). */
async function createItem<T extends ObjectLiteral>(
  ds: DataSource,
  entity: EntityTarget<T>,
  kind: string,
  fields: DeepPartial<T>,
): Promise<T> {
  const id = randomBytes(4).toString('hex');
  const repo = ds.getRepository(entity);
  const base = {
    productName: `${kind} ${id}`,
    productId: `prod_${id}`,
    priceId: `price_${id}`,
    currency: 'usd',
  };
  return repo.save(repo.create({ ...base, ...fields } as DeepPartial<T>));
}

export const createPlan = (ds: DataSource, overrides: Partial<Plan> = {}): Promise<Plan> =>
  createItem<Plan>(ds, Plan, 'Plan', {
    price: '29.99',
    unitAmount: 2999,
    monthlyUses: 100,
    trialDays: 0,
    ...overrides,
  });

export const createPackage = (
  ds: DataSource,
  overrides: Partial<CreditPackage> = {},
): Promise<CreditPackage> =>
  createItem<CreditPackage>(ds, CreditPackage, 'Pack', {
    price: '9.99',
    unitAmount: 999,
    usesAmount: 100,
    ...overrides,
  });
