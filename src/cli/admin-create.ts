import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { hashPassword } from '../auth/password-hasher';
import { ROLES, type Role } from '../common/decorators';
import { loadAppConfig } from '../config/app.config';
import { loadAuthConfig } from '../config/auth.config';
import { usersServiceFor } from '../users/users.service';
import { openCliDataSource, runCli } from './cli-data-source';

const USAGE =
  'usage: npm run admin:create -- <email> [--role admin|support|user] [--create]\n' +
  '       npm run admin:create -- --external <subject> [--role admin|support|user]';

/**
 * npm run admin:create -- <email> [--role support]: gives a local account a role (admin by default) on a running
 * deployment. With --create an account that does not exist yet is created first, with a random password printed
 * once on stdout (change it by signing in; it is stored only as a scrypt hash): one command for the first
 * console user. With --external <subject> it is a user of the identity provider (AUTH_ISSUER) instead, named by
 * its subject (the AUTH_USER_CLAIM of its tokens): the row is made if they never signed in, so their first
 * console sign-in is admitted.
 */
runCli(async () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      role: { type: 'string', default: 'admin' },
      create: { type: 'boolean', default: false },
      external: { type: 'string' },
    },
  });
  if (values.external !== undefined) return external(values.external, values.role as Role, positionals);
  const email = positionals[0]?.trim().toLowerCase();
  const role = values.role as Role;
  if (!email || !ROLES.includes(role)) {
    console.error(USAGE);
    return 1;
  }
  const { ds, close } = await openCliDataSource();
  try {
    const users = usersServiceFor(ds, loadAppConfig());
    let password: string | undefined;
    if (!(await users.findByEmailWithHash(email))) {
      if (!values.create) {
        console.error(`No account with email ${email}: register it first, or add --create.`);
        return 1;
      }
      password = randomBytes(18).toString('base64url');
      await users.create(email, await hashPassword(password));
    }
    if (!(await users.setRole(email, role))) {
      console.error(`No local account with email ${email}.`);
      return 1;
    }
    if (password) console.log(`Created ${email} with the password ${password} (shown once).`);
    console.log(
      `${email} is now ${role === 'admin' ? 'an' : 'a'} ${role} (effective immediately: roles are checked against the database).`,
    );
  } finally {
    await close();
  }
});

/** --external <subject>: the identity provider's user, by (AUTH_ISSUER, subject). */
async function external(subject: string, role: Role, positionals: string[]): Promise<number> {
  if (!/^[\x21-\x7e]{1,255}$/.test(subject) || !ROLES.includes(role) || positionals.length > 0) {
    console.error(USAGE);
    return 1;
  }
  const issuer = loadAuthConfig().external?.issuer;
  if (!issuer) {
    console.error('--external names a user of the identity provider: set AUTH_ISSUER.');
    return 1;
  }
  const { ds, close } = await openCliDataSource();
  try {
    const user = await usersServiceFor(ds, loadAppConfig()).setExternalRole(issuer, subject, role);
    console.log(
      `${subject} (${issuer}, user ${user.id}) is now ${role === 'admin' ? 'an' : 'a'} ${role} (effective immediately).`,
    );
    return 0;
  } finally {
    await close();
  }
}
