import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../auth/auth.decorator';
import { successEnvelope } from '../common/errors';
import { ApiObjectIdParam, ApiUuidParam, ParseObjectIdPipe, ParseUuidPipe } from '../common/id-params';
import { ApiSuccessEnvelope } from '../common/openapi/envelopes';
import { BotsService } from './bots.service';
import { BotDetailView, BotView, CreateBotDto, CreatedApiKeyView, CreatedBotView, RotateUrlKeyDto, UpdateBotDto } from './dto/bot.dto';

@ApiTags('bots')
@Authenticated({ adminOnly: true })
@Controller('v1/bots')
export class BotsController {
  constructor(private readonly bots: BotsService) {}

  @Post()
  @ApiOperation({ operationId: 'createBot', summary: 'Create a bot' })
  @ApiCreatedResponse({ type: CreatedBotView })
  create(@Body() dto: CreateBotDto): Promise<CreatedBotView> {
    return this.bots.create(dto);
  }

  @Get()
  @ApiOperation({ operationId: 'listBots', summary: 'List bots' })
  @ApiOkResponse({ type: [BotView] })
  list(): Promise<BotView[]> {
    return this.bots.list();
  }

  @Get(':id')
  @ApiOperation({ operationId: 'getBot', summary: 'Get a bot' })
  @ApiObjectIdParam('id')
  @ApiOkResponse({ type: BotDetailView })
  get(@Param('id', ParseObjectIdPipe) id: string): Promise<BotDetailView> {
    return this.bots.get(id);
  }

  @Patch(':id')
  @ApiOperation({ operationId: 'updateBot', summary: 'Change a bot' })
  @ApiObjectIdParam('id')
  @ApiOkResponse({ type: BotDetailView })
  update(@Param('id', ParseObjectIdPipe) id: string, @Body() dto: UpdateBotDto): Promise<BotDetailView> {
    return this.bots.update(id, dto);
  }

  @Delete(':id')
  @ApiOperation({ operationId: 'deleteBot', summary: 'Delete a bot with its connections, keys and URLs' })
  @ApiObjectIdParam('id')
  @ApiSuccessEnvelope('Deleted')
  async remove(@Param('id', ParseObjectIdPipe) id: string) {
    await this.bots.remove(id);
    return successEnvelope();
  }

  @Post(':id/api-keys')
  @ApiOperation({ operationId: 'createBotApiKey', summary: 'Create another bot key' })
  @ApiObjectIdParam('id')
  @ApiCreatedResponse({ type: CreatedApiKeyView })
  createApiKey(@Param('id', ParseObjectIdPipe) id: string): Promise<CreatedApiKeyView> {
    return this.bots.createApiKey(id);
  }

  @Delete(':id/api-keys/:keyId')
  @ApiOperation({ operationId: 'revokeBotApiKey', summary: 'Revoke a bot key' })
  @ApiObjectIdParam('id')
  @ApiUuidParam('keyId')
  @ApiSuccessEnvelope('Revoked: the key is 401 from now on')
  async revokeApiKey(@Param('id', ParseObjectIdPipe) id: string, @Param('keyId', ParseUuidPipe) keyId: string) {
    await this.bots.revokeApiKey(id, keyId);
    return successEnvelope();
  }

  @Post(':id/rotate-url-key')
  @HttpCode(200)
  @ApiOperation({ operationId: 'rotateBotUrlKey', summary: 'Rotate the key that signs issued URLs' })
  @ApiObjectIdParam('id')
  @ApiSuccessEnvelope('Rotated: URLs issued before answer 410 after the grace period')
  async rotateUrlKey(@Param('id', ParseObjectIdPipe) id: string, @Body() dto: RotateUrlKeyDto) {
    await this.bots.rotateUrlKey(id, dto.graceSeconds ?? 0);
    return successEnvelope();
  }
}
