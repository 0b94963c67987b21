import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../auth/auth.decorator';
import { CurrentPrincipal, Principal } from '../auth/principal';
import { successEnvelope } from '../common/errors';
import { ApiObjectIdParam, ParseObjectIdPipe } from '../common/id-params';
import { ApiSuccessEnvelope } from '../common/openapi/envelopes';
import { ConnectionBodyPipe } from './connection-body.pipe';
import { ConnectionsService } from './connections.service';
import {
  ConnectionFields,
  ConnectionListItemView,
  ConnectionView,
  CreateConnectionDto,
  CreatedConnectionView,
  NewConnectionFields,
  UpdateConnectionDto,
  VerificationView,
} from './dto/connection.dto';

/** chatbot.com's webhook integration API: admins manage connections, a bot key reads its own bot's. */
@ApiTags('connections')
@Controller('v2/integrations/webhook')
export class ConnectionsController {
  constructor(private readonly connections: ConnectionsService) {}

  @Get()
  @Authenticated()
  @ApiOperation({ operationId: 'listConnections', summary: 'List connections' })
  @ApiOkResponse({ type: [ConnectionListItemView] })
  list(@CurrentPrincipal() principal: Principal): Promise<ConnectionListItemView[]> {
    return this.connections.list(principal);
  }

  @Post()
  @Authenticated({ adminOnly: true })
  @ApiOperation({ operationId: 'createConnection', summary: 'Create a connection' })
  @ApiBody({ type: CreateConnectionDto })
  @ApiCreatedResponse({ type: CreatedConnectionView })
  async create(@Body(new ConnectionBodyPipe(CreateConnectionDto)) body: NewConnectionFields): Promise<CreatedConnectionView> {
    return { id: await this.connections.create(body), ...successEnvelope(201, 'created') };
  }

  @Get(':id')
  @Authenticated()
  @ApiOperation({ operationId: 'getConnection', summary: 'Get a connection with its secrets' })
  @ApiObjectIdParam('id')
  @ApiOkResponse({ type: ConnectionView })
  get(@CurrentPrincipal() principal: Principal, @Param('id', ParseObjectIdPipe) id: string): Promise<ConnectionView> {
    return this.connections.get(principal, id);
  }

  @Put(':id')
  @Authenticated({ adminOnly: true })
  @ApiOperation({ operationId: 'replaceConnection', summary: 'Replace a connection' })
  @ApiObjectIdParam('id')
  @ApiBody({ type: UpdateConnectionDto })
  @ApiSuccessEnvelope('Replaced')
  async replace(@Param('id', ParseObjectIdPipe) id: string, @Body(new ConnectionBodyPipe(UpdateConnectionDto)) body: ConnectionFields) {
    await this.connections.replace(id, body);
    return successEnvelope();
  }

  @Delete(':id')
  @Authenticated({ adminOnly: true })
  @ApiOperation({ operationId: 'deleteConnection', summary: 'Delete a connection' })
  @ApiObjectIdParam('id')
  @ApiSuccessEnvelope('Deleted')
  async remove(@Param('id', ParseObjectIdPipe) id: string) {
    await this.connections.remove(id);
    return successEnvelope();
  }

  @Post(':id/verify')
  @HttpCode(200)
  @Authenticated({ adminOnly: true })
  @ApiOperation({ operationId: 'verifyConnection', summary: 'Run the verification handshake again' })
  @ApiObjectIdParam('id')
  @ApiOkResponse({ type: VerificationView })
  verify(@Param('id', ParseObjectIdPipe) id: string): Promise<VerificationView> {
    return this.connections.verify(id);
  }
}
