import { registerDecorator, ValidationOptions } from 'class-validator';

/** True for an absolute http:// or https:// URL with a host, at most maxLength characters. */
export function isHttpUrl(value: unknown, maxLength: number): boolean {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname.length > 0;
  } catch {
    return false;
  }
}

export function IsHttpUrl(maxLength: number, options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isHttpUrl',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `$property must be an http or https URL of at most ${maxLength} characters`, ...options },
      validator: { validate: (value: unknown) => isHttpUrl(value, maxLength) },
    });
}
