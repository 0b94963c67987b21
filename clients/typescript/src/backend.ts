import type { components } from './schema';
import { HeaderSource, verifySignature } from './signature';
import type { VerifyOptions } from './runtime';

type Schemas = components['schemas'];
export type BotReply = Schemas['BotReply'];
export type BotResponse = Schemas['BotResponse'];
export type BotAttributes = Schemas['BotAttributes'];
export type Button = Schemas['Button'];
export type PostbackButton = Schemas['PostbackButton'];
export type GotoButton = Schemas['GotoButton'];
export type UrlButton = Schemas['UrlButton'];
export type WebviewButton = Schemas['WebviewButton'];
export type PhoneButton = Schemas['PhoneButton'];
/** Quick replies allow only these two. */
export type QuickReplyButton = PostbackButton | GotoButton;
export type CardElement = Schemas['CardElement'];

type Flat = { [key: string]: string | number | boolean };

/** The body bothooks POSTs to a chatbot.com backend on a dispatch (contract §4.3). */
export interface DispatchMessage {
  chatId: string;
  messageId: string;
  userId: string;
  externalId: string | null;
  node: { id: string | null; name: string | null; type: 'WEBHOOK'; webhookId: string; webhookName: string };
  userAttributes: Flat;
  attributes: Flat;
}

/** Verifies a dispatch (Standard Webhooks v1, the connection's signingSecret) and returns its body; throws SignatureError. */
export function verifyDispatch(headers: HeaderSource, rawBody: string | Buffer, signingSecret: string, options: VerifyOptions = {}): DispatchMessage {
  return JSON.parse(verifySignature(headers, rawBody, signingSecret, options.now ?? new Date()));
}

/** The chat shows each response this many milliseconds after the previous one unless told otherwise (§5). */
const DELAY = 1000;

export const text = (message: string): Schemas['TextResponse'] => ({ type: 'text', delay: DELAY, message });
export const randomText = (...messages: string[]): Schemas['RandomTextResponse'] => ({ type: 'randomText', delay: DELAY, messages });
export const image = (imageUrl: string): Schemas['ImageResponse'] => ({ type: 'image', delay: DELAY, imageUrl });
export const quickReplies = (title: string, buttons: QuickReplyButton[]): Schemas['QuickRepliesResponse'] => ({ type: 'quickReplies', delay: DELAY, title, buttons });
export const cards = (...elements: CardElement[]): Schemas['CardsResponse'] => ({ type: 'cards', delay: DELAY, elements });
export const buttons = (title: string, buttons: Button[]): Schemas['ButtonsResponse'] => ({ type: 'buttons', delay: DELAY, title, buttons });

export const postback = (title: string, value: string): PostbackButton => ({ type: 'postback', title, value });
/** value: the id (a UUID v4) of the node to go to. */
export const goto = (title: string, value: string): GotoButton => ({ type: 'goto', title, value });
export const url = (title: string, value: string): UrlButton => ({ type: 'url', title, value });
export const webview = (title: string, value: string, height: WebviewButton['height'] = 'compact'): WebviewButton => ({ type: 'webview', title, value, height });
export const phone = (title: string, value: string): PhoneButton => ({ type: 'phone', title, value });

/** The backend's answer to a dispatch. */
export const reply = ({ responses = [], attributes = {} }: BotReply): Required<BotReply> => ({ responses, attributes });
