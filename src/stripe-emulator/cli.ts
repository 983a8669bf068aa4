/* Standalone offline Stripe emulator: `npm run stripe:emulator`. Test mode only — NO REAL MONEY MOVES. */
import { randomBytes } from 'node:crypto';
import { StripeEmulator } from './index';

async function main(): Promise<void> {
  const port = Number(process.env.STRIPE_EMULATOR_PORT ?? 12111);
  const host = process.env.STRIPE_EMULATOR_HOST ?? '127.0.0.1';
  const webhookUrl = process.env.WEBHOOK_URL ?? 'http://localhost:8000/payments/webhook';
  const secret = process.env.WEBHOOK_SECRET ?? `whsec_${randomBytes(24).toString('hex')}`;
  const statePath = process.env.STRIPE_EMULATOR_STATE || undefined;
  const emulator = new StripeEmulator({
    webhookEndpoints: [{ url: webhookUrl, secret }],
    statePath,
    publicBaseUrl: process.env.STRIPE_EMULATOR_PUBLIC_URL || undefined,
    logger: (msg) => console.log(`[stripe-emulator] ${msg}`),
  });
  const url = await emulator.start(port, host);
  console.log(
    [
      '',
      '  ┌──────────────────────────────────────────────────────────────┐',
      '  │  OFFLINE STRIPE EMULATOR — TEST MODE — NO REAL MONEY MOVES   │',
      '  └──────────────────────────────────────────────────────────────┘',
      `  API:            ${url}   (use any sk_test_... key)`,
      `  Webhooks to:    ${webhookUrl}`,
      `  Webhook secret: ${secret}${process.env.WEBHOOK_SECRET ? '' : '   (generated; set WEBHOOK_SECRET to pin it)'}`,
      `  State:          ${statePath ?? 'in memory (set STRIPE_EMULATOR_STATE=path.json to persist)'}`,
      '',
    ].join('\n'),
  );
  const shutdown = (): void => {
    emulator.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
