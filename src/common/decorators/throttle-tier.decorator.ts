import { SetMetadata } from '@nestjs/common';

/**
 * Picks a rate-limit tier for a route or controller (see app.module's throttler): the strict `auth` and
 * `checkout` tiers, or `consume`, sized for metering. A route an API key opens with the `credits:consume` scope
 * is in the `consume` tier without the decorator.
 */
export type ThrottleTierName = 'auth' | 'checkout' | 'consume';
export const THROTTLE_TIER_KEY = 'throttleTier';
export const ThrottleTier = (tier: ThrottleTierName) => SetMetadata(THROTTLE_TIER_KEY, tier);
