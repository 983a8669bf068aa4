import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { User } from '../../src/users/user.entity';
import type { UsersService } from '../../src/users/users.service';
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

/** A user row through the owner's service (service-tier specs: no HTTP), with a made-up Stripe customer. */
export async function createUser(
  users: UsersService,
  ds: DataSource,
  opts: { customerId?: string | null } = {},
): Promise<User & { customerId: string }> {
  const user = await users.create(`user-${randomBytes(5).toString('hex')}@example.com`, 'not-a-real-hash');
  const customerId =
    opts.customerId === undefined ? `cus_${randomBytes(6).toString('hex')}` : opts.customerId;
  if (customerId) user.customerId = await users.attachCustomerId(ds.manager, user.id, customerId);
  return user as User & { customerId: string };
}
