import { CreditsService } from '../../src/credits/credits.service';
import { registerUser } from '../factories/user.factory';
import { createTestApp, waitFor } from '../support/test-app';

describe('graceful shutdown: readiness first, then drain (e2e)', () => {
  it('turns readiness 503 at once, keeps serving for SHUTDOWN_DELAY_MS, and finishes the in-flight request', async () => {
    const t = await createTestApp({ env: { SHUTDOWN_DELAY_MS: '1500' } });
    const user = await registerUser(t);
    await t.http().get('/health/ready').expect(200);

    // Hold one request in flight (GET /credits, inside its service call) across the start of shutdown.
    const credits = t.app.get(CreditsService);
    const breakdown = credits.breakdown.bind(credits);
    let entered = false;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    jest.spyOn(credits, 'breakdown').mockImplementation(async (id: string) => {
      entered = true;
      await gate;
      return breakdown(id);
    });
    const inFlight = t
      .http()
      .get('/credits')
      .set(user.auth)
      .then((r) => r);
    await waitFor(() => entered, 'GET /credits to be in flight');

    const closing = t.close(); // what SIGTERM runs (app.close)
    let closed = false;
    void closing.then(() => (closed = true));

    // Readiness turns 503 while the process still serves: the load balancer takes it out first.
    const ready = await waitFor(async () => {
      const res = await t.http().get('/health/ready');
      return res.status === 503 ? res : undefined;
    }, 'readiness to report 503');
    expect(ready.body).toMatchObject({ error: { shutdown: { status: 'down' } } });
    await t.http().get('/health/live').expect(200);
    expect(closed).toBe(false);

    release();
    const res = await inFlight;
    expect(res.status).toBe(200); // not dropped: the in-flight request got its whole answer
    expect(res.body).toMatchObject({ total_credits: 0 });
    await closing;
    expect(t.dataSource.isInitialized).toBe(false);
  });
});
