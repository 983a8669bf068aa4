/** Stripe-shaped API errors: `{ error: { type, code, param, message } }`. */
export interface ApiErrorExtra {
  code?: string;
  param?: string;
  decline_code?: string;
  /** A card error on a PaymentIntent carries that PaymentIntent, as Stripe's does. */
  payment_intent?: unknown;
  payment_method?: unknown;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly extra: ApiErrorExtra = {},
  ) {
    super(message);
  }

  toBody(requestId?: string): { error: Record<string, unknown> } {
    const error: Record<string, unknown> = { type: this.type, message: this.message };
    if (this.extra.code) error.code = this.extra.code;
    if (this.extra.param) error.param = this.extra.param;
    if (this.extra.decline_code) error.decline_code = this.extra.decline_code;
    if (this.extra.payment_intent) error.payment_intent = this.extra.payment_intent;
    if (this.extra.payment_method) error.payment_method = this.extra.payment_method;
    if (this.extra.code)
      error.doc_url = `https://docs.stripe.com/error-codes/${this.extra.code.replace(/_/g, '-')}`;
    if (requestId) error.request_log_url = `https://dashboard.stripe.com/test/logs/${requestId}`;
    return { error };
  }
}

export const invalidRequest = (message: string, param?: string, code?: string): ApiError =>
  new ApiError(400, 'invalid_request_error', message, { param, code });

export const unknownParam = (param: string): ApiError =>
  invalidRequest(`Received unknown parameter: ${param}`, param, 'parameter_unknown');

export const missingParam = (param: string): ApiError =>
  invalidRequest(`Missing required param: ${param}.`, param, 'parameter_missing');

export const invalidParam = (param: string, message: string): ApiError =>
  invalidRequest(message, param, 'parameter_invalid_string');

export const noSuchObject = (kind: string, id: string, param = 'id'): ApiError =>
  new ApiError(404, 'invalid_request_error', `No such ${kind}: '${id}'`, { param, code: 'resource_missing' });

export const cardError = (code: string, message: string, declineCode?: string): ApiError =>
  new ApiError(402, 'card_error', message, { code, decline_code: declineCode });
