import { Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public, ThrottleTier } from '../common/decorators';
import { AppError, ErrorCode } from '../common/errors';
import { ConsoleOidcService, FLOW_COOKIE, SESSION_COOKIE, type SessionHandoff } from './console-oidc.service';

/** One cookie of the request's Cookie header. */
function cookie(req: FastifyRequest, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * The console's sign-in with the identity provider (docs/http-api.md, "Console sign-in"): browser
 * navigations answered with redirects, so not in the OpenAPI document. A failed sign-in lands back on the
 * console with the error code in its fragment (`/console#/oidc?error=FORBIDDEN`), for the page to explain.
 */
@ApiExcludeController()
@Public()
@ThrottleTier('auth')
@Controller('console/auth/oidc')
export class ConsoleOidcController {
  constructor(private readonly oidc: ConsoleOidcService) {}

  @Get('start')
  async start(@Res() reply: FastifyReply): Promise<void> {
    if (!this.oidc.enabled) throw new AppError(ErrorCode.NotFound);
    try {
      const { location, cookie: flow } = await this.oidc.start();
      await reply
        .code(302)
        .header('Cache-Control', 'no-store')
        .header('Set-Cookie', this.oidc.setCookie(flow))
        .header('Location', location)
        .send();
    } catch (err) {
      await this.refuse(reply, err);
    }
  }

  @Get('callback')
  async callback(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (!this.oidc.enabled) throw new AppError(ErrorCode.NotFound);
    // The flow cookie is spent whatever happens: one code, one try.
    const clear = this.oidc.clearCookie(FLOW_COOKIE, 'Lax');
    try {
      const session = await this.oidc.callback(
        (req.query ?? {}) as Record<string, unknown>,
        cookie(req, FLOW_COOKIE),
      );
      await reply
        .code(302)
        .header('Cache-Control', 'no-store')
        .header('Set-Cookie', [clear, this.oidc.setCookie(session)])
        .header('Location', '/console#/oidc')
        .send();
    } catch (err) {
      await this.refuse(reply, err, clear);
    }
  }

  @Post('session')
  @HttpCode(200)
  async session(
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SessionHandoff> {
    void reply
      .header('Cache-Control', 'no-store')
      .header('Set-Cookie', this.oidc.clearCookie(SESSION_COOKIE, 'Strict'));
    return this.oidc.session(cookie(req, SESSION_COOKIE));
  }

  /** Back to the console, which names the refusal; anything but an AppError stays a 500. */
  private async refuse(reply: FastifyReply, err: unknown, clear?: string): Promise<void> {
    if (!(err instanceof AppError)) throw err;
    if (clear) void reply.header('Set-Cookie', clear);
    await reply
      .code(302)
      .header('Cache-Control', 'no-store')
      .header('Location', `/console#/oidc?error=${encodeURIComponent(err.code)}`)
      .send();
  }
}
