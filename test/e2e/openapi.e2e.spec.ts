import { ErrorCode } from '../../src/common/errors';
import { createTestApp, TestApp } from '../support/test-app';

interface Operation {
  security?: unknown[];
  parameters?: Array<{ name: string; in: string }>;
  requestBody?: unknown;
  responses: Record<string, { description?: string }>;
}

/** The OpenAPI document tells the truth: who needs a credential, which errors each operation can answer. */
describe('OpenAPI document (e2e)', () => {
  let t: TestApp;
  let doc: {
    paths: Record<string, Record<string, Operation>>;
    components: { schemas: Record<string, { properties: Record<string, Record<string, unknown>> }> };
  };
  let operations: Array<{ id: string; path: string; op: Operation }>;

  beforeAll(async () => {
    t = await createTestApp();
    doc = (await t.http().get('/docs-json').expect(200)).body;
    operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({ id: `${method.toUpperCase()} ${path}`, path, op })),
    );
  });
  afterAll(async () => t.close());

  const PUBLIC = [
    'POST /auth/register',
    'POST /auth/login',
    'GET /health',
    'GET /health/live',
    'GET /health/ready',
    'GET /payments/products',
    'POST /payments/webhook',
  ];
  const NOT_THROTTLED = ['GET /health', 'GET /health/live', 'GET /health/ready', 'POST /payments/webhook'];

  it('marks exactly the public routes as needing no credential', () => {
    expect(operations.length).toBeGreaterThan(25);
    for (const { id, op } of operations) {
      if (PUBLIC.includes(id)) expect({ id, security: op.security }).toEqual({ id, security: [] });
      else expect({ id, security: op.security }).toEqual({ id, security: [{ bearer: [] }] });
    }
  });

  it('lists 400, 401, 429 and 500 on every operation where they apply', () => {
    const missing: string[] = [];
    for (const { id, path, op } of operations) {
      const expected = [500];
      if (op.requestBody || op.parameters?.length || !path.startsWith('/health')) expected.push(400);
      if (!PUBLIC.includes(id)) expected.push(401);
      if (!NOT_THROTTLED.includes(id)) expected.push(429);
      if (op.requestBody) expected.push(413, 415);
      if (id !== 'GET /health/live') expected.push(503);
      for (const status of expected) if (!op.responses[String(status)]) missing.push(`${id} ${status}`);
    }
    expect(missing).toEqual([]);
  });

  it('declares the webhook signature header once', () => {
    const headers = (doc.paths['/payments/webhook'].post.parameters ?? []).filter(
      (p) => p.in === 'header' && p.name.toLowerCase() === 'stripe-signature',
    );
    expect(headers).toHaveLength(1);
  });

  it('documents the real error body: code as the ErrorCode enum, errors as [{field, errors[]}]', () => {
    const { schemas } = doc.components;
    const error = schemas.ErrorResponseDto.properties;
    // The fields some codes add (docs/errors.md): documented, never required.
    const extras = [
      'requested',
      'available',
      'feature',
      'current_plan',
      'required_plan',
      'allowed',
      'decline_code',
    ];
    expect(Object.keys(error).sort()).toEqual(
      ['code', 'detail', 'errors', 'message', 'request_id', 'statusCode', ...extras].sort(),
    );
    const required = (schemas.ErrorResponseDto as unknown as { required: string[] }).required;
    for (const extra of extras) expect(required).not.toContain(extra);
    expect(error.code.allOf).toEqual([{ $ref: '#/components/schemas/ErrorCode' }]);
    expect((schemas.ErrorCode as unknown as { enum: string[] }).enum.sort()).toEqual(
      Object.values(ErrorCode).sort(),
    );
    expect(error.errors).toMatchObject({
      type: 'array',
      items: { $ref: '#/components/schemas/FieldErrorDto' },
    });
    expect(schemas.FieldErrorDto.properties).toMatchObject({
      field: { type: 'string' },
      errors: { type: 'array', items: { type: 'string' } },
    });
  });

  it('documents POST /examples/posts as 201 and the credit 402s as INSUFFICIENT_CREDITS or USAGE_LIMIT_REACHED, never a card error', async () => {
    const posts = doc.paths['/examples/posts'].post.responses;
    expect(posts['201']).toBeDefined();
    expect(posts['200']).toBeUndefined();
    const user = await t
      .http()
      .post('/auth/register')
      .send({ email: 'doc@example.com', password: 'correct horse battery' });
    expect(user.status).toBe(201);
    for (const op of [doc.paths['/credits/consume'].post, doc.paths['/examples/posts'].post]) {
      expect(op.responses['402'].description).toMatch(/^INSUFFICIENT_CREDITS .* or USAGE_LIMIT_REACHED\.$/);
      expect(op.responses['402'].description).not.toMatch(/CARD_DECLINED|card/i);
    }
  });
});
