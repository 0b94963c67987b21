import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBody, ApiOkResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { schemaRef } from '../common/openapi/envelopes';
import { Authenticated } from '../auth/auth.decorator';
import { ResponsesService, ValidReply } from './responses.service';

const EXAMPLE_REPLY = {
  responses: [
    { type: 'text', message: 'Hi! What would you like to do?' },
    {
      type: 'quickReplies',
      title: 'Pick one',
      buttons: [
        { type: 'postback', title: 'Track order', value: 'track' },
        { type: 'goto', title: 'Talk to us', value: '3f2b8a4c-1d2e-4f5a-9b6c-7d8e9f0a1b2c' },
      ],
    },
  ],
  attributes: { plan: 'pro' },
};

@ApiTags('responses')
@Authenticated()
@Controller('v2/responses')
export class ResponsesController {
  constructor(private readonly responses: ResponsesService) {}

  /*
   * The body is typed `unknown` on purpose: the global DTO pipe leaves it alone, so unknown fields reach
   * the validator and come back as 422 violations with their paths instead of a 400.
   */
  @Post('validate')
  @HttpCode(200)
  @ApiOperation({ operationId: 'validateReply', summary: "Validate and normalize a chatbot backend's reply" })
  @ApiBody({
    schema: schemaRef('BotReply'),
    required: false,
    description: "A chatbot backend's reply, as a dispatch would receive it; no body is the empty reply.",
    examples: { reply: { value: EXAMPLE_REPLY } },
  })
  @ApiOkResponse({
    description: 'The reply is valid; `normalized` is it with every default filled in.',
    schema: {
      type: 'object',
      required: ['valid', 'normalized'],
      properties: { valid: { type: 'boolean', enum: [true] }, normalized: schemaRef('BotReply') },
    },
  })
  @ApiUnprocessableEntityResponse({ description: 'The reply breaks the rules; `errors` lists every violation with its path.' })
  @ApiBadRequestResponse({ description: 'The body is not JSON, or is JSON but not an object or array.' })
  validate(@Body() body: unknown): ValidReply {
    return this.responses.validate(body);
  }
}
