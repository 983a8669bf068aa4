import type { Socket } from 'node:net';
import { clientErrorHandler } from './client-errors';

function answer(code: string | undefined) {
  const written: string[] = [];
  const socket = {
    destroyed: false,
    writable: true,
    write: (s: string) => written.push(s),
    destroy: jest.fn(),
  };
  clientErrorHandler(Object.assign(new Error('parser'), { code }), socket as unknown as Socket);
  const [head, body] = written.join('').split('\r\n\r\n');
  return { statusLine: head.split('\r\n')[0], body: JSON.parse(body) as { code: string }, socket };
}

describe('clientErrorHandler', () => {
  it.each([
    ['HPE_HEADER_OVERFLOW', 'HTTP/1.1 431 Request Header Fields Too Large', 'HEADERS_TOO_LARGE'],
    ['ERR_HTTP_REQUEST_TIMEOUT', 'HTTP/1.1 408 Request Timeout', 'REQUEST_TIMEOUT'],
    ['HPE_INVALID_METHOD', 'HTTP/1.1 400 Bad Request', 'VALIDATION_FAILED'],
  ])('answers %s with "%s" and code %s, then closes', (code, statusLine, errorCode) => {
    const res = answer(code);
    expect(res.statusLine).toBe(statusLine);
    expect(res.body.code).toBe(errorCode);
    expect(res.socket.destroy).toHaveBeenCalled();
  });

  it('writes nothing on a reset connection', () => {
    const socket = { destroyed: false, writable: true, write: jest.fn(), destroy: jest.fn() };
    clientErrorHandler(
      Object.assign(new Error('reset'), { code: 'ECONNRESET' }),
      socket as unknown as Socket,
    );
    expect(socket.write).not.toHaveBeenCalled();
  });
});
