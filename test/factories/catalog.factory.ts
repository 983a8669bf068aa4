import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { CreditPackage } from '../../src/plans/package.entity';
import { Plan } from '../../src/plans/plan.entity';

const suffix = (): string => randomBytes(4).toString('hex');

/** A plan row as catalog sync would store it (its Stripe ids are made up: apply-level specs need no Stripe). */
export async function createPlan(ds: DataSource, overrides: Partial<Plan> = {}): Promise<Plan> {
  const id = suffix();
  return ds.getRepository(Plan).save(
    ds.getRepository(Plan).create({
      productName: `Plan ${id}`,
      productId: `prod_${id}`,
      priceId: `price_${id}`,
      price: '29.99',
      unitAmount: 2999,
      currency: 'usd',
      monthlyUses: 100,
      trialDays: 0,
      ...overrides,
    }),
  );
}

/** A credit package row. */
export async function createPackage(
  ds: DataSource,
  overrides: Partial<CreditPackage> = {},
): Promise<CreditPackage> {
  const id = suffix();
  return ds.getRepository(CreditPackage).save(
    ds.getRepository(CreditPackage).create({
      productName: `Pack ${id}`,
      productId: `prod_${id}`,
      priceId: `price_${id}`,
      price: '9.99',
      unitAmount: 999,
      currency: 'usd',
      usesAmount: 100,
      ...overrides,
    }),
  );
}
