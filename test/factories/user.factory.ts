import { randomBytes } from 'node:crypto';
import type { TestApp } from '../support/test-app';

export interface TestUser {
  id: string;
  email: string;
  token: string;
  auth: { Authorization: string };
}

/** Registers a fresh user through HTTP and returns its bearer token. */
export async function registerUser(t: TestApp, email?: string): Promise<TestUser> {
  const address = email ?? `user-${randomBytes(5).toString('hex')}@example.com`;
  const reg = await t
    .http()
    .post('/auth/register')
    .send({ email: address, password: 'correct horse battery' })
    .expect(201);
  const token = (reg.body as { access_token: string }).access_token;
  const me = await t.http().get('/auth/me').set('Authorization', `Bearer ${token}`).expect(200);
  return {
    id: (me.body as { id: string }).id,
    email: address,
    token,
    auth: { Authorization: `Bearer ${token}` },
  };
}
