import type { RuntimeMessage } from './runtime';

/** A call as a Bots.Business command sees it: `content` and `options`. */
export const asBotsBusiness = (message: RuntimeMessage): { content: string; options: RuntimeMessage['options'] } => ({
  content: message.content,
  options: message.options,
});

/** A call as a TeleBotHost command sees it: the issued value as `options`, the appended query as `params`. */
export const asTeleBotHost = (message: RuntimeMessage): { options: unknown; params: RuntimeMessage['options']['params'] } => ({
  options: message.issuedContent,
  params: message.options.params,
});
