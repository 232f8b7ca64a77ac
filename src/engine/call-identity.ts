/**
 * Who call k is: its From user and display name, the user it dials (Request-URI
 * and To), its digest credentials and extra headers — the call section's
 * `{{column}}` templates rendered with call k's row of call.data.
 *
 * Call indexes are global (striped over workers: worker w of n makes calls
 * w, w+n, w+2n, ...), so with order sequential or unique call k gets row k
 * (mod rows) whatever the worker count; random draws from the worker's seeded
 * generator. Without call.data (or templates) every call gets one shared party,
 * built once.
 */
import { pickRow } from '../http/flows/feeder.js';
import { compileTemplate, render, type Template, type VarValue } from '../http/flows/template.js';
import type { CallData } from '../scenario/call-data.js';
import type { CallSpec, TargetSpec } from '../scenario/types.js';
import type { CallParty } from '../sip/ua/caller.js';
import { uriWithUser } from '../sip/message/uri.js';

/** The party of call k, or null when call.data (order unique) has no row left for it. */
export type PartyFor = (index: number) => CallParty | null;

interface Compiled {
  from: Template;
  display: Template | null;
  to: Template | null;
  authUser: Template | null;
  authPassword: Template | null;
  headers: Array<[string, Template]>;
}

function headerLines(headers: ReadonlyArray<[string, string]>): string {
  let s = '';
  for (const [name, value] of headers) s += `${name}: ${value}\r\n`;
  return s;
}

export function createCallParties(o: {
  call: CallSpec;
  targetUri: string;
  auth: TargetSpec['auth'];
  data: CallData | null;
  random: () => number;
}): PartyFor {
  const { call } = o;
  const c: Compiled = {
    from: compileTemplate(call.fromUser),
    display: call.displayName === null ? null : compileTemplate(call.displayName),
    to: call.toUser === null ? null : compileTemplate(call.toUser),
    authUser: o.auth === null ? null : compileTemplate(o.auth.username),
    authPassword: o.auth === null ? null : compileTemplate(o.auth.password),
    headers: Object.entries(call.headers).map(([k, v]) => [k, compileTemplate(v)]),
  };
  const vars = new Map<string, VarValue>();
  const party = (): CallParty => ({
    fromUser: render(c.from, vars),
    displayName: c.display === null ? null : render(c.display, vars),
    requestUri: c.to === null ? o.targetUri : uriWithUser(o.targetUri, render(c.to, vars)),
    auth:
      c.authUser === null || c.authPassword === null
        ? null
        : { username: render(c.authUser, vars), password: render(c.authPassword, vars) },
    headers: headerLines(c.headers.map(([k, t]) => [k, render(t, vars)])),
  });
  const data = o.data;
  if (data === null) {
    // Validation rules out templates without call.data: one party for every call.
    const fixed = party();
    return () => fixed;
  }
  const { columns } = data;
  return (index) => {
    const row = pickRow(data, index, o.random);
    if (row === null) return null;
    for (let i = 0; i < columns.length; i++) vars.set(columns[i], row[i]);
    return party();
  };
}
