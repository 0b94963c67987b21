import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../auth/auth.decorator';
import { successEnvelope } from '../common/errors';
import { ParseObjectIdPipe, ParseUuidPipe } from '../common/ids';
import { BotsService } from './bots.service';
import { BotDetailView, BotView, CreateBotDto, CreatedApiKeyView, CreatedBotView, RotateUrlKeyDto, UpdateBotDto } from './dto/bot.dto';

@ApiTags('bots')
@Authenticated({ adminOnly: true })
@Controller('v1/bots')
export class BotsController {
  constructor(private readonly bots: BotsService) {}

  @Post()
  @ApiCreatedResponse({ type: CreatedBotView })
  create(@Body() dto: CreateBotDto): Promise<CreatedBotView> {
    return this.bots.create(dto);
  }

  @Get()
  @ApiOkResponse({ type: [BotView] })
  list(): Promise<BotView[]> {
    return this.bots.list();
  }

  @Get(':id')
  @ApiOkResponse({ type: BotDetailView })
  get(@Param('id', ParseObjectIdPipe) id: string): Promise<BotDetailView> {
    return this.bots.get(id);
  }

  @Patch(':id')
  @ApiOkResponse({ type: BotDetailView })
  update(@Param('id', ParseObjectIdPipe) id: string, @Body() dto: UpdateBotDto): Promise<BotDetailView> {
    return this.bots.update(id, dto);
  }

  @Delete(':id')
  async remove(@Param('id', ParseObjectIdPipe) id: string) {
    await this.bots.remove(id);
    return successEnvelope();
  }

  @Post(':id/api-keys')
  @ApiCreatedResponse({ type: CreatedApiKeyView })
  createApiKey(@Param('id', ParseObjectIdPipe) id: string): Promise<CreatedApiKeyView> {
    return this.bots.createApiKey(id);
  }

  @Delete(':id/api-keys/:keyId')
  async revokeApiKey(@Param('id', ParseObjectIdPipe) id: string, @Param('keyId', ParseUuidPipe) keyId: string) {
    await this.bots.revokeApiKey(id, keyId);
    return successEnvelope();
  }

  @Post(':id/rotate-url-key')
  @HttpCode(200)
  async rotateUrlKey(@Param('id', ParseObjectIdPipe) id: string, @Body() dto: RotateUrlKeyDto) {
    await this.bots.rotateUrlKey(id, dto.graceSeconds ?? 0);
    return successEnvelope();
  }
}
