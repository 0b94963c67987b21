import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Public } from '../auth/auth.decorator';
import { AppError } from '../common/errors';

const PING_TIMEOUT_MS = 2000;

@ApiTags('operations')
@Public()
@Controller('health')
export class HealthController {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  @Get()
  @ApiOperation({ operationId: 'getHealth', summary: 'Is the service and its database up' })
  @ApiOkResponse({
    schema: { type: 'object', required: ['status', 'database'], properties: { status: { type: 'string', enum: ['ok'] }, database: { type: 'string', enum: ['up'] } } },
  })
  @ApiServiceUnavailableResponse({ description: 'Postgres is unreachable' })
  async check(): Promise<{ status: 'ok'; database: 'up' }> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.dataSource.query('SELECT 1'),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timed out')), PING_TIMEOUT_MS))),
      ]);
    } catch {
      throw new AppError('service_unavailable', 'database is down');
    } finally {
      clearTimeout(timer);
    }
    return { status: 'ok', database: 'up' };
  }
}
