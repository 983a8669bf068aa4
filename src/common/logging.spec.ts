import { Writable } from 'node:stream';
import pino from 'pino';
import { REDACT_PATHS } from './logging';

function capture(): { logger: pino.Logger; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return {
    logger: pino({ redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, stream),
    text: () => chunks.join(''),
  };
}

describe('log redaction', () => {
  it('blanks bearer tokens, cookies, Stripe signatures, passwords and failed-query parameters', () => {
    const { logger, text } = capture();
    logger.info({
      req: {
        headers: {
          authorization: 'Bearer eyJ.secret.token',
          cookie: 'sid=abc',
          'stripe-signature': 't=1,v1=f00',
        },
      },
    });
    logger.info({ body: { email: 'a@example.com', password: 'hunter2hunter2' } });
    logger.error({
      err: { message: 'duplicate key', parameters: ['a@example.com', 'scrypt$16384$8$1$salt$hash'] },
    });
    logger.info({
      config: { secretKey: 'sk_live_abc', webhookSecrets: ['whsec_x'], jwtSecret: 'j'.repeat(40) },
    });
    const out = text();
    for (const secret of [
      'eyJ.secret.token',
      'sid=abc',
      'v1=f00',
      'hunter2',
      'scrypt$',
      'sk_live_abc',
      'whsec_x',
      'jjjj',
    ]) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain('a@example.com'); // what is not secret stays readable
  });
});
