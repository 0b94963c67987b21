import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

@Entity('bots')
export class Bot {
  @PrimaryColumn({ type: 'varchar', length: 24 })
  id: string;

  @Column({ type: 'varchar', length: 128 })
  name: string;

  @Column({ name: 'runtime_url', type: 'varchar', length: 1024, nullable: true })
  runtimeUrl: string | null;

  /** Sealed with the SecretBox; never stored in clear. */
  @Column({ name: 'signing_secret', type: 'text' })
  signingSecretSealed: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
