import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ListQueryDto } from 'src/auth/dto/auth.dto';
import type { AuthUser } from 'src/auth/auth-user';
import { CurrentUser, Roles } from 'src/auth/decorators';
import type { Page } from 'src/common/pagination';
import { uuidPipe } from 'src/common/uuid.pipe';
import {
  CreateWebhookDto,
  DeliveryDto,
  DeliveryPageDto,
  ListDeliveriesQuery,
  WebhookDto,
  WebhookPageDto,
  WebhookWithStatsDto,
} from 'src/sla/webhooks/dto/webhook.dto';
import { WebhooksService } from 'src/sla/webhooks/webhooks.service';

@ApiTags('sla')
@ApiBearerAuth()
@Controller('webhooks')
@Roles('admin')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @ApiCreatedResponse({ type: WebhookDto, description: 'the secret is never returned' })
  create(@Body() dto: CreateWebhookDto, @CurrentUser() actor: AuthUser): Promise<WebhookDto> {
    return this.webhooks.create(dto, actor);
  }

  @Get()
  @ApiOkResponse({ type: WebhookPageDto, description: 'newest first, deactivated ones included, with delivery counts' })
  list(@Query() q: ListQueryDto): Promise<Page<WebhookWithStatsDto>> {
    return this.webhooks.list(q.limit, q.cursor);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'deactivated: future alerts skip it; its pending deliveries are not sent' })
  async delete(@Param('id', uuidPipe) id: string, @CurrentUser() actor: AuthUser): Promise<void> {
    await this.webhooks.deactivate(id, actor);
  }

  @Get(':id/deliveries')
  @ApiOkResponse({ type: DeliveryPageDto, description: 'newest first: status, tries, last error' })
  deliveries(@Param('id', uuidPipe) id: string, @Query() q: ListDeliveriesQuery): Promise<Page<DeliveryDto>> {
    return this.webhooks.deliveries(id, q);
  }
}
