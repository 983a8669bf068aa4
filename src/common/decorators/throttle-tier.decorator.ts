import { SetMetadata } from '@nestjs/common';

/** Picks a stricter rate-limit tier for a route or controller (see app.module's throttler). */
export type ThrottleTierName = 'auth' | 'checkout';
export const THROTTLE_TIER_KEY = 'throttleTier';
export const ThrottleTier = (tier: ThrottleTierName) => SetMetadata(THROTTLE_TIER_KEY, tier);
