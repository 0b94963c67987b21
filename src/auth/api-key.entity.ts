import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type ApiKeyKind = 'admin' | 'bot';

@Entity('api_keys')
export class ApiKey {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 8 })
  kind: ApiKeyKind;

  @Column({ name: 'bot_id', type: 'varchar', length: 24, nullable: true })
  botId: string | null;

  /** SHA-256 of the key: keys carry 256 random bits, so a fast hash is enough and lookups stay cheap. */
  @Column({ name: 'key_hash', type: 'varchar', length: 64, unique: true })
  keyHash: string;

  /** The first characters of the key, so an admin can tell keys apart without seeing them. */
  @Column({ type: 'varchar', length: 20 })
  prefix: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;
}
