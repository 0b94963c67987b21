import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { OutboundClient, OutboundError } from '../common/outbound/outbound-client';
import type { Verification } from './connection.entity';
import { MAX_REPLY_BYTES } from './dispatch-outcome';
import { appendQuery, BasicAuth, connectionHeaders } from './prepared-connection';

export interface VerificationResult {
  verification: Verification;
  error: string | null;
}

/** The parts of a connection the handshake uses, secrets opened. */
export interface HandshakeTarget {
  url: string;
  token: string | null;
  headers?: Record<string, string> | null;
  auth?: BasicAuth | null;
  timeoutMs: number;
}

/**
 * The chatbot.com handshake (§4.2): `GET <url>?challenge=…&token=…`, carrying the connection's headers and
 * Basic auth as a dispatch does, must answer 2xx with the challenge as its body. Goes through the same
 * guarded client as dispatches, with the connection's own timeout.
 */
@Injectable()
export class VerificationService {
  constructor(private readonly client: OutboundClient) {}

  async handshake({ url, token, headers, auth, timeoutMs }: HandshakeTarget): Promise<VerificationResult> {
    if (token === null) return { verification: 'not_required', error: null };
    const challenge = randomBytes(24).toString('base64url');
    try {
      const response = await this.client.request({
        method: 'GET',
        url: appendQuery(url, `challenge=${challenge}&token=${encodeURIComponent(token)}`),
        headers: connectionHeaders(headers, auth),
        timeoutMs,
        maxResponseBytes: MAX_REPLY_BYTES,
      });
      if (response.status < 200 || response.status > 299) return failed(`Request failed with status code ${response.status}`);
      if (response.body.toString('utf8').trim() !== challenge) return failed('verification failed: the backend did not answer with the challenge');
      return { verification: 'passed', error: null };
    } catch (error) {
      if (error instanceof OutboundError) return failed(error.message);
      throw error;
    }
  }
}

const failed = (error: string): VerificationResult => ({ verification: 'failed', error });
