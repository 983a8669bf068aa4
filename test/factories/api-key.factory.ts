import type { TestApp } from '../support/test-app';
import type { TestUser } from './user.factory';

export interface TestApiKey {
  id: string;
  secret: string;
  prefix: string;
  scopes: string[];
}

/** Creates an API key through the admin route (the secret is only in this answer). */
export async function createApiKey(
  t: TestApp,
  admin: TestUser,
  scopes: string[],
  name = 'backend',
): Promise<TestApiKey> {
  const res = await t.http().post('/admin/api-keys').set(admin.auth).send({ name, scopes }).expect(201);
  return res.body as TestApiKey;
}
