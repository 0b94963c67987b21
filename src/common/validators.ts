import { registerDecorator, ValidationOptions } from 'class-validator';
import { isHttpUrl } from './http-url';

/** class-validator's form of isHttpUrl, for the DTOs. */
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
