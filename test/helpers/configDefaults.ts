import { Ajv } from 'ajv';

const ajv = new Ajv({ useDefaults: true, strict: false });

/** A config slice checked against its schema with every default filled, as the config loader makes it. */
export function withDefaults<T>(schema: object, value: unknown): T {
  const copy = structuredClone(value);
  const validate = ajv.compile(schema);
  if (!validate(copy)) throw new Error(`config slice invalid: ${ajv.errorsText(validate.errors)}`);
  return copy as T;
}
