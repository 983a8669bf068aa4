import Stripe from 'stripe';

/** Upper bound on what one catalog read pulls from Stripe (a catalog is tens of items, not thousands). */
const MAX_ITEMS = 10_000;

const isExpandUnsupported = (err: unknown): boolean =>
  err instanceof Stripe.errors.StripeInvalidRequestError &&
  (err.param === 'expand' || /expand/i.test(err.message));

/**
 * Lists prices with their per-currency amounts. Stripe returns `currency_options` only when expanded
 * (`data.currency_options`); a Stripe-compatible server that cannot expand it is asked again without the
 * expansion, and `currency_options` is read if the server includes it anyway.
 */
export async function listAllPrices(
  stripe: Stripe,
  params: Stripe.PriceListParams = {},
): Promise<Stripe.Price[]> {
  const base: Stripe.PriceListParams = { limit: 100, ...params };
  try {
    return await stripe.prices
      .list({ ...base, expand: [...(params.expand ?? []), 'data.currency_options'] })
      .autoPagingToArray({ limit: MAX_ITEMS });
  } catch (err) {
    if (!isExpandUnsupported(err)) throw err;
  }
  return stripe.prices.list(base).autoPagingToArray({ limit: MAX_ITEMS });
}

/** Every product, active or archived. */
export async function listAllProducts(
  stripe: Stripe,
  params: Stripe.ProductListParams = {},
): Promise<Stripe.Product[]> {
  return stripe.products.list({ limit: 100, ...params }).autoPagingToArray({ limit: MAX_ITEMS });
}

const isMissing = (err: unknown): boolean =>
  err instanceof Stripe.errors.StripeInvalidRequestError &&
  (err.code === 'resource_missing' || err.statusCode === 404);

/** A product, or null when Stripe no longer has it (deleted). */
export async function retrieveProductOrNull(
  stripe: Stripe,
  productId: string,
): Promise<Stripe.Product | null> {
  try {
    const product = await stripe.products.retrieve(productId);
    return (product as Stripe.Product | Stripe.DeletedProduct).deleted ? null : product;
  } catch (err) {
    if (isMissing(err)) return null;
    throw err;
  }
}
