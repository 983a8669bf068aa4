import { randomUUID } from 'node:crypto';
import type { Provider } from '@nestjs/common';

/**
 * Passport keeps strategies by name in one process-wide registry, so each app's guards register their
 * strategy under a name of the app's own (`<kind>#<app scope>`) and ask for that one: two apps in one process
 * (tests, the bench) never authenticate through each other's services, and a closed app's strategies leave.
 */
export const PASSPORT_SCOPE = Symbol('PASSPORT_SCOPE');
export const passportScopeProvider: Provider = { provide: PASSPORT_SCOPE, useFactory: () => randomUUID() };
