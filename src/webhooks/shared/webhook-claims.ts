/** What an issued URL's signature vouches for, as read back from the URL. */
export interface WebhookClaims {
  webhookId: string;
  botId: string;
  keyVersion: number;
  command: string;
  userId: string | null;
  chatId: string | null;
  /** The issued content; undefined when none was given. */
  content: unknown;
  params: Record<string, string> | null;
  redirect: string | null;
  /** Epoch seconds; null when the URL never expires. */
  expiresAt: number | null;
  singleUse: boolean;
  mode: 'sync' | 'async' | 'auto';
  /** With mode auto: how long the caller waits for the runtime's answer. */
  deadlineMs: number | null;
  /** Origins whose pages may read the answers (`['*']`: any); null when none may. */
  cors: string[] | null;
}
