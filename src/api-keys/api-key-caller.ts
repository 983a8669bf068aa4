import type { ApiKeyScope } from '../common/decorators';

/** A verified API key, as a request carries it. */
export interface ApiKeyCaller {
  id: string;
  name: string;
  scopes: ApiKeyScope[];
}
