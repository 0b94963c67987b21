import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export const BOT_ORDERINGS = ['conversation', 'none'] as const;
export type BotOrdering = (typeof BOT_ORDERINGS)[number];

@Entity('bots')
export class Bot {
  @PrimaryColumn({ type: 'varchar', length: 24 })
  id: string;

  @Column({ type: 'varchar', length: 128 })
  name: string;

  @Column({ name: 'runtime_url', type: 'varchar', length: 1024, nullable: true })
  runtimeUrl: string | null;

  /** Whether background deliveries of one conversation go one at a time, in order (§2). */
  @Column({ type: 'varchar', length: 12, default: 'conversation' })
  ordering: BotOrdering;

  /** Sealed with the SecretBox; never stored in clear. */
  @Column({ name: 'signing_secret', type: 'text' })
  signingSecretSealed: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
