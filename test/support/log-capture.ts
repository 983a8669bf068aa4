import { PassThrough } from 'node:stream';
import { logDestination } from '../../src/common/logging';

export interface CapturedLogs {
  /** Every line logged so far by apps booted while capturing. */
  text: () => string;
  stop: () => void;
}

/** Apps booted after this call log into memory (use with LOG_LEVEL=debug); stop() restores stdout. */
export function captureLogs(): CapturedLogs {
  const chunks: string[] = [];
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  logDestination.override = stream;
  return {
    text: () => chunks.join(''),
    stop: () => {
      if (logDestination.override === stream) delete logDestination.override;
    },
  };
}

/** Which of `secrets` (name → value) appear in `logs`, as-is; an empty list is the only good answer. */
export function leakedSecrets(logs: string, secrets: Record<string, string>): string[] {
  return Object.entries(secrets)
    .filter(([, value]) => value.length >= 8 && logs.includes(value))
    .map(([name]) => name);
}
