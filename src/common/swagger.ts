import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from './errors/error-response.dto';

const DESCRIPTIONS: Record<number, string> = {
  400: 'VALIDATION_FAILED (or a more specific code): the request is invalid; nothing changed.',
  401: 'AUTH_TOKEN_MISSING / AUTH_TOKEN_INVALID / AUTH_TOKEN_EXPIRED (AUTH_INVALID_CREDENTIALS on login).',
  402: 'Payment required: INSUFFICIENT_CREDITS, or a card error (CARD_DECLINED, INSUFFICIENT_FUNDS, EXPIRED_CARD, PROCESSING_ERROR).',
  403: 'FORBIDDEN: the caller lacks the role.',
  404: 'Not found (a specific code says what).',
  409: 'Conflict with the current state (a specific code says what).',
  429: 'RATE_LIMITED: slow down (Retry-After).',
  503: 'PAYMENT_PROVIDER_UNAVAILABLE / SERVICE_UNAVAILABLE: retry later (Retry-After).',
};

/** Documents the shared error body for the given statuses. */
export const ApiErrors = (...statuses: number[]) =>
  applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({ status, description: DESCRIPTIONS[status], type: ErrorResponseDto }),
    ),
  );
