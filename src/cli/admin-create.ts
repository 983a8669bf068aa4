import { loadAppConfig } from '../config/app.config';
import { usersServiceFor } from '../users/users.service';
import { openCliDataSource, runCli } from './cli-data-source';

/** npm run admin:create -- <email>: promotes an existing account on a running deployment. */
runCli(async () => {
  const email = process.argv[2]?.trim().toLowerCase();
  if (!email) throw new Error('usage: npm run admin:create -- <email>');
  const { ds, close } = await openCliDataSource();
  try {
    const users = usersServiceFor(ds, loadAppConfig());
    if (!(await users.promoteToAdmin(email))) {
      console.error(`No account with email ${email}: register it first.`);
      return 1;
    }
    console.log(`${email} is now an admin (effective immediately: roles are checked against the database).`);
  } finally {
    await close();
  }
});
