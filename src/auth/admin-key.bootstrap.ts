import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { ConfigType } from '../config/section';
import { securityConfig } from '../config/security.config';
import { ApiKeysService } from './api-keys.service';

/** At start: register ADMIN_API_KEY, or give an empty database its first admin key. */
@Injectable()
export class AdminKeyBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger('ApiKeys');

  constructor(
    private readonly apiKeys: ApiKeysService,
    @Inject(securityConfig.KEY) private readonly security: ConfigType<typeof securityConfig>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.security.adminApiKey) {
      await this.apiKeys.register('admin', this.security.adminApiKey);
      return;
    }
    if ((await this.apiKeys.countAdminKeys()) === 0) {
      const { apiKey } = await this.apiKeys.create('admin', null);
      // Shown once, on the first start of an empty database, so the operator can make the first call.
      this.logger.warn(`no ADMIN_API_KEY set: generated an admin key (shown only this once): ${apiKey}`);
    }
  }
}
