import { Type, type Static } from '@sinclair/typebox';

// Per-camera motion gate, rules and health checks (placeholder: filled in with the events work).

export const EventsSchema = Type.Object(
  {},
  { additionalProperties: false, default: {} },
);

export type EventsConfig = Static<typeof EventsSchema>;
