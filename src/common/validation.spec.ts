import { ValidationPipe } from '@nestjs/common';
import { IsIn, IsOptional, IsString } from 'class-validator';
import { AppError } from './errors';
import { createValidationPipe } from './validation';

class Query {
  @IsOptional()
  @IsIn(['subscription', 'one_time'])
  product_type?: string;

  @IsOptional()
  @IsString()
  currency?: string;
}

describe('AppValidationPipe', () => {
  const meta = { type: 'query' as const, metatype: Query, data: undefined };

  it('validates a repeated query string once and hands out a fresh DTO each time', async () => {
    const pipe = createValidationPipe();
    const full = jest.spyOn(ValidationPipe.prototype, 'transform');
    const first = (await pipe.transform({ product_type: 'subscription' }, meta)) as Query;
    const second = (await pipe.transform({ product_type: 'subscription' }, meta)) as Query;
    expect(full).toHaveBeenCalledTimes(1);
    expect(second).toBeInstanceOf(Query);
    expect(second).toEqual(first);
    expect(second).not.toBe(first);
    second.currency = 'eur'; // a handler changing its copy changes nothing for the next request
    expect(await pipe.transform({ product_type: 'subscription' }, meta)).toEqual({
      product_type: 'subscription',
    });
    full.mockRestore();
  });

  it('still rejects invalid and unknown query fields every time, and never caches them', async () => {
    const pipe = createValidationPipe();
    for (let i = 0; i < 2; i++) {
      await expect(pipe.transform({ product_type: 'nope' }, meta)).rejects.toBeInstanceOf(AppError);
      await expect(pipe.transform({ extra: 'x' }, meta)).rejects.toBeInstanceOf(AppError);
    }
  });

  it('takes the full path for bodies and for queries with repeated keys', async () => {
    const pipe = createValidationPipe();
    const full = jest.spyOn(ValidationPipe.prototype, 'transform');
    await pipe.transform({ product_type: 'one_time' }, { ...meta, type: 'body' });
    await pipe.transform({ product_type: 'one_time' }, { ...meta, type: 'body' });
    await expect(pipe.transform({ product_type: ['one_time', 'x'] }, meta)).rejects.toBeInstanceOf(AppError);
    expect(full).toHaveBeenCalledTimes(3);
    full.mockRestore();
  });
});
