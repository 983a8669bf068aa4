import { Writable } from 'node:stream';
import pino, { type LoggerOptions } from 'pino';
import { loadAppConfig } from '../config/app.config';
import { pinoParams, prettyLogsWanted } from './logging';

function loggerFrom(level: string): { logger: pino.Logger; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  const params = pinoParams(loadAppConfig({ LOG_LEVEL: level }), false).pinoHttp as [LoggerOptions, unknown];
  return { logger: pino(params[0], stream), text: () => chunks.join('') };
}

describe('logs for a developer', () => {
  it("puts Nest's route-mapping and module lines at debug, keeps the app's own info lines", () => {
    const info = loggerFrom('info');
    info.logger.info({ context: 'RouterExplorer' }, 'Mapped {/credits, GET} route');
    info.logger.info({ context: 'InstanceLoader' }, 'AppModule dependencies initialized');
    info.logger.info({ context: 'CheckoutFulfilment' }, 'purchase fulfilled: +100 credits');
    expect(info.text()).not.toContain('Mapped');
    expect(info.text()).not.toContain('dependencies initialized');
    expect(info.text()).toContain('purchase fulfilled');

    const debug = loggerFrom('debug');
    debug.logger.info({ context: 'RouterExplorer' }, 'Mapped {/credits, GET} route');
    expect(JSON.parse(debug.text().trim())).toMatchObject({ level: 20, msg: 'Mapped {/credits, GET} route' });
  });

  it('is pretty on a development terminal, JSON in production, under tests and when piped', () => {
    const dev = loadAppConfig({ NODE_ENV: 'development', LOG_LEVEL: 'info' });
    expect(prettyLogsWanted(dev, true)).toBe(true);
    expect(prettyLogsWanted(dev, false)).toBe(false);
    expect(prettyLogsWanted(loadAppConfig({ NODE_ENV: 'production', LOG_LEVEL: 'info' }), true)).toBe(false);
    expect(prettyLogsWanted(loadAppConfig({ LOG_LEVEL: 'silent' }), true)).toBe(false);
    const pretty = pinoParams(dev, true).pinoHttp as { transport?: { target: string } };
    expect(pretty.transport?.target).toBe('pino-pretty');
  });
});
