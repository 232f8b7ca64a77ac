/**
 * The transport kinds callcert speaks, written once: the scenario schema's `transport` enum, the
 * registry (registry.ts) and Via's sent-protocol all come from this list. No imports, so that
 * message/ (Via) can name a kind without depending on the transports.
 */
export const TRANSPORT_KINDS = ['udp', 'tcp'] as const;
export type TransportKind = (typeof TRANSPORT_KINDS)[number];

export function isTransportKind(s: string): s is TransportKind {
  return (TRANSPORT_KINDS as readonly string[]).includes(s);
}
