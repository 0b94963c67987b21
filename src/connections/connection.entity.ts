import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { Bot } from '../bots/bot.entity';

export type Verification = 'not_required' | 'passed' | 'failed';

/**
 * A chatbot.com-style outbound connection of one bot ("story"). Every secret column holds SecretBox-sealed
 * text; `headers` and `auth` are sealed JSON, so neither a header value nor a password is ever stored in clear.
 */
@Entity('connections')
export class Connection {
  @PrimaryColumn({ type: 'varchar', length: 24 })
  id: string;

  @Column({ name: 'bot_id', type: 'varchar', length: 24 })
  botId: string;

  @ManyToOne(() => Bot, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'bot_id' })
  bot?: Bot;

  @Column({ type: 'varchar', length: 128 })
  name: string;

  @Column({ type: 'varchar', length: 1024 })
  url: string;

  @Column({ name: 'token', type: 'text', nullable: true })
  tokenSealed: string | null;

  /** Sealed JSON object of header name → value. */
  @Column({ name: 'headers', type: 'text', nullable: true })
  headersSealed: string | null;

  /** Sealed JSON `{username, password}`. */
  @Column({ name: 'auth', type: 'text', nullable: true })
  authSealed: string | null;

  @Column({ name: 'timeout_ms', type: 'integer', default: 10000 })
  timeoutMs: number;

  @Column({ name: 'signing_secret', type: 'text' })
  signingSecretSealed: string;

  @Column({ type: 'varchar', length: 16 })
  verification: Verification;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
