/** Stripe test card numbers and what the emulator does with them. */
export type CardOutcome =
  | 'success'
  | 'decline' // declined at checkout, nothing attached or charged
  | 'attach_then_fail' // attaches fine, every later charge is declined
  | 'authentication_failure' // 3DS fails
  | 'dispute'; // charge succeeds, then a dispute is opened

export interface TestCard {
  number: string;
  brand: string;
  funding: string;
  country: string;
  outcome: CardOutcome;
}

const CARDS: TestCard[] = [
  { number: '4242424242424242', brand: 'visa', funding: 'credit', country: 'US', outcome: 'success' },
  { number: '5555555555554444', brand: 'mastercard', funding: 'credit', country: 'US', outcome: 'success' },
  { number: '4000056655665556', brand: 'visa', funding: 'debit', country: 'US', outcome: 'success' },
  { number: '4000000000000002', brand: 'visa', funding: 'credit', country: 'US', outcome: 'decline' },
  {
    number: '4000000000000341',
    brand: 'visa',
    funding: 'credit',
    country: 'US',
    outcome: 'attach_then_fail',
  },
  {
    number: '4000002760003184',
    brand: 'visa',
    funding: 'credit',
    country: 'DE',
    outcome: 'authentication_failure',
  },
  { number: '4000000000000259', brand: 'visa', funding: 'credit', country: 'US', outcome: 'dispute' },
];

function luhnValid(n: string): boolean {
  let sum = 0;
  for (let i = 0; i < n.length; i++) {
    let d = Number(n[n.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** Look up a card; unknown but Luhn-valid numbers behave like 4242. Returns undefined for invalid numbers. */
export function lookupCard(input: string): TestCard | undefined {
  const number = input.replace(/[\s-]/g, '');
  const known = CARDS.find((c) => c.number === number);
  if (known) return known;
  if (!/^\d{12,19}$/.test(number) || !luhnValid(number)) return undefined;
  return {
    number,
    brand: number.startsWith('5') ? 'mastercard' : 'visa',
    funding: 'credit',
    country: 'US',
    outcome: 'success',
  };
}

export interface CardFailure {
  code: string;
  decline_code?: string;
  message: string;
}

export const DECLINED: CardFailure = {
  code: 'card_declined',
  decline_code: 'generic_decline',
  message: 'Your card was declined.',
};

export const AUTH_FAILED: CardFailure = {
  code: 'payment_intent_authentication_failure',
  message:
    'We are unable to authenticate your payment method. Please choose a different payment method and try again.',
};

export const INCORRECT_NUMBER: CardFailure = {
  code: 'incorrect_number',
  message: 'Your card number is incorrect.',
};
