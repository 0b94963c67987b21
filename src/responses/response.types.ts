import type { WebviewHeight } from './response.rules';

/** Shapes of a reply after normalizing: every default is filled in, so consumers never guess. */

export interface PostbackButton {
  type: 'postback';
  title: string;
  value: string;
}

export interface GotoButton {
  type: 'goto';
  title: string;
  value: string;
}

export interface UrlButton {
  type: 'url';
  title: string;
  value: string;
}

export interface WebviewButton {
  type: 'webview';
  title: string;
  value: string;
  height: WebviewHeight;
}

export interface PhoneButton {
  type: 'phone';
  title: string;
  value: string;
}

export type QuickReplyButton = PostbackButton | GotoButton;
export type Button = PostbackButton | GotoButton | UrlButton | WebviewButton | PhoneButton;

export interface TextResponse {
  type: 'text';
  message: string;
  delay: number;
}

export interface RandomTextResponse {
  type: 'randomText';
  messages: string[];
  delay: number;
}

export interface ImageResponse {
  type: 'image';
  imageUrl: string;
  delay: number;
}

export interface QuickRepliesResponse {
  type: 'quickReplies';
  title: string;
  buttons: QuickReplyButton[];
  delay: number;
}

export interface CardElement {
  title: string;
  subtitle: string;
  imageUrl: string;
  buttons: Button[];
}

export interface CardsResponse {
  type: 'cards';
  elements: CardElement[];
  delay: number;
}

export interface ButtonsResponse {
  type: 'buttons';
  title: string;
  buttons: Button[];
  delay: number;
}

export type BotResponse =
  | TextResponse
  | RandomTextResponse
  | ImageResponse
  | QuickRepliesResponse
  | CardsResponse
  | ButtonsResponse;

export type AttributeValue = string | number | boolean | null;

export interface NormalizedReply {
  responses: BotResponse[];
  attributes: Record<string, AttributeValue>;
}

export interface ResponseViolation {
  /** Where the problem is, e.g. `responses[1].buttons[0].title`, `attributes.plan` or `attributes["a b"]`. */
  path: string;
  message: string;
}

export type ReplyValidation =
  | { valid: true; normalized: NormalizedReply }
  /** `errors` are the first violations found; `total` counts them all. */
  | { valid: false; errors: ResponseViolation[]; total: number };
