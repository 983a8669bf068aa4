import type { EventBus } from './events';
import type { Store } from './store';

/** Everything a resource handler or engine function needs. */
export interface Ctx {
  store: Store;
  events: EventBus;
  baseUrl: () => string;
  log: (msg: string) => void;
}
