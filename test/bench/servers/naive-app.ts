import 'reflect-metadata';
import { Body, Controller, HttpCode, HttpException, Injectable, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { InjectRepository, TypeOrmModule } from '@nestjs/typeorm';
import { Column, Entity, PrimaryColumn, Repository } from 'typeorm';

/**
 * The naive consume, written the way the spec's snippet reads: load the user, check, decrement, save.
 * NestJS 12 + Fastify + TypeORM on the same PostgreSQL, no auth, no ledger. Fast, and wrong under
 * concurrency: two requests read the same balance and both spend it (the bench counts the overspend).
 */
@Entity('naive_users')
export class NaiveUser {
  @PrimaryColumn('uuid') id: string;
  @Column('integer') credits: number;
}

@Injectable()
class NaiveCreditsService {
  constructor(@InjectRepository(NaiveUser) private readonly users: Repository<NaiveUser>) {}

  async consume(userId: string): Promise<{ remaining: number }> {
    const user = await this.users.findOneBy({ id: userId });
    if (!user) throw new HttpException('User not found', 404);
    if (user.credits <= 0) throw new HttpException('No credits available', 402);
    user.credits -= 1;
    await this.users.save(user);
    return { remaining: user.credits };
  }
}

@Controller('naive')
class NaiveController {
  constructor(private readonly credits: NaiveCreditsService) {}

  @Post('consume')
  @HttpCode(200)
  consume(@Body() body: { user_id: string }): Promise<{ remaining: number }> {
    return this.credits.consume(body.user_id);
  }
}

@Module({
  imports: [
    TypeOrmModule.forRoot({
      type: 'postgres',
      url: process.env.DATABASE_URL,
      entities: [NaiveUser],
      synchronize: true,
      extra: { max: Number(process.env.DB_POOL_SIZE ?? 10) },
    }),
    TypeOrmModule.forFeature([NaiveUser]),
  ],
  controllers: [NaiveController],
  providers: [NaiveCreditsService],
})
class NaiveModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create<NestFastifyApplication>(NaiveModule, new FastifyAdapter(), {
    logger: false,
  });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  process.stdout.write(`listening on http://127.0.0.1:${port}\n`);
}

void main();
