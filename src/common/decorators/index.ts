export * from './current-user.decorator';
export * from './public.decorator';
export * from './roles.decorator';
export * from './throttle-tier.decorator';
export * from './idempotency-key.decorator';
export * from './route-metadata';
export * from './requires-scope.decorator';
export * from './email.decorator';
