/** A CreditBreakdown's `overage` for a user without an overage policy for the current period. */
export { NO_OVERAGE } from '../../src/credits/credit.types';
