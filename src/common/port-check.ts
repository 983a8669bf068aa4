import { createServer } from 'node:net';

/**
 * Fails (with the EADDRINUSE error `listen` would give, code/address/port set) when host:port is taken, before
 * the app starts: Nest's own listen logs a JSON error line ahead of the one-line refusal main.ts prints.
 * Port 0 (any free port) always passes.
 */
export async function assertPortFree(port: number, host: string): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}
