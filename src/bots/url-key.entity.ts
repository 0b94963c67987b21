import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * The versioned HMAC keys that sign a bot's webhook URLs. Rotation adds a version and gives the old
 * ones a `retiresAt`; a URL signed with a retired key answers 410.
 */
@Entity('url_keys')
export class UrlKey {
  @PrimaryColumn({ name: 'bot_id', type: 'varchar', length: 24 })
  botId: string;

  @PrimaryColumn({ type: 'integer' })
  version: number;

  @Column({ name: 'secret', type: 'text' })
  secretSealed: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'retires_at', type: 'timestamptz', nullable: true })
  retiresAt: Date | null;
}
