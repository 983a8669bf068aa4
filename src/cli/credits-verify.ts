import { verifyLedger } from '../credits/credits.service';
import { openCliDataSource, runCli } from './cli-data-source';

/** npm run credits:verify — recomputes every balance from the ledger; exits 1 on any mismatch. */
runCli(async () => {
  const { ds, close, description } = await openCliDataSource();
  try {
    const mismatches = await verifyLedger(ds.manager);
    if (mismatches.length === 0) {
      console.log(`${description}: every balance matches the ledger.`);
      return 0;
    }
    for (const m of mismatches) {
      console.error(`user ${m.user_id} ${m.bucket}: balance ${m.balance} but ledger sums to ${m.ledger}`);
    }
    return 1;
  } finally {
    await close();
  }
});
