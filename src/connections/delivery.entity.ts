import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Connection } from './connection.entity';

export type DeliveryStatus = 'succeeded' | 'failed';

/**
 * One dispatch of a connection, as it went out and as it came back. Written by the dispatch path in plain SQL
 * (see DispatchService); the entity describes the table for reads and for the CLI's schema view. The id is
 * the `webhook-id` the backend received. Nothing secret is kept: the token in the URL, the Authorization
 * header and custom header values are recorded as `[redacted]`.
 */
@Entity('connection_deliveries')
export class Delivery {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'connection_id', type: 'varchar', length: 24 })
  connectionId: string;

  @ManyToOne(() => Connection, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'connection_id' })
  connection?: Connection;

  @Column({ name: 'bot_id', type: 'varchar', length: 24 })
  botId: string;

  @Column({ type: 'varchar', length: 16 })
  status: DeliveryStatus;

  @Column({ name: 'http_status', type: 'integer', nullable: true })
  httpStatus: number | null;

  @Column({ name: 'duration_ms', type: 'integer' })
  durationMs: number;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  @Column({ name: 'request_url', type: 'text' })
  requestUrl: string;

  @Column({ name: 'request_headers', type: 'jsonb' })
  requestHeaders: Record<string, string>;

  /** The exact bytes that were sent (and signed), so a retry can send them again. */
  @Column({ name: 'request_body', type: 'text' })
  requestBody: string;

  /** At most 64 KiB, the reply cap; null when no reply came. */
  @Column({ name: 'response_body', type: 'text', nullable: true })
  responseBody: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
