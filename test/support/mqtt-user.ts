import { connect, type MqttClient } from 'mqtt';

/** A user's app as the README's client recipe describes it: clientId = username = user id, persistent session. */
export class MqttUser {
  readonly received: any[] = [];
  private waiters: Array<() => void> = [];

  private constructor(readonly userId: number, readonly client: MqttClient) {
    client.on('message', (_topic, payload) => {
      this.received.push(JSON.parse(payload.toString()));
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  /** `clean: true` only to wipe the user's persistent session off a shared broker after a test. */
  static connect(url: string, userId: number, topicPrefix = '', clean = false): Promise<MqttUser> {
    const id = String(userId);
    const client = connect(url, { clientId: id, username: id, clean, reconnectPeriod: 0 });
    const user = new MqttUser(userId, client);
    return new Promise((resolve, reject) => {
      client.once('error', reject);
      client.once('connect', (connack) => {
        if (connack.sessionPresent) return resolve(user); // the session keeps its subscription
        client.subscribe(topicPrefix + id, { qos: 1 }, (err) => (err ? reject(err) : resolve(user)));
      });
    });
  }

  /** Resolves once `count` events satisfying `match` have arrived (or rejects after the timeout). */
  async waitFor(match: (event: any) => boolean, count = 1, timeoutMs = 10_000): Promise<any[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.filter(match);
      if (found.length >= count) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`user ${this.userId}: ${found.length}/${count} events after ${timeoutMs} ms: ${JSON.stringify(this.received)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): Promise<void> {
    return this.client.endAsync();
  }
}
