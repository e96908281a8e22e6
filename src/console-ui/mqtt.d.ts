/**
 * What the console uses of mqtt.js's browser bundle (`/console/mqtt.min.js`, a classic script that sets the global
 * `mqtt`). Declared here rather than imported: mqtt's own types describe its Node build and pull in Node's.
 */
interface MqttConnackError extends Error {
  /** The CONNACK return code: 4 bad user name or password, 5 not authorized. */
  code?: number;
}

interface MqttGrant {
  topic: string;
  qos: number;
}

interface MqttClient {
  on(event: 'connect', listener: () => void): this;
  on(event: 'reconnect' | 'close' | 'offline', listener: () => void): this;
  on(event: 'error', listener: (error: MqttConnackError) => void): this;
  on(event: 'message', listener: (topic: string, payload: Uint8Array) => void): this;
  subscribe(topic: string, options: { qos: 0 | 1 }, callback: (error: Error | null, granted?: MqttGrant[]) => void): this;
  end(force?: boolean): this;
}

interface MqttConnectOptions {
  clientId: string;
  username: string;
  password?: string;
  clean: boolean;
  protocolVersion: 4;
  reconnectPeriod: number;
  connectTimeout: number;
}

declare const mqtt: { connect(url: string, options: MqttConnectOptions): MqttClient };
