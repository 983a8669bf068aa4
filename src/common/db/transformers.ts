import type { ValueTransformer } from 'typeorm';

/** bigint columns come back from `pg` as strings; amounts here stay well inside Number.MAX_SAFE_INTEGER. */
export const bigintNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};
