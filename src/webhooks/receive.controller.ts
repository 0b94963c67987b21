import { All, Controller, Get, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../auth/auth.decorator';
import { ReceiveService } from './receive.service';

const DESCRIPTION =
  'The signature in the URL is the credential. Any content type up to WEBHOOK_MAX_BODY; appended query parameters reach the runtime. ' +
  'Sync: the runtime decides the answer (200 {answer, messages}, its own response, or 302 to the issued redirect; 503 when it fails). ' +
  'Async or no runtime: 202 {accepted, invocationId}. 403 bad signature, 404 bot deleted, 405 other methods, 409 same idempotency key still being answered, ' +
  '410 expired/revoked/rotated-out/used, 413 too large, 429 rate limited (Retry-After).';

/** Issued webhook URLs. Every method lands in the same handler, which accepts GET and POST only. */
@ApiTags('webhooks')
@Public()
@Controller('w')
export class ReceiveController {
  constructor(private readonly receiver: ReceiveService) {}

  @Get('*token')
  @ApiOperation({ summary: 'Call an issued URL', description: DESCRIPTION })
  @ApiParam({ name: 'token', description: 'Everything after /w/ in the issued URL' })
  get(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.receiver.receive(req, res);
  }

  @Post('*token')
  @ApiOperation({ summary: 'Call an issued URL with a body', description: DESCRIPTION })
  @ApiParam({ name: 'token', description: 'Everything after /w/ in the issued URL' })
  post(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.receiver.receive(req, res);
  }

  @All('*token')
  @ApiExcludeEndpoint()
  other(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.receiver.receive(req, res);
  }
}
