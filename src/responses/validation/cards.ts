import { LIMITS } from '../response.rules';
import type { CardElement, CardsResponse } from '../response.types';
import { CARDS, checkButtons } from './button';
import { checkArray, checkString, checkUrl, Errors, isObject, Json, own, rejectUnknown } from './checks';

export const CARDS_FIELDS = new Set(['type', 'delay', 'elements']);
const ELEMENT_FIELDS = new Set(['title', 'subtitle', 'imageUrl', 'buttons']);
const PLACEHOLDER_ELEMENT: CardElement = Object.freeze({ title: '', subtitle: '', imageUrl: '', buttons: [] });

export function checkCards(item: Json, path: string, errors: Errors): CardsResponse {
  return { type: 'cards', elements: checkElements(own(item, 'elements'), `${path}.elements`, errors), delay: 0 };
}

function checkElements(value: unknown, path: string, errors: Errors): CardElement[] {
  const list = checkArray(value, path, LIMITS.cards.elements, errors);
  const out: CardElement[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    out[i] = checkElement(list[i], `${path}[${i}]`, errors);
  }
  return out;
}

function checkElement(item: unknown, path: string, errors: Errors): CardElement {
  if (!isObject(item)) {
    errors.push({ path, message: 'must be an object' });
    return PLACEHOLDER_ELEMENT;
  }
  const element: CardElement = {
    title: checkString(own(item, 'title'), `${path}.title`, LIMITS.cards.title, errors),
    subtitle: checkString(own(item, 'subtitle'), `${path}.subtitle`, LIMITS.cards.subtitle, errors),
    imageUrl: checkUrl(own(item, 'imageUrl'), `${path}.imageUrl`, LIMITS.cards.imageUrl, errors),
    buttons: checkButtons(own(item, 'buttons'), `${path}.buttons`, LIMITS.cards.buttons, CARDS, errors),
  };
  rejectUnknown(item, ELEMENT_FIELDS, path, errors);
  return element;
}
