import { LIMITS } from '../response.rules';
import type { ImageResponse } from '../response.types';
import { checkUrl, Errors, Json, own } from './checks';

export const IMAGE_FIELDS = new Set(['type', 'delay', 'imageUrl']);

export function checkImage(item: Json, path: string, errors: Errors): ImageResponse {
  return { type: 'image', imageUrl: checkUrl(own(item, 'imageUrl'), `${path}.imageUrl`, LIMITS.image.imageUrl, errors), delay: 0 };
}
