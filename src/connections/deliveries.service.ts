import { Injectable } from '@nestjs/common';
import type { Principal } from '../auth/principal';
import { decodeCursor, encodeCursor } from '../common/cursor';
import { AppError } from '../common/errors';
import { idTimeRange, isUuid } from '../common/ids';
import { DEFAULT_PAGE_SIZE } from '../common/page-query';
import { Sql } from '../database/sql';
import { DispatchService } from './dispatch.service';
import type { DispatchResultView } from './dto/dispatch.dto';
import { deliveryListQuery, LIST_COLUMNS } from './delivery-list';
import type { DeliveryListItemView, DeliveryPageView, DeliveryStatus, DeliveryView } from './dto/delivery.dto';


interface DeliveryRow {
  id: string;
  status: DeliveryStatus;
  http_status: number | null;
  duration_ms: number;
  error: string | null;
  created_at: Date;
  /** created_at to the microsecond, as text Postgres reads back exactly. */
  position: string;
}

interface DeliveryDetailRow extends DeliveryRow {
  connection_id: string;
  request_url: string;
  request_headers: Record<string, string>;
  request_body: string;
  response_body: string | null;
}

/** A connection's delivery history: newest first, keyset-paginated, and retry of any one of them. */
@Injectable()
export class DeliveriesService {
  constructor(
    private readonly sql: Sql,
    private readonly dispatcher: DispatchService,
  ) {}

  async list(principal: Principal, connectionId: string, limit = DEFAULT_PAGE_SIZE, cursor?: string): Promise<DeliveryPageView> {
    await this.dispatcher.find(principal, connectionId);
    const after = cursor === undefined ? null : decodeCursor(cursor, DELIVERY_CURSOR);
    const { text, values } = deliveryListQuery(connectionId, limit + 1, after && [after[0], after[1]]);
    const rows = await this.sql.queryInIndexOrder<DeliveryRow>(text, values);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { items: page.map(listItem), nextCursor: rows.length > limit ? encodeCursor(last.position, last.id) : null };
  }

  async get(principal: Principal, connectionId: string, deliveryId: string): Promise<DeliveryView> {
    await this.dispatcher.find(principal, connectionId);
    const row = await this.findRow(connectionId, deliveryId);
    return {
      ...listItem(row),
      connectionId: row.connection_id,
      requestUrl: row.request_url,
      requestHeaders: row.request_headers,
      requestBody: JSON.parse(row.request_body),
      responseBody: row.response_body,
    };
  }

  /** Sends the recorded body again, as a new delivery with a new webhook-id, to the connection as it is now. */
  async retry(principal: Principal, connectionId: string, deliveryId: string): Promise<DispatchResultView> {
    const connection = await this.dispatcher.find(principal, connectionId);
    const [row] = await this.sql.query<{ request_body: string }>(
      `SELECT request_body FROM connection_deliveries WHERE id = $1 AND connection_id = $2 AND created_at BETWEEN $3 AND $4`,
      [deliveryId, connectionId, ...idTimeRange(deliveryId)],
    );
    if (!row) throw notFound(deliveryId);
    return this.dispatcher.send(connection, row.request_body);
  }

  private async findRow(connectionId: string, deliveryId: string): Promise<DeliveryDetailRow> {
    const [row] = await this.sql.query<DeliveryDetailRow>(
      `SELECT ${LIST_COLUMNS}, connection_id, request_url, request_headers, request_body, response_body
       FROM connection_deliveries WHERE id = $1 AND connection_id = $2 AND created_at BETWEEN $3 AND $4`,
      [deliveryId, connectionId, ...idTimeRange(deliveryId)],
    );
    if (!row) throw notFound(deliveryId);
    return row;
  }
}

function listItem(row: DeliveryRow): DeliveryListItemView {
  return {
    id: row.id,
    status: row.status,
    httpStatus: row.http_status,
    durationMs: row.duration_ms,
    error: row.error,
    createdAt: row.created_at.toISOString(),
  };
}

const CURSOR_POSITION = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const DELIVERY_CURSOR = [(position: string) => CURSOR_POSITION.test(position), isUuid];

const notFound = (id: string): AppError => new AppError('not_found', `delivery ${id} not found`);
