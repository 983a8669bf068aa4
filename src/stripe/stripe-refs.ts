/**
 * The id of an expandable Stripe reference: Stripe sends an id string, or the expanded object (a Product, a
 * DeletedProduct, a Customer…) when the request asked to expand it. null/undefined stay null.
 */
export const refId = (ref: string | { id: string } | null | undefined): string | null =>
  ref == null ? null : typeof ref === 'string' ? ref : ref.id;
