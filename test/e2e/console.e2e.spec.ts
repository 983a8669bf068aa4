import { createTestApp, TestApp } from '../support/test-app';

/** /console is served with its strict CSP, serves only its own scripts and styles, and CONSOLE_ENABLED=false drops it. */
describe('console page (e2e)', () => {
  describe('enabled (the default)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp();
    });
    afterAll(async () => t.close());

    it('serves the page and its modules under a CSP that allows only this origin', async () => {
      const page = await t.http().get('/console').expect(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.headers['content-security-policy']).toBe(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
          "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
      );
      expect(page.headers['cache-control']).toBe('no-store');
      expect(page.text).toContain('<script type="module" src="/console/assets/app.js"></script>');
      for (const asset of ['app.js', 'api.js', 'dom.js', 'style.css']) {
        const res = await t.http().get(`/console/assets/${asset}`).expect(200);
        expect(res.headers['content-security-policy']).toContain("default-src 'none'");
      }
      await t.http().get('/console/assets/index.html').expect(404);
      // No identity provider configured: no IdP sign-in offered, its routes absent.
      expect(page.text).toContain('<body>');
      await t.http().get('/console/auth/oidc/start').expect(404);
      await t.http().post('/console/auth/oidc/session').expect(404);
      await t.http().get('/console/assets/..%2Fpackage.json').expect(404);
    });
  });

  it('AUTH_LOCAL=false with the IdP sign-in: the page offers only the identity provider', async () => {
    const t = await createTestApp({
      env: {
        AUTH_LOCAL: 'false',
        AUTH_ISSUER: 'http://127.0.0.1:9/',
        CONSOLE_OIDC_CLIENT_ID: 'tollgate-console',
        CONSOLE_OIDC_REDIRECT_URL: 'http://127.0.0.1:9/console/auth/oidc/callback',
      },
    });
    try {
      expect((await t.http().get('/console').expect(200)).text).toContain(
        '<body data-oidc="on" data-local="off">',
      );
    } finally {
      await t.close();
    }
  });

  it('CONSOLE_ENABLED=false: no page, no assets', async () => {
    const t = await createTestApp({ env: { CONSOLE_ENABLED: 'false' } });
    try {
      await t.http().get('/console').expect(404);
      await t.http().get('/console/assets/app.js').expect(404);
    } finally {
      await t.close();
    }
  });
});
