import { applyDecorators } from '@nestjs/common';
import { ApiExtension, ApiResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from './errors/error-response.dto';

export const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'VALIDATION_FAILED (or a more specific code, e.g. HOST_NOT_ALLOWED): the request is invalid; nothing changed.',
  401: 'AUTH_TOKEN_MISSING / AUTH_TOKEN_INVALID / AUTH_TOKEN_EXPIRED / API_KEY_INVALID (AUTH_INVALID_CREDENTIALS on login).',
  402: 'Payment required: a card error (CARD_DECLINED, INSUFFICIENT_FUNDS, EXPIRED_CARD, PROCESSING_ERROR).',
  403: 'FORBIDDEN / API_KEY_SCOPE_MISSING: the caller lacks the role or scope.',
  404: 'Not found (a specific code says what).',
  409: 'Conflict with the current state (a specific code says what).',
  413: 'PAYLOAD_TOO_LARGE: the body is over BODY_LIMIT (1 MiB for the webhook).',
  415: 'UNSUPPORTED_MEDIA_TYPE: send the body as application/json.',
  422: 'BILLING_ADDRESS_REQUIRED (Stripe Tax needs a billing address it can locate) / SPEND_CONTROLS_INVALID (a control out of range): nothing changed.',
  429: 'RATE_LIMITED: slow down (Retry-After).',
  500: 'INTERNAL_ERROR: an unexpected failure (logged with the request_id); safe to retry.',
  502: 'PAYMENT_PROVIDER_ERROR: Stripe answered unexpectedly; nothing changed.',
  503: 'SERVICE_UNAVAILABLE / PAYMENT_PROVIDER_UNAVAILABLE: a dependency is down; retry after Retry-After.',
};

/** Documents the shared error body for the given statuses (500, 503 and the rest are added by openapi.ts). */
export const ApiErrors = (...statuses: number[]) =>
  applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({ status, description: ERROR_DESCRIPTIONS[status], type: ErrorResponseDto }),
    ),
  );

/** The 402 of a route that spends credits: INSUFFICIENT_CREDITS only (it never charges a card). */
export const ApiInsufficientCredits = (detail = 'nothing was spent') =>
  ApiResponse({
    status: 402,
    type: ErrorResponseDto,
    description: `INSUFFICIENT_CREDITS (${detail}; the body says requested and available) or USAGE_LIMIT_REACHED.`,
  });

/** Marks an operation (or a controller) whose route is not rate limited, for the OpenAPI document. */
export const ApiNotThrottled = () => ApiExtension('x-not-throttled', true);
