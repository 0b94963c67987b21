/** Where issued URLs live: the body parser, the receive route and the log redaction all key on it. */
export const WEBHOOK_PATH = '/w/';
