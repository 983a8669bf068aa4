import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { hashPassword } from '../auth/password-hasher';
import { ROLES, type Role } from '../common/decorators';
import { loadAppConfig } from '../config/app.config';
import { usersServiceFor } from '../users/users.service';
import { openCliDataSource, runCli } from './cli-data-source';

const USAGE = 'usage: npm run admin:create -- <email> [--role admin|support|user] [--create]';

/**
 * npm run admin:create -- <email> [--role support]: gives a local account a role (admin by default) on a running
 * deployment. With --create an account that does not exist yet is created first, with a random password printed
 * once on stdout (change it by signing in; it is stored only as a scrypt hash): one command for the first
 * console user.
 */
runCli(async () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { role: { type: 'string', default: 'admin' }, create: { type: 'boolean', default: false } },
  });
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
