/**
 * Binding an output's HTTP server (the Prometheus endpoint, the dashboard): a port in use, or an
 * address that cannot be bound, becomes one error naming the option; the origin URL is returned.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errors } from '../errors.js';
import type { ListenAddress } from './prometheus/sink-args.js';

/** `option` names the flag in errors ("--dashboard"); `anotherPort` shows how to give another ("--dashboard 127.0.0.1:PORT"). */
export async function listenHttp(server: Server, at: ListenAddress, option: string, anotherPort: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      const where = `${at.host}:${at.port}`;
      reject(e.code === 'EADDRINUSE'
        ? errors.portInUse(`${option}: ${where} is already in use (give another port: ${anotherPort})`)
        : errors.usage(`${option}: cannot listen on ${where}: ${e.message}`));
    });
    server.listen(at.port, at.host, () => resolve());
  });
  // A client's error after listening must not crash the run.
  server.on('error', () => {});
  const port = (server.address() as AddressInfo).port;
  return `http://${at.host.includes(':') ? `[${at.host}]` : at.host}:${port}`;
}
