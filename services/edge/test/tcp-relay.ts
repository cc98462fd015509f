import { createServer, Socket, type Server } from 'node:net';

/**
 * A TCP relay between a service and RabbitMQ that a test can freeze or cut. Not a broker fake:
 * the real RabbitMQ answers everything; freezing only stops bytes from the service reaching it, as
 * a stalled network would, so a test can hold a drain at "closing the broker connection"; cutting
 * drops the connections and refuses new ones until `restore`, as a network partition would.
 */
export class TcpRelay {
  readonly #server: Server;
  readonly #pairs = new Set<[Socket, Socket]>();
  #frozen = false;
  #cut = false;
  port = 0;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(target: { host: string; port: number }): Promise<TcpRelay> {
    let relay: TcpRelay | null = null;
    const server = createServer((inbound) => {
      if (relay!.#cut) {
        inbound.destroy();
        return;
      }
      const outbound = new Socket();
      outbound.connect(target.port, target.host);
      inbound.pipe(outbound);
      outbound.pipe(inbound);
      const pair: [Socket, Socket] = [inbound, outbound];
      relay!.#pairs.add(pair);
      if (relay!.#frozen) inbound.pause();
      const drop = (): void => {
        inbound.destroy();
        outbound.destroy();
        relay!.#pairs.delete(pair);
      };
      inbound.on('error', drop).on('close', drop);
      outbound.on('error', drop).on('close', drop);
    });
    relay = new TcpRelay(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    relay.port = (server.address() as { port: number }).port;
    return relay;
  }

  /** From now on nothing the service writes reaches RabbitMQ (it stays buffered). */
  freeze(): void {
    this.#frozen = true;
    for (const [inbound] of this.#pairs) {
      inbound.unpipe();
      inbound.pause();
    }
  }

  /** Drops every relayed connection and refuses new ones until `restore()`. */
  cut(): void {
    this.#cut = true;
    for (const [inbound, outbound] of this.#pairs) {
      inbound.destroy();
      outbound.destroy();
    }
  }

  restore(): void {
    this.#cut = false;
  }

  async close(): Promise<void> {
    for (const [inbound, outbound] of this.#pairs) {
      inbound.destroy();
      outbound.destroy();
    }
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
