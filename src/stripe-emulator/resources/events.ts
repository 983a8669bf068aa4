import type Stripe from 'stripe';
import { matchesRange } from '../list';
import { type Router } from '../router';
import type { StoredObject } from '../types';
import { listResponse, retrieveResponse } from './helpers';

/** `charge.*` style wildcard matching like Stripe's `type` filter. */
const typeMatches = (type: string, pattern: string): boolean =>
  pattern.endsWith('*') ? type.startsWith(pattern.slice(0, -1)) : type === pattern;

export function registerEvents(router: Router): void {
  router.add('GET', '/v1/events', (req) =>
    listResponse<Stripe.Event & StoredObject>(
      req,
      'event',
      ['type', 'types', 'created', 'delivery_success'],
      (o, p) => {
        const type = p.str('type');
        const types = p.strList('types');
        const success = p.bool('delivery_success');
        return (
          (!type || typeMatches(o.type, type)) &&
          (!types || types.some((t) => typeMatches(o.type, t))) &&
          (success === undefined || (o.pending_webhooks === 0) === success) &&
          matchesRange(o.created, p, 'created')
        );
      },
    ),
  );
  router.add('GET', '/v1/events/:id', (req) => retrieveResponse(req, 'event', 'event'));
}
