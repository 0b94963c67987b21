import { Global, Module } from '@nestjs/common';
import type { ConfigType } from '../../config/section';
import { securityConfig } from '../../config/security.config';
import { OutboundClient } from './outbound-client';

/** Global so that both feature modules share one connection pool instead of each opening their own. */
@Global()
@Module({
  providers: [
    {
      provide: OutboundClient,
      inject: [securityConfig.KEY],
      useFactory: (security: ConfigType<typeof securityConfig>) =>
        new OutboundClient({ allowPrivate: security.outboundAllowPrivate }),
    },
  ],
  exports: [OutboundClient],
})
export class OutboundModule {}
